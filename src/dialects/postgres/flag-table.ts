/**
 * Flags in a PostgreSQL table: definitions are jsonb, compared as jsonb for the compare-and-set.
 * The default table schemashift.feature_flags comes with the state schema; another is created
 * (IF NOT EXISTS) with the same columns.
 */
import type { Queryable } from '../../db/connection.js';
import type { FeatureFlag } from '../../flags/definition.js';
import { splitQualified } from '../dialect.js';
import type { FlagTable } from '../state.js';
import { quoteIdent, quoteQualified } from './names.js';
import { PostgresStateStore } from './state-store.js';

const DEFAULT_TABLE = 'schemashift.feature_flags';

const COLUMNS =
  'id text PRIMARY KEY, definition jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), updated_by text';

export function postgresFlagTable(db: Queryable, tableName: string): FlagTable {
  const table = quoteQualified(tableName);
  return {
    writeLock: { level: 'ROW EXCLUSIVE', impact: 'blocks-ddl', on: [tableName] },
    async exists() {
      const { rows } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [table]);
      return rows[0]?.ok === true;
    },
    async create() {
      if (tableName === DEFAULT_TABLE) return new PostgresStateStore(db).ensureSchema();
      const { schema } = splitQualified(tableName);
      if (schema !== undefined) await db.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await db.exec(`CREATE TABLE IF NOT EXISTS ${table} (${COLUMNS})`);
    },
    async list() {
      const sql = `SELECT id, definition FROM ${table} ORDER BY id`;
      return (await db.query<{ id: string; definition: FeatureFlag }>(sql)).rows;
    },
    async read(id) {
      const sql = `SELECT definition FROM ${table} WHERE id = $1`;
      const { rows } = await db.query<{ definition: FeatureFlag }>(sql, [id]);
      return rows[0]?.definition;
    },
    async replace(id, read, next, by) {
      const sql =
        `UPDATE ${table} SET definition = $2::jsonb, updated_at = now(), updated_by = $3 ` +
        'WHERE id = $1 AND definition = $4::jsonb';
      return (await db.query(sql, [id, JSON.stringify(next), by, JSON.stringify(read)])).rowCount === 1;
    },
    async insert(id, next, by) {
      const sql =
        `INSERT INTO ${table} (id, definition, updated_by) VALUES ($1, $2::jsonb, $3) ` + 'ON CONFLICT (id) DO NOTHING';
      return (await db.query(sql, [id, JSON.stringify(next), by])).rowCount === 1;
    },
  };
}
