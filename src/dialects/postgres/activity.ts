import type { ActivitySql } from '../activity.js';
import { ACTIVITY_COLUMNS } from './activity-columns.js';
import { holdersSql } from './activity-locks.js';
import {
  notAStandby,
  postgresReplicaReads,
  PRIMARY_LAG_SQL,
  SERVER_IDENTITY_SQL,
  STANDBY_LAG_SQL,
} from './activity-replicas.js';

/** pg_blocking_pids takes the lock manager's locks: only asked while pg_stat_activity says `pid` waits for one. */
const BLOCKERS_SQL =
  `SELECT ${ACTIVITY_COLUMNS} FROM pg_stat_activity a
     WHERE EXISTS (SELECT 1 FROM pg_stat_activity w WHERE w.pid = $1 AND w.wait_event_type = 'Lock') AND a.pid ` +
  `= ANY (pg_blocking_pids($1)) ORDER BY a.pid`;

/**
 * Waiting for the table lock or a tuple lock on it, or for the transaction that holds a row they
 * need (the first waiter for a row holds the tuple lock while it waits for the holder's xid).
 */
const LOCK_WAITERS_SQL =
  `SELECT count(DISTINCT w.pid)::int AS n FROM pg_locks w
         WHERE NOT w.granted AND w.pid <> ALL ($2::int[])
           AND (w.relation = $1 OR EXISTS (SELECT 1 FROM pg_locks t WHERE t.pid = w.pid AND t.granted AND ` +
  `t.locktype = 'tuple' AND t.relation = $1))`;

/**
 * Sessions waiting for the table's locks or its rows because of this backfill's own backends (not the application's
 * waits on itself); WAL waits by PostgreSQL 13+ names (the insert and buffer locks, writing and flushing); and other
 * client sessions at work anywhere on the server, now or within the last 200 ms (not this run's: its connections share
 * its application_name).
 */
const PACE_WAITERS_SQL = `SELECT (SELECT count(DISTINCT w.pid) FROM pg_locks w
         WHERE NOT w.granted AND w.pid <> ALL ($2::int[])
           AND (w.relation = $1 OR EXISTS (SELECT 1 FROM pg_locks t WHERE t.pid = w.pid AND t.granted AND
             t.locktype = 'tuple' AND t.relation = $1))
           AND pg_blocking_pids(w.pid) && $2::int[])::int AS lock,
  (SELECT count(*) FROM pg_stat_activity a WHERE a.pid <> ALL ($2::int[]) AND a.pid <> pg_backend_pid()
     AND ((a.wait_event_type = 'LWLock' AND a.wait_event IN ('WALWrite', 'WALInsert', 'WALBufMapping'))
       OR (a.wait_event_type = 'IO' AND a.wait_event IN ('WALSync', 'WALWrite'))))::int AS wal,
  (SELECT count(*) FROM pg_stat_activity a WHERE a.backend_type = 'client backend' AND a.pid <> ALL ($2::int[])
     AND a.pid <> pg_backend_pid() AND a.application_name IS DISTINCT FROM current_setting('application_name')
     AND (a.state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')
       OR a.state_change > clock_timestamp() - interval '200 milliseconds'))::int AS others`;

export const postgresActivity: ActivitySql = {
  blockersOf: (pid) => ({ sql: BLOCKERS_SQL, params: [pid] }),
  holdersOf: holdersSql,
  lockWaiters: (tableId, ownPids) => ({ sql: LOCK_WAITERS_SQL, params: [tableId, ownPids] }),
  paceWaiters: (tableId, ownPids) => ({ sql: PACE_WAITERS_SQL, params: [tableId, ownPids] }),
  probeSession: "SET lock_timeout = '1s'; SET statement_timeout = '5s'",
  replicaLagsOnPrimary: PRIMARY_LAG_SQL,
  primaryLagSource: (name, addr) => `${name} at ${addr} (pg_stat_replication)`,
  standbyLag: STANDBY_LAG_SQL,
  pausedReplayHint: 'replay is paused there: it catches up after pg_wal_replay_resume()',
  isStandby: 'SELECT pg_is_in_recovery() AS standby',
  serverIdentity: SERVER_IDENTITY_SQL,
  notAStandby,
  replicaReads: postgresReplicaReads,
};
