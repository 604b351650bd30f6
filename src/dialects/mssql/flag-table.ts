/**
 * Flags in a SQL Server table: definitions are JSON text in nvarchar(max) (ISJSON-checked). The
 * default table schemashift.feature_flags comes with the state schema (state-migrations.ts,
 * version 3); another is created with the same columns.
 *
 * The compare-and-set compares the stored text with the text that was read, byte for byte: the
 * text read is kept beside the parsed definition it was turned into, so a definition written by
 * hand (other spacing, other key order) still compares equal to itself, and the comparison is on
 * varbinary, because the column's collation (case-insensitive by default, trailing spaces ignored)
 * would let `"On"` match `"on"` and lose an update.
 */
import type { Queryable } from '../../db/connection.js';
import type { FeatureFlag } from '../../flags/definition.js';
import { DatabaseError } from '../../errors.js';
import { splitQualified } from '../dialect.js';
import type { FlagTable } from '../state.js';
import { ident, literal, qualified } from './sql-names.js';
import { MssqlStateStore } from './state-store.js';

export const DEFAULT_FLAG_TABLE = 'schemashift.feature_flags';

/** The default table's columns (state-migrations.ts, version 3). */
export const FLAG_COLUMNS =
  'id nvarchar(400) NOT NULL PRIMARY KEY, definition nvarchar(max) NOT NULL CHECK (ISJSON(definition) = 1), ' +
  'updated_at datetime2 NOT NULL DEFAULT SYSUTCDATETIME(), updated_by nvarchar(256) NULL';

/** Duplicate key in a unique index (2601) or a PRIMARY KEY / UNIQUE constraint (2627). */
const DUPLICATE_KEY = new Set(['2601', '2627']);

/** One name for every flag table (an applock resource is at most 255 characters; a table name can be longer). */
export const FLAG_TABLE_APPLOCK = 'schemashift.flag_table';

/** Created under a transaction-owned applock, so two writers creating it at once both succeed. */
export function createFlagTableScript(tableName: string): string {
  const table = qualified(tableName);
  const { schema } = splitQualified(tableName);
  return [
    'SET XACT_ABORT ON;',
    'BEGIN TRANSACTION;',
    'DECLARE @lock int;',
    `EXEC @lock = sys.sp_getapplock @Resource = ${literal(FLAG_TABLE_APPLOCK)}, ` +
      `@LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = 60000;`,
    `IF @lock < 0 THROW 50000, N'schemashift: timed out waiting for another writer creating the flag table', 1;`,
    ...(schema === undefined
      ? []
      : [`IF SCHEMA_ID(${literal(schema)}) IS NULL EXEC(${literal(`CREATE SCHEMA ${ident(schema)}`)});`]),
    `IF OBJECT_ID(${literal(table)}, N'U') IS NULL CREATE TABLE ${table} (${FLAG_COLUMNS});`,
    'COMMIT TRANSACTION;',
  ].join('\n');
}

/** The statements over one table; `$n` parameters (the driver binds them as @pn). */
export function flagTableSql(tableName: string) {
  const table = qualified(tableName);
  return {
    /** `$1`: the bracketed name, resolved by OBJECT_ID (a parameter, never spliced). */
    exists: "SELECT CONVERT(bit, CASE WHEN OBJECT_ID($1, N'U') IS NULL THEN 0 ELSE 1 END) AS ok",
    list: `SELECT id, definition FROM ${table} ORDER BY id`,
    read: `SELECT definition FROM ${table} WHERE id = $1`,
    /** `$1` id, `$2` next, `$3` by, `$4` the text read. @@ROWCOUNT holds even under SET NOCOUNT ON. */
    replace:
      `UPDATE ${table} SET definition = $2, updated_at = SYSUTCDATETIME(), updated_by = $3 ` +
      'WHERE id = $1 AND CONVERT(varbinary(max), definition) = CONVERT(varbinary(max), CONVERT(nvarchar(max), $4));\n' +
      'SELECT @@ROWCOUNT AS written;',
    /**
     * `$1` id, `$2` definition, `$3` by. UPDLOCK, HOLDLOCK keeps the key range locked from the check to
     * the insert, so two writers cannot both find no row; a duplicate key is still caught.
     * https://learn.microsoft.com/sql/t-sql/queries/hints-transact-sql-table#holdlock
     */
    insert:
      `INSERT INTO ${table} (id, definition, updated_by) SELECT $1, $2, $3 ` +
      `WHERE NOT EXISTS (SELECT 1 FROM ${table} WITH (UPDLOCK, HOLDLOCK) WHERE id = $1);\n` +
      'SELECT @@ROWCOUNT AS written;',
  };
}

function parsed(id: string, text: string): FeatureFlag {
  try {
    return JSON.parse(text) as FeatureFlag;
  } catch {
    throw new Error(`feature flag ${id}: its stored definition is not JSON`);
  }
}

const written = (rows: { written: number }[]): boolean => rows[0]?.written === 1;

export function mssqlFlagTable(db: Queryable, tableName: string): FlagTable {
  const sql = flagTableSql(tableName);
  // The exact text each definition handed out was parsed from: what replace() compares against.
  const readText = new WeakMap<FeatureFlag, string>();
  const remember = (id: string, text: string): FeatureFlag => {
    const definition = parsed(id, text);
    readText.set(definition, text);
    return definition;
  };
  return {
    // The neutral level read as IX on the table (activity-locks.ts), X on the flag's key.
    writeLock: { level: 'ROW EXCLUSIVE', impact: 'blocks-ddl', on: [tableName] },
    async exists() {
      const { rows } = await db.query<{ ok: boolean }>(sql.exists, [qualified(tableName)]);
      return rows[0]?.ok === true;
    },
    async create() {
      if (tableName === DEFAULT_FLAG_TABLE) return new MssqlStateStore(db).ensureSchema();
      await db.exec(createFlagTableScript(tableName));
    },
    async list() {
      const { rows } = await db.query<{ id: string; definition: string }>(sql.list);
      return rows.map((r) => ({ id: r.id, definition: remember(r.id, r.definition) }));
    },
    async read(id) {
      const { rows } = await db.query<{ definition: string }>(sql.read, [id]);
      return rows[0] === undefined ? undefined : remember(id, rows[0].definition);
    },
    async replace(id, read, next, by) {
      const expected = readText.get(read) ?? JSON.stringify(read);
      const { rows } = await db.query<{ written: number }>(sql.replace, [id, JSON.stringify(next), by, expected]);
      return written(rows);
    },
    async insert(id, next, by) {
      try {
        const { rows } = await db.query<{ written: number }>(sql.insert, [id, JSON.stringify(next), by]);
        return written(rows);
      } catch (e) {
        if (e instanceof DatabaseError && e.code !== undefined && DUPLICATE_KEY.has(e.code)) return false;
        throw e;
      }
    },
  };
}
