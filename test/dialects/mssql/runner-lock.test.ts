/** The runner lock on SQL Server: sp_getapplock owned by the session, its holder from the DMVs. */
import { describe, expect, it } from 'vitest';
import { planLockKey } from '../../../src/runner/runner-lock.js';
import { toNamedParameters } from '../../../src/dialects/mssql/driver-mssql.js';
import { mssqlRunnerLock, runnerLockResource } from '../../../src/dialects/mssql/runner-lock.js';

const lock = mssqlRunnerLock;

describe('mssql runner lock resource', () => {
  it('is under the 32 characters sys.dm_tran_locks shows in plain text, and ends in a terminator', () => {
    expect(runnerLockResource(12)).toBe('schemashift:plan:12;');
    expect(runnerLockResource(0x7fffffff)).toBe('schemashift:plan:2147483647;');
    expect(runnerLockResource(0x7fffffff).length).toBeLessThanOrEqual(32);
    expect(runnerLockResource(12)).not.toBe(runnerLockResource(123).slice(0, runnerLockResource(12).length));
  });

  it('takes the key of any plan name, hostile ones included', () => {
    for (const name of ["x'y", 'a]b', 'order', 'заказ']) {
      expect(runnerLockResource(planLockKey(name))).toMatch(/^schemashift:plan:\d{1,10};$/);
    }
  });

  it('refuses a key that is not a whole non-negative number', () => {
    expect(() => runnerLockResource(-1)).toThrow(/not a plan lock key/);
    expect(() => runnerLockResource(1.5)).toThrow(/not a plan lock key/);
  });
});

describe('mssql runner lock statements', () => {
  it('tries once without waiting, session-owned, and fails on -2, -3 and -999', () => {
    const { sql, params } = lock.tryLock(42);
    expect(params).toEqual(['schemashift:plan:42;']);
    expect(sql).toBe(
      [
        'DECLARE @result int;',
        "EXEC @result = sys.sp_getapplock @Resource = $1, @LockMode = 'Exclusive', @LockOwner = 'Session', " +
          "@LockTimeout = 0, @DbPrincipal = 'public';",
        'IF @result < -1',
        'BEGIN',
        "  DECLARE @failure nvarchar(200) = CONCAT(N'sp_getapplock for the runner lock returned ', @result);",
        '  THROW 51000, @failure, 1;',
        'END;',
        'SELECT CAST(CASE WHEN @result >= 0 THEN 1 ELSE 0 END AS bit) AS ok;',
      ].join('\n'),
    );
    expect(toNamedParameters(sql)).toContain('@Resource = @p1,');
  });

  it('releases only a lock this session holds', () => {
    const { sql, params } = lock.unlock(42);
    expect(params).toEqual(['schemashift:plan:42;']);
    expect(sql).toBe(
      "IF APPLOCK_MODE('public', $1, 'Session') <> 'NoLock'\n" +
        "  EXEC sys.sp_releaseapplock @Resource = $1, @LockOwner = 'Session', @DbPrincipal = 'public';",
    );
    expect(toNamedParameters(sql).match(/@p1\b/g)).toHaveLength(2);
  });

  it('names the holder from sys.dm_tran_locks joined to sys.dm_exec_sessions', () => {
    const { sql, params } = lock.findHolder(7);
    expect(params).toEqual(['schemashift:plan:7;']);
    expect(sql).toBe(
      'SELECT s.session_id AS pid, s.program_name AS application_name, s.login_time AS backend_start\n' +
        '  FROM sys.dm_tran_locks AS l JOIN sys.dm_exec_sessions AS s ON s.session_id = l.request_session_id\n' +
        " WHERE l.resource_type = 'APPLICATION' AND l.resource_database_id = DB_ID() AND " +
        "l.request_owner_type = 'SESSION'\n" +
        "   AND l.request_status IN ('GRANT', 'GRANTED') AND CHARINDEX($1, l.resource_description) > 0",
    );
  });

  it("lists this session's application locks, sorted, marking runner locks", () => {
    const { sql, params } = lock.heldBySession();
    expect(params).toEqual(['schemashift:plan:']);
    expect(sql).toContain('AS [key]');
    expect(sql).toContain('l.request_session_id = @@SPID');
    expect(sql).toContain('CHARINDEX($1, l.resource_description) > 0 THEN 1 ELSE 0 END AS bit) AS plan_lock');
    expect(sql.trimEnd().endsWith('ORDER BY 1')).toBe(true);
    // The bracketed column alias is not a parameter.
    expect(toNamedParameters(sql)).toContain('AS [key]');
  });

  it('ends a session by id through KILL built from an int, and counts sessions', () => {
    expect(lock.terminate(53)).toEqual({
      sql: "DECLARE @kill nvarchar(40) = CONCAT(N'KILL ', CAST($1 AS int));\nEXEC sys.sp_executesql @kill;",
      params: [53],
    });
    expect(lock.sessionCount(53)).toEqual({
      sql: 'SELECT COUNT(*) AS n FROM sys.dm_exec_sessions WHERE session_id = $1',
      params: [53],
    });
    expect(lock.endSessionByHand).toBe('KILL its session id');
  });
});
