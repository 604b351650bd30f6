/** A session-level advisory lock: class RUNNER_LOCK_CLASS, object the plan's lock key. */
import type { RunnerLockSql } from '../runner-lock.js';

export const RUNNER_LOCK_CLASS = 0x5c4e3a02;

export const postgresRunnerLock: RunnerLockSql = {
  tryLock: (key) => ({ sql: 'SELECT pg_try_advisory_lock($1, $2) AS ok', params: [RUNNER_LOCK_CLASS, key] }),
  unlock: (key) => ({ sql: 'SELECT pg_advisory_unlock($1, $2)', params: [RUNNER_LOCK_CLASS, key] }),
  findHolder: (key) => ({
    sql:
      `SELECT a.pid, a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid ` +
      `AND l.objsubid = 2`,
    params: [RUNNER_LOCK_CLASS, key],
  }),
  heldBySession: () => ({
    sql:
      `SELECT concat_ws(' ', classid, objid, objsubid, mode) AS key, objsubid = 2 AND classid = ` +
      `$1::bigint::oid AS plan_lock
     FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() ORDER BY 1`,
    params: [RUNNER_LOCK_CLASS],
  }),
  terminate: (pid) => ({ sql: 'SELECT pg_terminate_backend($1)', params: [pid] }),
  sessionCount: (pid) => ({ sql: 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', params: [pid] }),
  endSessionByHand: 'pg_terminate_backend it',
};
