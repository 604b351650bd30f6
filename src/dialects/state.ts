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

/** One refresh of a materialized view, as schemashift.view_refreshes keeps it (times from the server's clock). */
export interface ViewRefreshRecord {
  viewSchema: string;
  viewName: string;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  rows: number | null;
  mode: 'concurrently' | 'blocking';
  outcome: 'ok' | 'failed';
  error: string | null;
  /** Who ran it: `cli`, `plan:<plan name>`, `pg_cron`. */
  source: string;
  /** `user@host`, when known. */
  actor: string | null;
}

/** A view with a recorded refresh (from any source) or a declared max_staleness. */
export interface ViewRefreshSummary {
  viewSchema: string;
  viewName: string;
  /** The latest refresh, whatever its outcome; null when only a policy is recorded. */
  last: ViewRefreshRecord | null;
  /** When the latest successful refresh finished; null when none is recorded. */
  lastOkAt: Date | null;
  /** Seconds since then, by the server's clock; null when no successful refresh is recorded. */
  ageSeconds: number | null;
  maxStalenessSeconds: number | null;
  /** Who declared max_staleness: `cli`, `plan:<name>`. */
  declaredBy: string | null;
}

/** schemashift.view_refreshes and schemashift.view_policies (state version 7 and later). */
export interface ViewRefreshStore {
  /** False when the state schema predates the tables (or is not there): readers then see no views. */
  exists(): Promise<boolean>;
  /** Record one refresh and keep only the `keep` latest of its view. */
  record(refresh: ViewRefreshRecord, keep: number): Promise<void>;
  setMaxStaleness(viewSchema: string, viewName: string, maxStalenessMs: number, declaredBy: string): Promise<void>;
  /** Every view with a refresh or a policy, ordered by schema and name. */
  summaries(): Promise<ViewRefreshSummary[]>;
}

export interface StateSql {
  /** The state store over `db`: a pool, a session, or the transaction of a step. */
  openStore(db: Queryable): StateStore;
  /** The flag table named `table` (`name` or `schema.name`, as written in the plan) over `db`. */
  flagTable(db: Queryable, table: string): FlagTable;
  readonly app: AppStateSql;
  /** Materialized view refreshes and staleness policies; absent where the dialect has no materialized views. */
  readonly viewRefreshes?: (db: Queryable) => ViewRefreshStore;
}
