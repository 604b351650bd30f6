/** Each SQL Server doctor check: the SQL and parameters it sends, and its finding on each side of its threshold. */
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
import { DATABASE_SETTINGS_SQL } from '../../../src/dialects/mssql/doctor-database.js';
import { replicaStatesSql } from '../../../src/dialects/mssql/doctor-server.js';
import { QUERY_STORE_STATE_SQL, SLOWEST_QUERIES_SQL } from '../../../src/dialects/mssql/doctor-query-store.js';
import {
  defragmentStatement,
  FRAGMENTED_INDEXES_SQL,
  UNUSED_INDEXES_SQL,
  UPTIME_SQL,
  type FragmentedRow,
} from '../../../src/dialects/mssql/doctor-indexes.js';
import { check, ctx, server, SQL2019_STD, SQL2022_DEV, AZURE_SQL_DB } from './doctor-fakes.js';

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

describe('mssql doctor: database settings', () => {
  const settings = (over: object) => () => [
    { name: 'shop db', compatibility_level: 150, snapshot_isolation: 'OFF', rcsi: true, ...over },
  ];

  it('RCSI off: readers and writers block each other; the fix names the database bracketed', async () => {
    const { context, seen } = ctx(settings({ rcsi: false }));
    const finding = await check('snapshot-isolation').run(context);
    expect(seen[0]?.sql).toBe(DATABASE_SETTINGS_SQL);
    expect(DATABASE_SETTINGS_SQL).toContain('is_read_committed_snapshot_on');
    expect(DATABASE_SETTINGS_SQL).toContain('snapshot_isolation_state_desc');
    expect(finding.status).toBe('warn');
    expect(finding.finding).toContain('readers block writers and writers block readers');
    expect(finding.fix).toContain('ALTER DATABASE [shop db] SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK IMMEDIATE');
  });

  it('RCSI on is ok; compatibility level under 130 fails (OPENJSON)', async () => {
    expect((await check('snapshot-isolation').run(ctx(settings({})).context)).status).toBe('ok');
    expect((await check('compatibility-level').run(ctx(settings({})).context)).status).toBe('ok');
    const old = await check('compatibility-level').run(ctx(settings({ compatibility_level: 120 })).context);
    expect(old.status).toBe('fail');
    expect(old.fix).toContain('ALTER DATABASE [shop db] SET COMPATIBILITY_LEVEL = 150');
  });
});

describe('mssql doctor: availability group', () => {
  const primary = {
    name: 'sql-a',
    is_local: true,
    is_primary: true,
    state: 'SYNCHRONIZED',
    suspended: false,
    send_queue_kb: 0,
    redo_queue_kb: 0,
    lag_seconds: null,
  };
  const replica = (lag: number | null, suspended = false) => ({
    ...primary,
    name: 'sql-b',
    is_local: false,
    is_primary: false,
    state: 'SYNCHRONIZING',
    suspended,
    send_queue_kb: 120,
    redo_queue_kb: 4096,
    lag_seconds: lag,
  });

  it('secondary_lag_seconds from 2016 (and on Azure), NULL before', () => {
    expect(replicaStatesSql(SQL2022_DEV)).toContain('CONVERT(float, drs.secondary_lag_seconds) AS lag_seconds');
    expect(replicaStatesSql(AZURE_SQL_DB)).toContain('drs.secondary_lag_seconds');
    expect(replicaStatesSql(SQL2022_DEV)).toContain(
      'JOIN sys.availability_replicas AS ar ON ar.replica_id = drs.replica_id',
    );
    expect(replicaStatesSql(AZURE_SQL_DB)).not.toContain('sys.availability_replicas');
    expect(replicaStatesSql(AZURE_SQL_DB)).toContain('CONVERT(nvarchar(36), drs.replica_id) AS name');
    expect(replicaStatesSql(server(12, 3))).toContain('CONVERT(float, NULL) AS lag_seconds');
    expect(replicaStatesSql(SQL2022_DEV)).toContain('drs.log_send_queue_size');
    expect(replicaStatesSql(SQL2022_DEV)).toContain('drs.redo_queue_size');
  });

  it('no group ok; lag within the limit ok; beyond it or suspended warn; a secondary fails', async () => {
    const run = async (rows: object[]) => check('availability-group').run(ctx(() => rows).context);
    expect((await run([])).finding).toBe('this database is in no availability group');
    expect((await run([primary, replica(12)])).status).toBe('ok');
    const lagging = await run([primary, replica(95)]);
    expect(lagging.status).toBe('warn');
    expect(lagging.finding).toBe(
      '1 of 1 secondary replica(s) lag more than 30s or are suspended: sql-b 1m 35s behind (send queue 120 KB, ' +
        'redo queue 4096 KB)',
    );
    expect((await run([primary, replica(null, true)])).status).toBe('warn');
    const secondary = await run([{ ...replica(0), is_local: true }]);
    expect(secondary.status).toBe('fail');
    expect(secondary.finding).toContain('is a secondary replica on sql-b');
  });
});

describe('mssql doctor: Query Store', () => {
  it('off: says so, and reads no statistics', async () => {
    const { context, seen } = ctx(() => [{ state: 'OFF' }]);
    const finding = await check('slowest-queries').run(context);
    expect(seen.map((s) => s.sql)).toEqual([QUERY_STORE_STATE_SQL]);
    expect(finding).toMatchObject({ status: 'ok' });
    expect(finding.finding).toContain('Query Store is OFF');
  });

  it('on: the 10 slowest of the last day from runtime_stats; over 1 s average warns', async () => {
    const slow = [
      {
        query_id: 7,
        executions: 120,
        avg_ms: 2350.4,
        max_ms: 9100,
        query: 'SELECT * FROM orders WHERE client_id = @id',
      },
      { query_id: 9, executions: 4000, avg_ms: 80, max_ms: 300, query: 'SELECT 1' },
    ];
    const { context, seen } = ctx((sql) => (sql === QUERY_STORE_STATE_SQL ? [{ state: 'READ_WRITE' }] : slow));
    const finding = await check('slowest-queries').run(context);
    expect(seen[1]).toEqual({ sql: SLOWEST_QUERIES_SQL, params: [10] });
    expect(SLOWEST_QUERIES_SQL).toContain('FROM sys.query_store_runtime_stats AS rs');
    expect(SLOWEST_QUERIES_SQL).not.toContain('query_store_query_stats');
    expect(SLOWEST_QUERIES_SQL).toContain('SELECT TOP ($1)');
    expect(SLOWEST_QUERIES_SQL).toContain('DATEADD(HOUR, -24, SYSDATETIMEOFFSET())');
    expect(finding.status).toBe('warn');
    expect(finding.finding).toBe(
      '1 query(ies) averaged over 1000 ms in the last 24 hours: #7 2350 ms avg, 9100 ms max, 120×: ' +
        'SELECT * FROM orders WHERE client_id = @id',
    );
    const fast = ctx((sql) => (sql === QUERY_STORE_STATE_SQL ? [{ state: 'READ_ONLY' }] : slow.slice(1)));
    expect(await check('slowest-queries').run(fast.context)).toMatchObject({
      status: 'ok',
      finding: 'the slowest query of the last 24 hours averages 80 ms',
    });
  });

  it('before 2016 there is no Query Store: nothing is asked', async () => {
    const { context, seen } = ctx(() => [], server(12, 3));
    expect((await check('slowest-queries').run(context)).status).toBe('ok');
    expect(seen).toEqual([]);
  });
});

describe('mssql doctor: indexes', () => {
  const fragmented: FragmentedRow = {
    schema: 'dbo',
    table: 'orders',
    index: 'idx_orders_customer',
    kind: 'NONCLUSTERED',
    fragmentation: 47.2,
    pages: 18000,
    partition_number: 1,
  };

  it('fragmentation: LIMITED, only the 50 largest indexes over 1000 pages, > 30%', async () => {
    const { context, seen } = ctx(() => [fragmented]);
    const finding = await check('fragmented-indexes').run(context);
    expect(seen).toEqual([{ sql: FRAGMENTED_INDEXES_SQL, params: [50, 1000, 30] }]);
    expect(FRAGMENTED_INDEXES_SQL).toContain(
      "sys.dm_db_index_physical_stats(DB_ID(), big.object_id, big.index_id, NULL, N'LIMITED')",
    );
    expect(FRAGMENTED_INDEXES_SQL).toContain('SELECT TOP ($1) p.object_id');
    expect(FRAGMENTED_INDEXES_SQL).toContain('ps.avg_fragmentation_in_percent > $3');
    expect(finding.status).toBe('warn');
    expect(finding.finding).toContain('dbo.orders.idx_orders_customer 47% of 18000 pages');
    expect(finding.fix).toContain(
      'ALTER INDEX [idx_orders_customer] ON [dbo].[orders] REBUILD WITH (ONLINE = ON, RESUMABLE = ON, MAX_DURATION = 60 MINUTES);',
    );
    expect((await check('fragmented-indexes').run(ctx(() => []).context)).status).toBe('ok');
  });

  it('the fix fits the edition: REORGANIZE on Standard, online rebuild without RESUMABLE before 2017', async () => {
    const standard = await check('fragmented-indexes').run(ctx(() => [fragmented], SQL2019_STD).context);
    expect(standard.fix).toContain('ALTER INDEX [idx_orders_customer] ON [dbo].[orders] REORGANIZE;');
    expect(defragmentStatement({ ...fragmented, index: 'x]y' }, 'online-rebuild')).toBe(
      'ALTER INDEX [x]]y] ON [dbo].[orders] REBUILD WITH (ONLINE = ON);',
    );
  });

  it('unused: not judged before 7 days of uptime (and not queried); after, listed with their writes', async () => {
    const young = ctx(() => [{ uptime_seconds: 3 * 86_400 }]);
    const early = await check('unused-indexes').run(young.context);
    expect(young.seen.map((s) => s.sql)).toEqual([UPTIME_SQL]);
    expect(early).toMatchObject({ status: 'ok' });
    expect(early.finding).toContain('not judged: the instance started 72h ago');
    const unused = [{ schema: 'dbo', table: 'orders', index: 'idx_orders_legacy', writes: 912345, pages: 2400 }];
    const old = ctx((sql) => (sql === UPTIME_SQL ? [{ uptime_seconds: 30 * 86_400 }] : unused));
    const finding = await check('unused-indexes').run(old.context);
    expect(old.seen.map((s) => s.sql)).toEqual([UPTIME_SQL, UNUSED_INDEXES_SQL]);
    expect(UNUSED_INDEXES_SQL).toContain('LEFT JOIN sys.dm_db_index_usage_stats AS us');
    expect(UNUSED_INDEXES_SQL).toContain('us.database_id = DB_ID()');
    expect(UNUSED_INDEXES_SQL).toContain('i.is_unique = 0 AND i.is_primary_key = 0');
    expect(UPTIME_SQL).toContain('sqlserver_start_time');
    expect(finding.status).toBe('warn');
    expect(finding.finding).toContain('dbo.orders.idx_orders_legacy (912345 writes maintained it)');
  });
});
