/** The SQL Server doctor's database, replica, Query Store and index checks: their SQL, parameters and findings. */
import { describe, expect, it } from 'vitest';
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
import { RESUMABLE_OPERATIONS_SQL, type ResumableRow } from '../../../src/dialects/mssql/doctor-resumable.js';
import { check, ctx, server, SQL2019_STD, SQL2022_DEV, AZURE_SQL_DB } from './doctor-fakes.js';

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

describe('mssql doctor: paused resumable index builds', () => {
  const op = (state: string): ResumableRow => ({
    schema: 'dbo',
    table: 'orders',
    index: 'idx_orders_customer',
    state,
    percent_complete: 41.6,
    paused_seconds: 7260,
  });

  it('paused warns with RESUME / ABORT; running or none is ok; before 2017 nothing is asked', async () => {
    const { context, seen } = ctx(() => [op('PAUSED'), op('RUNNING')]);
    const finding = await check('paused-index-builds').run(context);
    expect(seen).toEqual([{ sql: RESUMABLE_OPERATIONS_SQL, params: [] }]);
    expect(RESUMABLE_OPERATIONS_SQL).toContain('FROM sys.index_resumable_operations AS iro');
    expect(finding.status).toBe('warn');
    expect(finding.finding).toBe(
      '1 paused resumable index build(s): dbo.orders.idx_orders_customer at 42% (paused 2h 1m)',
    );
    expect(finding.fix).toContain('ALTER INDEX [idx_orders_customer] ON [dbo].[orders] RESUME; (or ABORT;)');
    expect((await check('paused-index-builds').run(ctx(() => [op('RUNNING')]).context)).status).toBe('ok');
    const old = ctx(() => [], server(13, 3));
    expect(await check('paused-index-builds').run(old.context)).toMatchObject({ status: 'ok' });
    expect(old.seen).toEqual([]);
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
