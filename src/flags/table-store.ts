/**
 * Flags in a table of the target database, one row per flag: (id, definition, updated_at,
 * updated_by), the definition being the flag object of the feature management schema. The default
 * table schemashift.feature_flags comes with schemashift's state schema; another table named in
 * settings.flags is created with the same columns on the first write. The dialect's FlagTable
 * writes the SQL. A write is a compare-and-set on the definition it read, so concurrent writers
 * never lose an update.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Queryable } from '../db/connection.js';
import type { FlagTable, StateSql } from '../dialects/state.js';
import type { LockInfo } from '../operations/types.js';
import { rolloutOf, withPercentage, type FeatureFlag, type RolloutFilter } from './definition.js';
import type { FlagChange, FlagStore } from './store.js';

const MAX_ATTEMPTS = 10;

export class TableFlagStore implements FlagStore {
  readonly where: string;
  readonly writeLock: LockInfo;
  private readonly table: FlagTable;
  private ensured = false;

  /** `state` defaults to PostgreSQL's only for callers not yet handed a dialect (tests); cli passes it. */
  constructor(
    db: Queryable,
    readonly tableName: string,
    state: StateSql,
  ) {
    this.where = `table ${tableName}`;
    this.table = state.flagTable(db, tableName);
    this.writeLock = this.table.writeLock;
  }

  private async ensureTable(): Promise<void> {
    if (this.ensured) return;
    await this.table.create();
    this.ensured = true;
  }

  async list(): Promise<FeatureFlag[]> {
    if (!(await this.table.exists())) return [];
    return (await this.table.list()).map((r) => ({ ...r.definition, id: r.id }));
  }

  async get(id: string): Promise<FeatureFlag | undefined> {
    if (!(await this.table.exists())) return undefined;
    const definition = await this.table.read(id);
    return definition === undefined ? undefined : { ...definition, id };
  }

  async setPercentage(id: string, percent: number, filter: RolloutFilter | undefined, by: string): Promise<FlagChange> {
    await this.ensureTable();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const read = await this.table.read(id);
      const before = read ? { ...read, id } : undefined;
      const after = withPercentage(before, id, percent, filter ?? rolloutOf(before).filter ?? 'targeting');
      if (before && isDeepStrictEqual(before, after) && read?.id === id) return { before, after };
      const written = read ? await this.table.replace(id, read, after, by) : await this.table.insert(id, after, by);
      if (written) return { before, after };
    }
    throw new Error(
      `flag ${id} in ${this.where} kept changing while schemashift set it (${MAX_ATTEMPTS} attempts); try again`,
    );
  }
}
