/** The server itself: version and edition (what they allow), and availability-group lag. */
import type { Queryable } from '../../db/connection.js';
import { ageText, ok, type DoctorCheck, type DoctorContext, type DoctorFinding } from '../../doctor/types.js';
import {
  asMssqlServer,
  AZURE_SQL_DATABASE,
  atLeast,
  hasEnterpriseFeatures,
  isAzureSql,
  missingCapabilities,
  OLDEST_SUPPORTED_MAJOR,
  releaseLabel,
  versionNumOf,
  type MssqlServerInfo,
} from './doctor-capabilities.js';

export const SERVER_INFO_SQL = `SELECT CONVERT(nvarchar(128), SERVERPROPERTY('ProductVersion')) AS product_version,
  CONVERT(int, SERVERPROPERTY('ProductMajorVersion')) AS major_version,
  CONVERT(nvarchar(128), SERVERPROPERTY('Edition')) AS edition,
  CONVERT(int, SERVERPROPERTY('EngineEdition')) AS engine_edition`;

interface ServerInfoRow {
  product_version: string | null;
  major_version: number | null;
  edition: string | null;
  engine_edition: number | null;
}

export async function readMssqlServerInfo(db: Queryable): Promise<MssqlServerInfo> {
  const row = (await db.query<ServerInfoRow>(SERVER_INFO_SQL)).rows[0];
  const version = row?.product_version ?? '0.0.0.0';
  const versionNum = versionNumOf(version);
  return {
    version,
    versionNum,
    majorVersion: row?.major_version ?? Number.parseInt(version, 10),
    edition: row?.edition ?? 'unknown edition',
    engineEdition: row?.engine_edition ?? 0,
  };
}

/** "SQL Server 2022 (16.0.4135.4, Developer Edition (64-bit))", or "Azure SQL Database (12.0.2000.8, …)". */
export function serverLabel(s: MssqlServerInfo): string {
  if (isAzureSql(s)) {
    const product = s.engineEdition === AZURE_SQL_DATABASE ? 'Azure SQL Database' : 'Azure SQL Managed Instance';
    return `${product} (${s.version}, ${s.edition})`;
  }
  return `SQL Server ${releaseLabel(s.majorVersion)} (${s.version}, ${s.edition})`;
}

export function serverVersionFinding(server: MssqlServerInfo): DoctorFinding {
  const label = serverLabel(server);
  if (!atLeast(server, OLDEST_SUPPORTED_MAJOR)) {
    return {
      status: 'fail',
      finding: `${label} is older than the oldest supported release (SQL Server ${releaseLabel(OLDEST_SUPPORTED_MAJOR)})`,
      fix: 'upgrade the server: see the capabilities below for what older releases lack',
      details: [],
    };
  }
  const missing = missingCapabilities(server);
  if (missing.length === 0) return ok(`${label}: supported, with every capability below`);
  const editionBound = !hasEnterpriseFeatures(server);
  return {
    status: 'warn',
    finding: `${label}: supported, but without ${missing.map((m) => `${m.capability.name} (${m.why})`).join(', ')}`,
    fix: editionBound
      ? 'this edition has no online index operations: create_index is refused unless the plan allows an offline ' +
        'build (which blocks writes for the whole build); Enterprise, Developer or Azure SQL build online'
      : 'see the capabilities below for what happens instead; SQL Server 2022 or Azure SQL gives them all',
    details: missing.map((m) => ({ capability: m.capability.id, missing: m.why })),
  };
}

/**
 * One row per replica of this database: on the primary every replica, on a secondary its own row.
 * log_send_queue_size and redo_queue_size are in KB; secondary_lag_seconds exists from 2016.
 * https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-hadr-database-replica-states-transact-sql
 */
export function replicaStatesSql(server: MssqlServerInfo): string {
  const lag = atLeast(server, 13) ? 'CONVERT(float, drs.secondary_lag_seconds)' : 'CONVERT(float, NULL)';
  // Azure SQL Database has no sys.availability_replicas: its replicas are named by replica_id.
  const azure = server.engineEdition === AZURE_SQL_DATABASE;
  const name = azure ? 'CONVERT(nvarchar(36), drs.replica_id)' : 'ar.replica_server_name';
  const join = azure ? '' : '\nJOIN sys.availability_replicas AS ar ON ar.replica_id = drs.replica_id';
  return `SELECT ${name} AS name, CONVERT(bit, drs.is_local) AS is_local,
  CONVERT(bit, drs.is_primary_replica) AS is_primary, drs.synchronization_state_desc AS state,
  CONVERT(bit, drs.is_suspended) AS suspended, CONVERT(float, drs.log_send_queue_size) AS send_queue_kb,
  CONVERT(float, drs.redo_queue_size) AS redo_queue_kb, ${lag} AS lag_seconds
FROM sys.dm_hadr_database_replica_states AS drs${join}
WHERE drs.database_id = DB_ID()
ORDER BY drs.is_local DESC, name`;
}

export interface ReplicaStateRow {
  name: string;
  is_local: boolean;
  is_primary: boolean;
  state: string | null;
  suspended: boolean | null;
  send_queue_kb: number | null;
  redo_queue_kb: number | null;
  lag_seconds: number | null;
}

const replicaText = (r: ReplicaStateRow): string =>
  `${r.name}${r.lag_seconds === null ? '' : ` ${ageText(r.lag_seconds)} behind`}` +
  ` (send queue ${r.send_queue_kb ?? '?'} KB, redo queue ${r.redo_queue_kb ?? '?'} KB` +
  `${r.suspended ? ', data movement suspended' : ''})`;

export function replicaFinding(rows: ReplicaStateRow[], replicaLagMs: number): DoctorFinding {
  if (rows.length === 0) return ok('this database is in no availability group');
  const local = rows.find((r) => r.is_local);
  if (local && !local.is_primary) {
    return {
      status: 'fail',
      finding: `this database is a secondary replica on ${local.name} (${local.state ?? 'unknown state'}): it is read-only`,
      fix: "point --database at the primary (the availability group's listener)",
      details: [],
    };
  }
  const replicas = rows.filter((r) => !r.is_local);
  const details = replicas.map((r) => ({
    replica: r.name,
    state: r.state,
    suspended: r.suspended,
    lagSeconds: r.lag_seconds,
    sendQueueKb: r.send_queue_kb,
    redoQueueKb: r.redo_queue_kb,
  }));
  const lagging = replicas.filter((r) => r.suspended || (r.lag_seconds ?? 0) * 1000 > replicaLagMs);
  if (lagging.length === 0) {
    const worst = Math.max(0, ...replicas.map((r) => r.lag_seconds ?? 0));
    return ok(`primary, ${replicas.length} secondary replica(s), lag at most ${ageText(worst)}`, details);
  }
  return {
    status: 'warn',
    finding:
      `${lagging.length} of ${replicas.length} secondary replica(s) lag more than ${ageText(replicaLagMs / 1000)} ` +
      `or are suspended: ${lagging.map(replicaText).join(', ')}`,
    fix:
      'a backfill with throttle.max_replica_lag pauses until they catch up, and every index build and batch is ' +
      'redone there too: find why they lag (network, redo blocked by readers, a suspended replica) before starting',
    details,
  };
}

async function availabilityGroupLag(ctx: DoctorContext): Promise<DoctorFinding> {
  const server = asMssqlServer(ctx.server);
  const { rows } = await ctx.db.query<ReplicaStateRow>(replicaStatesSql(server));
  return replicaFinding(rows, ctx.options.replicaLagMs);
}

export const SERVER_VERSION_CHECK: DoctorCheck = {
  id: 'server-version',
  title: 'server version and edition',
  run: (ctx) => Promise.resolve(serverVersionFinding(asMssqlServer(ctx.server))),
};

export const REPLICA_CHECK: DoctorCheck = {
  id: 'availability-group',
  title: 'availability group',
  run: availabilityGroupLag,
};
