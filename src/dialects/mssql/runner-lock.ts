/**
 * The runner lock as an application lock (sp_getapplock) owned by the runner's session: the server
 * releases it when that session ends. Application locks belong to the current database.
 * Naming the holder reads sys.dm_tran_locks and other sessions in sys.dm_exec_sessions: that needs
 * VIEW SERVER STATE (SQL Server 2019) or VIEW SERVER PERFORMANCE STATE (2022); without it the holder
 * is not found and the runner says only that the plan is locked. KILL needs ALTER ANY CONNECTION.
 */
import type { RunnerLockSql } from '../runner-lock.js';

/**
 * The lock's resource name. sys.dm_tran_locks describes an application lock as
 * `<DbPrincipalId>:<up to 32 characters>:(<hash>)`, so the name stays within 32 characters and is
 * found by CHARINDEX whatever surrounds it; the `;` keeps key 12 from matching key 123.
 */
export function runnerLockResource(key: number): string {
  if (!Number.isSafeInteger(key) || key < 0) throw new Error(`internal: ${key} is not a plan lock key`);
  return `schemashift:plan:${key};`;
}

const RESOURCE_PREFIX = 'schemashift:plan:';

/**
 * sp_getapplock returns 0 or 1 when granted, -1 when @LockTimeout = 0 found it taken, and -2
 * (canceled), -3 (deadlock victim) or -999 (a parameter or call error) when something went wrong:
 * those fail the statement rather than read as "another runner has it".
 */
const TRY_LOCK = `DECLARE @result int;
EXEC @result = sys.sp_getapplock @Resource = $1, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0, @DbPrincipal = 'public';
IF @result < -1
BEGIN
  DECLARE @failure nvarchar(200) = CONCAT(N'sp_getapplock for the runner lock returned ', @result);
  THROW 51000, @failure, 1;
END;
SELECT CAST(CASE WHEN @result >= 0 THEN 1 ELSE 0 END AS bit) AS ok;`;

const UNLOCK = `IF APPLOCK_MODE('public', $1, 'Session') <> 'NoLock'
  EXEC sys.sp_releaseapplock @Resource = $1, @LockOwner = 'Session', @DbPrincipal = 'public';`;

// The documentation lists request_status GRANTED; servers report GRANT: both are accepted.
const GRANTED = `l.resource_type = 'APPLICATION' AND l.resource_database_id = DB_ID() AND l.request_owner_type = 'SESSION'
   AND l.request_status IN ('GRANT', 'GRANTED')`;

const FIND_HOLDER = `SELECT s.session_id AS pid, s.program_name AS application_name, s.login_time AS backend_start
  FROM sys.dm_tran_locks AS l JOIN sys.dm_exec_sessions AS s ON s.session_id = l.request_session_id
 WHERE ${GRANTED} AND CHARINDEX($1, l.resource_description) > 0`;

const HELD_BY_SESSION = `SELECT CONCAT(l.resource_description, ' ', l.request_mode) AS [key],
       CAST(CASE WHEN CHARINDEX($1, l.resource_description) > 0 THEN 1 ELSE 0 END AS bit) AS plan_lock
  FROM sys.dm_tran_locks AS l
 WHERE ${GRANTED} AND l.request_session_id = @@SPID
 ORDER BY 1`;

// KILL takes no variable: the statement is built from the id after it is cast to int.
const TERMINATE = `DECLARE @kill nvarchar(40) = CONCAT(N'KILL ', CAST($1 AS int));
EXEC sys.sp_executesql @kill;`;

export const mssqlRunnerLock: RunnerLockSql = {
  tryLock: (key) => ({ sql: TRY_LOCK, params: [runnerLockResource(key)] }),
  unlock: (key) => ({ sql: UNLOCK, params: [runnerLockResource(key)] }),
  findHolder: (key) => ({ sql: FIND_HOLDER, params: [runnerLockResource(key)] }),
  heldBySession: () => ({ sql: HELD_BY_SESSION, params: [RESOURCE_PREFIX] }),
  terminate: (pid) => ({ sql: TERMINATE, params: [pid] }),
  sessionCount: (pid) => ({
    sql: 'SELECT COUNT(*) AS n FROM sys.dm_exec_sessions WHERE session_id = $1',
    params: [pid],
  }),
  endSessionByHand: 'KILL its session id',
};
