import { describe, expect, it } from 'vitest';
import { mssqlActivity as a } from '../../../src/dialects/mssql/activity.js';
import { conflictingModes } from '../../../src/dialects/mssql/activity-locks.js';
import { toNamedParameters } from '../../../src/dialects/mssql/driver-mssql.js';

const OWN = '(SELECT CONVERT(int, j.value) FROM OPENJSON($2) AS j)';
const ON_TABLE =
  "l.resource_database_id = DB_ID() AND ((l.resource_type = N'OBJECT' AND l.resource_associated_entity_id = $1) " +
  "OR (l.resource_type IN (N'KEY', N'RID', N'PAGE', N'HOBT') AND l.resource_associated_entity_id IN " +
  '(SELECT p.hobt_id FROM sys.partitions AS p WHERE p.object_id = $1)))';

describe('mssql activity', () => {
  it('lock waiters on a table and its rows, own sessions as one JSON parameter', () => {
    expect(a.lockWaiters(1234, [51, 52])).toEqual({
      sql:
        'SELECT COUNT(DISTINCT l.request_session_id) AS n FROM sys.dm_tran_locks AS l\n' +
        `WHERE l.request_status IN (N'WAIT', N'CONVERT') AND l.request_session_id NOT IN ${OWN}\n  AND ${ON_TABLE}`,
      params: [1234, '[51,52]'],
    });
    expect(a.lockWaiters(1, []).params).toEqual([1, '[]']);
  });

  it('blockers of a session from sys.dm_exec_requests, with their statement and transaction age', () => {
    const { sql, params } = a.blockersOf(77);
    expect(params).toEqual([77]);
    expect(sql).toContain(
      'WHERE s.session_id IN (SELECT w.blocking_session_id FROM sys.dm_exec_requests AS w\n' +
        "  WHERE w.session_id = $1 AND w.blocking_session_id > 0 AND w.wait_type LIKE N'LCK[_]M[_]%')",
    );
    expect(sql).toContain('OUTER APPLY sys.dm_exec_sql_text(COALESCE(r.sql_handle, c.most_recent_sql_handle)) AS t');
    expect(sql).toContain('s.session_id AS pid, s.status AS state, s.program_name AS application_name');
    expect(sql).toContain('DATEDIFF_BIG(millisecond, COALESCE(x.began, s.last_request_start_time), SYSDATETIME())');
    expect(toNamedParameters(sql)).toContain(
      "w.session_id = @p1 AND w.blocking_session_id > 0 AND w.wait_type LIKE N'LCK[_]M[_]%'",
    );
  });

  it('holders: hostile table names quoted for OBJECT_ID, conflicting modes from the compatibility matrix', () => {
    const { sql, params } = a.holdersOf(["dbo.o]r'ders", 'ünï'], 'ROW EXCLUSIVE', [60]);
    expect(params).toEqual([
      JSON.stringify(["[dbo].[o]]r'ders]", '[ünï]']),
      '["S","U","SIU","SIX","UIX","X","Sch-M","BU"]',
      '[60]',
    ]);
    expect(sql).toContain('AND l.resource_associated_entity_id IN (SELECT OBJECT_ID(j.value) FROM OPENJSON($1) AS j)');
    expect(sql).toContain(
      'AND l.request_session_id <> @@SPID AND l.request_session_id NOT IN (SELECT CONVERT(int, j.value) FROM OPENJSON($3) AS j)',
    );
    expect(sql).toContain('WHERE s.open_transaction_count > 0');
    expect(sql).not.toContain('ders');
  });

  it('conflicting modes per level', () => {
    expect(conflictingModes('none')).toEqual([]);
    expect(conflictingModes('ACCESS SHARE')).toEqual(['X', 'Sch-M', 'BU']);
    expect(conflictingModes('EXCLUSIVE')).not.toContain('Sch-S');
    expect(conflictingModes('ACCESS EXCLUSIVE')).toContain('Sch-S');
  });

  it('pace waiters: behind own sessions, WRITELOG waits, other user sessions', () => {
    const { sql, params } = a.paceWaiters(9, [51]);
    expect(params).toEqual([9, '[51]']);
    expect(sql).toContain(`AND w.blocking_session_id IN ${OWN})) AS [lock]`);
    expect(sql).toContain("WHERE w.wait_type IN (N'WRITELOG', N'LOGBUFFER') AND w.session_id <> @@SPID");
    expect(sql).toContain('AND (s.program_name IS NULL OR s.program_name <> APP_NAME())');
    expect(sql).toContain('OR s.last_request_end_time > DATEADD(millisecond, -200, GETDATE()))) AS others');
  });

  it('probe session and replicas', () => {
    expect(a.probeSession).toBe('SET LOCK_TIMEOUT 1000');
    expect(a.replicaLagsOnPrimary).toContain('CONVERT(float, drs.secondary_lag_seconds) * 1000 AS ms');
    expect(a.replicaLagsOnPrimary).toContain('WHERE drs.database_id = DB_ID() AND drs.is_local = 0');
    expect(a.isStandby).toBe(
      'SELECT CONVERT(bit, CASE WHEN EXISTS (SELECT 1 FROM sys.dm_hadr_database_replica_states AS drs\n' +
        '  WHERE drs.database_id = DB_ID() AND drs.is_local = 1 AND drs.is_primary_replica = 0) THEN 1 ELSE 0 END) AS standby',
    );
    expect(a.standbyLag).toContain('CONVERT(bit, COALESCE(drs.is_suspended, 0)) AS paused');
    expect(a.primaryLagSource('sql2', 'TCP://sql2:5022')).toBe(
      'sql2 at TCP://sql2:5022 (sys.dm_hadr_database_replica_states)',
    );
  });
});

describe('conflicting modes of a SQL Server lock or a neutral level', () => {
  it("reads SQL Server's own modes as themselves, neutral levels as their SQL Server mode, others as Sch-M", () => {
    expect(conflictingModes('IS')).toEqual(['X', 'Sch-M', 'BU']);
    expect(conflictingModes('ACCESS SHARE')).toEqual(['X', 'Sch-M', 'BU']);
    expect(conflictingModes('Sch-M')).toContain('Sch-S');
    expect(conflictingModes('U')).toEqual(conflictingModes('Sch-M'));
    expect(conflictingModes('none')).toEqual([]);
  });
});
