/**
 * The view-refresh part of a dialect: what `schemashift refresh` sends to find a materialized view,
 * keep two refreshes of one view apart, refresh it and count its rows. A dialect without refreshable
 * views (SQL Server maintains indexed views itself) gives the reason it refuses instead.
 */
import type { LockLevel } from '../operations/types.js';
import type { BoundSql } from './session.js';

/**
 * One row `{ schema, name, materialized, kind, populated, id, lock_key }` for the relation a
 * `qualified` name resolves to (search path applied); no row when nothing has that name.
 */
export interface ViewRefreshSql {
  readonly refusal?: undefined;
  describe(qualifiedView: string): BoundSql;
  /** One row `{ ok: boolean }`: true when no other session refreshes the view and this one now holds its lock. */
  tryLock(lockKey: number): BoundSql;
  unlock(lockKey: number): BoundSql;
  /**
   * Rows `{ pid, user, client, application_name, since, state, query }` of the session holding the
   * view's lock (since: when its current statement started).
   */
  holder(lockKey: number): BoundSql;
  /** One row `{ now }`: the server's clock (every recorded time is the server's). */
  readonly serverTime: string;
  refresh(qualifiedView: string, concurrently: boolean): string;
  /** The lock a refresh takes on the view, for naming the sessions it waits behind. */
  lockLevel(concurrently: boolean): LockLevel;
  /** One row `{ n }`: the rows the view holds now. */
  countRows(qualifiedView: string): string;
}

/** A dialect that has no refresh to run: the message and the safe way instead. */
export interface ViewRefreshRefusal {
  readonly refusal: { message: string; hint: string };
}
