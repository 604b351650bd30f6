/**
 * The lock that keeps two runners of one plan apart: held by the runner's session for the whole run,
 * released by the server when that session ends. `key` is the plan's lock key (runner/runner-lock.ts).
 */
import type { BoundSql } from './session.js';

export interface RunnerLockSql {
  /** One row `{ ok: boolean }`: true when the lock was free and is now held by this session. */
  tryLock(key: number): BoundSql;
  unlock(key: number): BoundSql;
  /** Rows `{ pid, application_name, backend_start }` of the session holding it, if any. */
  findHolder(key: number): BoundSql;
  /**
   * Rows `{ key: string, plan_lock: boolean }`: every lock of this kind this session holds (sorted),
   * compared before and after a read-only query that must run on the runner's own session.
   */
  heldBySession(): BoundSql;
  /** Ends the session `pid` (an orphaned runner's backend). */
  terminate(pid: number): BoundSql;
  /** One row `{ n: number }`: 1 while the session `pid` still exists. */
  sessionCount(pid: number): BoundSql;
  /** How a person ends a session by hand, for hints: "(or <this>)". */
  endSessionByHand: string;
}
