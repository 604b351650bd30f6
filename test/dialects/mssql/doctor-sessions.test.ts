/** The SQL Server doctor's session checks: their SQL, parameters, permission probe and findings. */
import { describe, expect, it } from 'vitest';
import { toNamedParameters } from '../../../src/dialects/mssql/driver-mssql.js';
import {
  BLOCKED_REQUESTS_SQL,
  HEAD_BLOCKERS_SQL,
  headBlockerIds,
  IDLE_IN_TRANSACTION_SQL,
  LONG_TRANSACTIONS_SQL,
  type BlockedRow,
  type SessionRow,
  visibilitySql,
} from '../../../src/dialects/mssql/doctor-sessions.js';
import { AZURE_SQL_DB, check, ctx, SQL2022_DEV } from './doctor-fakes.js';

const session = (over: Partial<SessionRow>): SessionRow => ({
  session_id: 57,
  login_name: 'app',
  host_name: 'web-1',
  program_name: 'Core Microsoft SqlClient Data Provider',
  status: 'sleeping',
  open_transactions: 1,
  xact_age: 600,
  idle_age: 590,
  query: 'UPDATE orders SET status = @p0 WHERE id = @p1',
  ...over,
});

describe('mssql doctor: sessions', () => {
  it('long transactions: threshold in ms as $1, in this database, never doctor itself; fail with KILL', async () => {
    const { context, seen } = ctx(() => [session({})]);
    const finding = await check('long-transactions').run(context);
    expect(seen).toEqual([{ sql: LONG_TRANSACTIONS_SQL, params: [300_000] }]);
    expect(LONG_TRANSACTIONS_SQL).toContain('DATEDIFF_BIG(millisecond, x.began, SYSDATETIME()) > $1');
    expect(LONG_TRANSACTIONS_SQL).toContain('s.session_id <> @@SPID');
    expect(LONG_TRANSACTIONS_SQL).toContain('sys.dm_tran_active_transactions');
    expect(LONG_TRANSACTIONS_SQL).toContain('sys.dm_tran_session_transactions');
    expect(LONG_TRANSACTIONS_SQL).toContain('dt.database_id = DB_ID()');
    expect(toNamedParameters(LONG_TRANSACTIONS_SQL)).toContain('> @p1');
    expect(finding.status).toBe('fail');
    expect(finding.finding).toBe(
      '1 transaction(s) open longer than 5m: session 57 (Core Microsoft SqlClient Data Provider, app, web-1) ' +
        'sleeping, open 10m: UPDATE orders SET status = @p0 WHERE id = @p1',
    );
    expect(finding.fix).toContain('KILL 57;');
  });

  it('without VIEW SERVER STATE the session views show only doctor itself: the checks say they cannot run', async () => {
    for (const id of ['long-transactions', 'idle-in-transaction', 'blocking-chains']) {
      const { context, seen } = ctx(() => [], SQL2022_DEV, false);
      await expect(check(id).run(context)).rejects.toThrow(
        'this login lacks VIEW SERVER STATE, so other sessions are hidden from it',
      );
      expect(seen).toEqual([]);
    }
    await expect(check('blocking-chains').run(ctx(() => [], AZURE_SQL_DB, false).context)).rejects.toThrow(
      'lacks VIEW DATABASE STATE',
    );
    expect(visibilitySql(3)).toBe(
      "SELECT CONVERT(bit, COALESCE(HAS_PERMS_BY_NAME(NULL, NULL, N'VIEW SERVER STATE'), 0)) AS ok",
    );
    expect(visibilitySql(5)).toContain("HAS_PERMS_BY_NAME(DB_NAME(), N'DATABASE', N'VIEW DATABASE STATE')");
  });

  it('long transactions: none is ok', async () => {
    const { context } = ctx(() => []);
    expect(await check('long-transactions').run(context)).toMatchObject({
      status: 'ok',
      finding: 'none open longer than 5m',
    });
  });

  it('idle in transaction: sleeping with open_transaction_count > 0 for longer than $1 ms', async () => {
    const { context, seen } = ctx(() => [session({ idle_age: 125 })]);
    const finding = await check('idle-in-transaction').run(context);
    expect(seen).toEqual([{ sql: IDLE_IN_TRANSACTION_SQL, params: [60_000] }]);
    expect(IDLE_IN_TRANSACTION_SQL).toContain("s.status = N'sleeping' AND s.open_transaction_count > 0");
    expect(finding.status).toBe('fail');
    expect(finding.finding).toContain('session 57 (Core Microsoft SqlClient Data Provider, app, web-1) idle for 2m 5s');
  });

  it("blocking: the seed's query in this database, then the head blockers by JSON ids", async () => {
    const blocked: BlockedRow[] = [
      {
        session_id: 61,
        blocking_session_id: 60,
        wait_type: 'LCK_M_X',
        wait_seconds: 42.5,
        status: 'suspended',
        wait_resource: 'KEY: 5:72057594043236352 (8194443284a0)',
        query_text: 'UPDATE orders …',
      },
      {
        session_id: 60,
        blocking_session_id: 57,
        wait_type: 'LCK_M_U',
        wait_seconds: 40,
        status: 'suspended',
        wait_resource: null,
        query_text: 'UPDATE orders …',
      },
      {
        session_id: 62,
        blocking_session_id: 57,
        wait_type: 'LCK_M_S',
        wait_seconds: 3,
        status: 'suspended',
        wait_resource: null,
        query_text: 'SELECT …',
      },
    ];
    expect(headBlockerIds(blocked)).toEqual([57]);
    const { context, seen } = ctx((sql) => (sql === BLOCKED_REQUESTS_SQL ? blocked : [session({})]));
    const finding = await check('blocking-chains').run(context);
    expect(seen.map((s) => s.params)).toEqual([[], ['[57]']]);
    expect(seen[1]?.sql).toBe(HEAD_BLOCKERS_SQL);
    expect(BLOCKED_REQUESTS_SQL).toContain('r.blocking_session_id > 0 AND r.database_id = DB_ID()');
    expect(BLOCKED_REQUESTS_SQL).toContain('OUTER APPLY sys.dm_exec_sql_text(r.sql_handle) AS t');
    expect(HEAD_BLOCKERS_SQL).toContain('OPENJSON($1)');
    // The head blocker sleeps with an open transaction: it will not let go by itself.
    expect(finding.status).toBe('fail');
    expect(finding.finding).toMatch(/^3 request\(s\) blocked, the longest for 43s; head blocker\(s\): session 57 /);
    expect(finding.fix).toContain('session 57 hold(s) locks while idle in a transaction');
    expect(finding.details.filter((d) => d.role === 'blocked')).toHaveLength(3);
  });

  it('blocking: a running head blocker is a warning; no blocked request is ok (one query)', async () => {
    const blocked: BlockedRow[] = [
      {
        session_id: 61,
        blocking_session_id: 57,
        wait_type: 'LCK_M_IX',
        wait_seconds: 2,
        status: 'suspended',
        wait_resource: null,
        query_text: null,
      },
    ];
    const running = ctx((sql) => (sql === BLOCKED_REQUESTS_SQL ? blocked : [session({ status: 'running' })]));
    expect((await check('blocking-chains').run(running.context)).status).toBe('warn');
    const none = ctx(() => []);
    expect(await check('blocking-chains').run(none.context)).toMatchObject({ status: 'ok' });
    expect(none.seen).toHaveLength(1);
  });
});
