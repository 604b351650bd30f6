/** Settings of the target database: row versioning for readers, and the compatibility level. */
import { ok, type DoctorCheck, type DoctorContext, type DoctorFinding } from '../../doctor/types.js';
import { ident } from './sql-names.js';

export const DATABASE_SETTINGS_SQL = `SELECT name, compatibility_level,
  snapshot_isolation_state_desc AS snapshot_isolation, CONVERT(bit, is_read_committed_snapshot_on) AS rcsi
FROM sys.databases WHERE database_id = DB_ID()`;

export interface DatabaseSettingsRow {
  name: string;
  compatibility_level: number;
  /** ON, OFF, IN_TRANSITION_TO_ON, IN_TRANSITION_TO_OFF. */
  snapshot_isolation: string;
  rcsi: boolean;
}

/** OPENJSON (the state store, the activity queries) needs compatibility level 130 (SQL Server 2016). */
export const MIN_COMPATIBILITY_LEVEL = 130;

/**
 * Without READ_COMMITTED_SNAPSHOT, READ COMMITTED readers take shared locks: a backfill batch's row
 * locks hold up the application's reads, and long reads hold up the batch and every DDL step.
 * https://learn.microsoft.com/sql/t-sql/statements/alter-database-transact-sql-set-options#read_committed_snapshot--on--off-
 */
export function snapshotIsolationFinding(row: DatabaseSettingsRow): DoctorFinding {
  const details = [
    { database: row.name, readCommittedSnapshot: row.rcsi, allowSnapshotIsolation: row.snapshot_isolation },
  ];
  if (row.rcsi) {
    return ok(
      `READ_COMMITTED_SNAPSHOT is ON: readers see the last committed version and do not block writers ` +
        `(ALLOW_SNAPSHOT_ISOLATION ${row.snapshot_isolation})`,
      details,
    );
  }
  return {
    status: 'warn',
    finding:
      `READ_COMMITTED_SNAPSHOT is OFF in ${row.name}: readers take shared locks, so readers block writers and ` +
      `writers block readers; every backfill batch stalls the application's reads of its rows while it runs`,
    fix:
      `keep batches small (the default stays under lock escalation), or turn row versioning on at a quiet moment: ` +
      `ALTER DATABASE ${ident(row.name)} SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK IMMEDIATE ` +
      `(it rolls back other sessions' open transactions; versions then live in tempdb, or in the database with ` +
      `accelerated database recovery; test the application first: its reads no longer wait for writers)`,
    details,
  };
}

export function compatibilityFinding(row: DatabaseSettingsRow): DoctorFinding {
  if (row.compatibility_level >= MIN_COMPATIBILITY_LEVEL)
    return ok(`compatibility level ${row.compatibility_level} (OPENJSON available)`);
  return {
    status: 'fail',
    finding:
      `${row.name} runs at compatibility level ${row.compatibility_level}: OPENJSON, which schemashift's state ` +
      `store and activity queries use, needs ${MIN_COMPATIBILITY_LEVEL}`,
    fix:
      `ALTER DATABASE ${ident(row.name)} SET COMPATIBILITY_LEVEL = 150 (test the application's queries first: the ` +
      `level changes the query optimizer's behaviour)`,
    details: [{ database: row.name, compatibilityLevel: row.compatibility_level }],
  };
}

async function settings(ctx: DoctorContext): Promise<DatabaseSettingsRow> {
  const row = (await ctx.db.query<DatabaseSettingsRow>(DATABASE_SETTINGS_SQL)).rows[0];
  if (!row) throw new Error('sys.databases has no row for DB_ID()');
  return row;
}

export const DATABASE_CHECKS: DoctorCheck[] = [
  {
    id: 'snapshot-isolation',
    title: 'snapshot isolation',
    run: async (ctx) => snapshotIsolationFinding(await settings(ctx)),
  },
  {
    id: 'compatibility-level',
    title: 'compatibility level',
    run: async (ctx) => compatibilityFinding(await settings(ctx)),
  },
];
