/**
 * The state part of a dialect: schemashift's own tables in the target database (runs, steps,
 * events, feature flags, shadow mismatches) and the statements that read and write them.
 */
import type { Queryable } from '../db/connection.js';
import type { FeatureFlag } from '../flags/definition.js';
import type { LockInfo } from '../operations/types.js';
import type { StateStore } from '../state/store.js';

/** One flag table: a row per flag (id, definition, updated_at, updated_by), the definition a JSON object. */
export interface FlagTable {
  /** False when the table is not there: readers then see no flags. */
  exists(): Promise<boolean>;
  /** Create the table (the default one comes with the state schema). */
  create(): Promise<void>;
  list(): Promise<{ id: string; definition: FeatureFlag }[]>;
  /** The stored definition of one flag, or undefined when it has no row. */
  read(id: string): Promise<FeatureFlag | undefined>;
  /** Compare-and-set: write `next` only while the row still holds `read`; true when written. */
  replace(id: string, read: FeatureFlag, next: FeatureFlag, by: string): Promise<boolean>;
  /** Insert a row unless one with this id exists; true when inserted. */
  insert(id: string, next: FeatureFlag, by: string): Promise<boolean>;
  /** The lock a write takes, in the dialect's own terms (shown while it waits). */
  readonly writeLock: LockInfo;
}

/** Statements an application runs through its own driver (`schemashift/app`), parameters `$1`, `$2`, …. */
export interface AppStateSql {
  /** Rows (id, definition) of every flag in `table`, ordered by id. */
  readFlags(table: string): string;
  /** One shadow mismatch; parameters: repository, method, then args, old and new result as JSON text, then error. */
  insertMismatch(table: string): string;
}

export interface StateSql {
  /** The state store over `db`: a pool, a session, or the transaction of a step. */
  openStore(db: Queryable): StateStore;
  /** The flag table named `table` (`name` or `schema.name`, as written in the plan) over `db`. */
  flagTable(db: Queryable, table: string): FlagTable;
  readonly app: AppStateSql;
}
