/**
 * SQL Server's activity part, from the DMVs (the login needs VIEW SERVER STATE; VIEW SERVER
 * PERFORMANCE STATE on SQL Server 2022). Lists of session ids travel as one JSON text parameter.
 */
import type { ActivitySql } from '../activity.js';
import { holdersSql } from './activity-locks.js';
import {
  notAStandby,
  SERVER_IDENTITY_SQL,
  PRIMARY_LAG_SQL,
  replicaReadsRefused,
  STANDBY_LAG_SQL,
  IS_STANDBY_SQL,
} from './activity-replicas.js';
import { ON_TABLE, SESSION_COLUMNS, SESSION_JOINS, sessionIds } from './activity-sessions.js';

/** The sessions `$1`'s request waits for, only while it waits for a lock (LCK_M_*), as the seed's query finds them. */
const BLOCKERS_SQL = `SELECT ${SESSION_COLUMNS}
FROM sys.dm_exec_sessions AS s
  ${SESSION_JOINS}
WHERE s.session_id IN (SELECT w.blocking_session_id FROM sys.dm_exec_requests AS w
  WHERE w.session_id = $1 AND w.blocking_session_id > 0 AND w.wait_type LIKE N'LCK[_]M[_]%')
ORDER BY s.session_id`;

/** WAIT: a new request queued; CONVERT: a granted lock waiting to become a stronger one. */
const LOCK_WAITERS_SQL = `SELECT COUNT(DISTINCT l.request_session_id) AS n FROM sys.dm_tran_locks AS l
WHERE l.request_status IN (N'WAIT', N'CONVERT') AND l.request_session_id NOT IN ${sessionIds('$2')}
  AND ${ON_TABLE}`;

/**
 * Sessions queued on the table behind this run's own sessions; sessions waiting for the log to be
 * written (WRITELOG: a commit's flush; LOGBUFFER: room in the log buffer); and other user sessions
 * at work, in a transaction, or done within the last 200 ms, not this run's (its connections share
 * its program_name).
 */
const PACE_WAITERS_SQL = `SELECT
  (SELECT COUNT(DISTINCT l.request_session_id) FROM sys.dm_tran_locks AS l
    WHERE l.request_status IN (N'WAIT', N'CONVERT') AND l.request_session_id NOT IN ${sessionIds('$2')}
      AND ${ON_TABLE}
      AND EXISTS (SELECT 1 FROM sys.dm_os_waiting_tasks AS w WHERE w.session_id = l.request_session_id
        AND w.blocking_session_id IN ${sessionIds('$2')})) AS [lock],
  (SELECT COUNT(DISTINCT w.session_id) FROM sys.dm_os_waiting_tasks AS w
    WHERE w.wait_type IN (N'WRITELOG', N'LOGBUFFER') AND w.session_id <> @@SPID
      AND w.session_id NOT IN ${sessionIds('$2')}) AS wal,
  (SELECT COUNT(*) FROM sys.dm_exec_sessions AS s
    WHERE s.is_user_process = 1 AND s.session_id <> @@SPID AND s.session_id NOT IN ${sessionIds('$2')}
      AND (s.program_name IS NULL OR s.program_name <> APP_NAME())
      AND (s.status = N'running' OR s.open_transaction_count > 0
        OR s.last_request_end_time > DATEADD(millisecond, -200, GETDATE()))) AS others`;

export const mssqlActivity: ActivitySql = {
  blockersOf: (pid) => ({ sql: BLOCKERS_SQL, params: [pid] }),
  holdersOf: holdersSql,
  lockWaiters: (tableId, ownPids) => ({ sql: LOCK_WAITERS_SQL, params: [tableId, JSON.stringify(ownPids)] }),
  paceWaiters: (tableId, ownPids) => ({ sql: PACE_WAITERS_SQL, params: [tableId, JSON.stringify(ownPids)] }),
  // SQL Server has no server-side statement time limit: a blocked probe ends at the lock timeout (error 1222).
  probeSession: 'SET LOCK_TIMEOUT 1000',
  replicaLagsOnPrimary: PRIMARY_LAG_SQL,
  primaryLagSource: (name, addr) => `${name} at ${addr} (sys.dm_hadr_database_replica_states)`,
  standbyLag: STANDBY_LAG_SQL,
  pausedReplayHint:
    'data movement is suspended there: it catches up after ALTER DATABASE … SET HADR RESUME on that replica',
  isStandby: IS_STANDBY_SQL,
  serverIdentity: SERVER_IDENTITY_SQL,
  notAStandby,
  replicaReads: replicaReadsRefused,
};
