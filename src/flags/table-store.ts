/**
 * Flags in a table of the target database, one row per flag: (id, definition jsonb, updated_at,
 * updated_by), the definition being the flag object of the feature management schema. The default
 * table schemashift.feature_flags comes with schemashift's state schema; another table named in
 * settings.flags is created (IF NOT EXISTS) with the same columns on the first write.
 * A write is a compare-and-set on the definition it read, so concurrent writers never lose an update.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Queryable } from '../db/connection.js';
import { splitQualified } from '../dialects/dialect.js';
import { quoteIdent, quoteQualified } from '../dialects/postgres/postgres-dialect.js';
import { StateStore } from '../state/store.js';
import { withPercentage, type FeatureFlag, type RolloutFilter } from './definition.js';
import type { FlagChange, FlagStore } from './store.js';

const DEFAULT_TABLE = 'schemashift.feature_flags';
const MAX_ATTEMPTS = 10;

export class TableFlagStore implements FlagStore {
  readonly where: string;
  private readonly table: string;
  private ensured = false;

  constructor(private readonly db: Queryable, readonly tableName: string) {
    this.where = `table ${tableName}`;
    this.table = quoteQualified(tableName);
  }

  private async exists(): Promise<boolean> {
    const { rows } = await this.db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [this.table]);
    return rows[0]?.ok === true;
  }

  private async ensureTable(): Promise<void> {
    if (this.ensured) return;
    if (this.tableName === DEFAULT_TABLE) await new StateStore(this.db).ensureSchema();
    else {
      const { schema } = splitQualified(this.tableName);
      if (schema !== undefined) await this.db.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await this.db.exec(`CREATE TABLE IF NOT EXISTS ${this.table} (id text PRIMARY KEY, definition jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), updated_by text)`);
    }
    this.ensured = true;
  }

  async list(): Promise<FeatureFlag[]> {
    if (!(await this.exists())) return [];
    const { rows } = await this.db.query<{ id: string; definition: FeatureFlag }>(`SELECT id, definition FROM ${this.table} ORDER BY id`);
    return rows.map((r) => ({ ...r.definition, id: r.id }));
  }

  async get(id: string): Promise<FeatureFlag | undefined> {
    if (!(await this.exists())) return undefined;
    const { rows } = await this.db.query<{ definition: FeatureFlag }>(`SELECT definition FROM ${this.table} WHERE id = $1`, [id]);
    return rows[0] ? { ...rows[0].definition, id } : undefined;
  }

  async setPercentage(id: string, percent: number, filter: RolloutFilter, by: string): Promise<FlagChange> {
    await this.ensureTable();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { rows } = await this.db.query<{ definition: FeatureFlag }>(`SELECT definition FROM ${this.table} WHERE id = $1`, [id]);
      const read = rows[0]?.definition;
      const before = read ? { ...read, id } : undefined;
      const after = withPercentage(before, id, percent, filter);
      if (before && isDeepStrictEqual(before, after) && read?.id === id) return { before, after };
      const written = read
        ? await this.db.query(`UPDATE ${this.table} SET definition = $2::jsonb, updated_at = now(), updated_by = $3 WHERE id = $1 AND definition = $4::jsonb`, [id, JSON.stringify(after), by, JSON.stringify(read)])
        : await this.db.query(`INSERT INTO ${this.table} (id, definition, updated_by) VALUES ($1, $2::jsonb, $3) ON CONFLICT (id) DO NOTHING`, [id, JSON.stringify(after), by]);
      if (written.rowCount === 1) return { before, after };
    }
    throw new Error(`flag ${id} in ${this.where} kept changing while schemashift set it (${MAX_ATTEMPTS} attempts); try again`);
  }
}
