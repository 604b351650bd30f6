import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/db/index.js';
import { BackfillRefused } from '../../src/runner/backfill-key.js';
import { InterruptedError } from '../../src/runner/interrupted.js';
import {
  backfillEngines,
  one,
  prepareBackfill,
  progressOf,
  runBackfill,
  stepRow,
  type OpenDatabase,
} from './support.js';

describe.each(backfillEngines)('backfill executor on $name', (engine) => {
  let db: OpenDatabase;
  let conn: Connection;
  beforeAll(async () => {
    db = await engine.open();
    conn = db.conn;
  });
  afterAll(() => db?.close());

  it('updates 20,000 rows exactly once, checkpointing every batch', async () => {
    await conn.exec(`CREATE TABLE t1 (id bigint PRIMARY KEY, val int NOT NULL, doubled int, hits int NOT NULL DEFAULT 0);
      INSERT INTO t1 (id, val) SELECT g, g % 97 FROM generate_series(1, 20000) g`);
    const p = await prepareBackfill(conn, 'bf-many', {
      table: 't1',
      set: { doubled: 'val * 2', hits: 'hits + 1' },
      batch: { size: 1000, delay: 0 },
    });
    const events = await runBackfill(p);

    expect(await one(conn, 'SELECT count(*)::int AS n FROM t1 WHERE doubled = val * 2 AND hits = 1')).toEqual({
      n: 20000,
    });
    const row = await stepRow(p);
    expect(row).toMatchObject({ status: 'done', waiting_on: null });
    expect(Number(row.rows_done)).toBe(20000);
    expect(Number(row.rows_total)).toBe(20000);
    expect(row.checkpoint).toMatchObject({ key: ['id'], last: ['20000'] });
    expect(Number(row.checkpoint?.['batches'])).toBeGreaterThan(1);
    const progress = progressOf(events);
    expect(progress[0]).toMatchObject({ rowsDone: 1000, rowsTotal: 20000, batchSize: expect.any(Number) });
    expect(progress.at(-1)).toMatchObject({ rowsDone: 20000, rowsTotal: 20000, etaMs: 0 });
    expect(progress.every((pr, i) => i === 0 || pr.rowsDone >= progress[i - 1]!.rowsDone)).toBe(true);
    const kinds = (await p.store.events('bf-many')).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['backfill-start', 'backfill-done']));
  });

  it('walks a composite primary key; set may name key columns; where limits the rows', async () => {
    await conn.exec(`CREATE TABLE t2 (a int, b text, label text, hits int NOT NULL DEFAULT 0, PRIMARY KEY (a, b));
      INSERT INTO t2 (a, b) SELECT a, b FROM generate_series(1, 40) a, unnest(ARRAY['x', 'Y', 'aa', 'b b', 'é', '10', '9']) b`);
    const p = await prepareBackfill(conn, 'bf-composite', {
      table: 't2',
      set: { label: "a::text || '/' || b", hits: 'hits + 1' },
      where: 'a % 2 = 0',
      batch: { size: 7, delay: 0, target_ms: 100000 },
    });
    await runBackfill(p);
    expect(
      await one(conn, "SELECT count(*)::int AS n FROM t2 WHERE a % 2 = 0 AND label = a::text || '/' || b AND hits = 1"),
    ).toEqual({ n: 140 });
    expect(await one(conn, 'SELECT count(*)::int AS n FROM t2 WHERE a % 2 = 1 AND label IS NULL AND hits = 0')).toEqual(
      { n: 140 },
    );
    const row = await stepRow(p);
    expect(Number(row.rows_done)).toBe(140);
    expect(row.checkpoint).toMatchObject({ key: ['a', 'b'] });
  });

  it('stops between batches when interrupted, loses or repeats nothing, and resumes after the checkpoint', async () => {
    await conn.exec(`CREATE TABLE t3 (id int PRIMARY KEY, hits int NOT NULL DEFAULT 0);
      INSERT INTO t3 (id) SELECT g FROM generate_series(1, 10000) g`);
    const p = await prepareBackfill(conn, 'bf-abort', {
      table: 't3',
      set: { hits: 'hits + 1' },
      batch: { size: 200, delay: 0 },
    });
    const abort = new AbortController();
    let batches = 0;
    const run = runBackfill(p, {
      signal: abort.signal,
      listener: (e) => e.type === 'progress' && ++batches === 5 && abort.abort(),
    });
    await expect(run).rejects.toThrow(InterruptedError);
    await expect(run).rejects.toThrow(/interrupted during backfill backfill:t3\.hits after \d+ rows/);

    const updated = await one<{ n: number; twice: number; max: number }>(
      conn,
      'SELECT count(*) FILTER (WHERE hits = 1)::int AS n, count(*) FILTER (WHERE hits > 1)::int AS twice, max(id) FILTER (WHERE hits = 1) AS max FROM t3',
    );
    const row = await stepRow(p);
    expect(updated.twice).toBe(0);
    expect(updated.n).toBeGreaterThan(0);
    expect(updated.n).toBeLessThan(10000);
    expect(Number(row.rows_done)).toBe(updated.n);
    expect(row.checkpoint).toMatchObject({ last: [String(updated.max)], batches: 5 });

    const events = await runBackfill(p);
    expect(
      await one(
        conn,
        'SELECT count(*) FILTER (WHERE hits = 1)::int AS n, count(*) FILTER (WHERE hits <> 1)::int AS other FROM t3',
      ),
    ).toEqual({ n: 10000, other: 0 });
    expect(Number((await stepRow(p)).rows_done)).toBe(10000);
    expect(progressOf(events)[0]!.rowsDone).toBeGreaterThan(updated.n);
    const start = (await p.store.events('bf-abort')).filter((e) => e.kind === 'backfill-start').at(-1);
    expect(start?.message).toContain(`after (${updated.max}), ${updated.n} rows already done`);
  });

  it('stops while paused when interrupted, and clears what it was waiting on', async () => {
    await conn.exec(
      `CREATE TABLE t6i (id int PRIMARY KEY, v int); INSERT INTO t6i (id) SELECT g FROM generate_series(1, 100) g`,
    );
    const p = await prepareBackfill(conn, 'bf-pause-abort', { table: 't6i', set: { v: 'id' } });
    await p.store.setRun('bf-pause-abort', { paused: true, pause_requested_by: 'bob@ci' });
    const abort = new AbortController();
    const run = runBackfill(p, {
      signal: abort.signal,
      listener: (e) => e.type === 'progress' && e.progress.waiting === 'paused by bob@ci' && abort.abort(),
    });
    await expect(run).rejects.toThrow('interrupted during backfill backfill:t6i.v after 0 rows');
    expect(await stepRow(p)).toMatchObject({ waiting_on: null, rows_done: expect.anything() });
    expect(await one(conn, 'SELECT count(v)::int AS n FROM t6i')).toEqual({ n: 0 });
  });

  it('refuses a table without a usable key, with the way out', async () => {
    await conn.exec(`CREATE TABLE t5a (code text, v int, w int); INSERT INTO t5a VALUES ('a', 1, NULL);
      CREATE TABLE t5b (code text NOT NULL UNIQUE, v int NOT NULL, w int); INSERT INTO t5b SELECT 'c' || g, g FROM generate_series(1, 50) g;
      CREATE TABLE t5c (code text UNIQUE, v int, w int); INSERT INTO t5c VALUES ('a', 1, NULL)`);
    const refused = runBackfill(await prepareBackfill(conn, 'bf-nokey', { table: 't5a', set: { w: 'v' } }));
    await expect(refused).rejects.toThrow(BackfillRefused);
    await expect(refused).rejects.toThrow(
      /no primary key and no unique index on NOT NULL columns[\s\S]*add a primary key[\s\S]*`key: \[column, \.\.\.\]`/,
    );
    await expect(
      runBackfill(await prepareBackfill(conn, 'bf-nullable', { table: 't5c', set: { w: 'v' }, key: ['code'] })),
    ).rejects.toThrow(/nullable column code/);
    await expect(
      runBackfill(await prepareBackfill(conn, 'bf-notunique', { table: 't5b', set: { w: 'v' }, key: ['v'] })),
    ).rejects.toThrow(/key \(v\) of t5b is not unique/);
    await expect(
      runBackfill(await prepareBackfill(conn, 'bf-writes-key', { table: 't5b', set: { code: "'x'" } })),
    ).rejects.toThrow(/writes code, part of its key/);
    expect(await one(conn, 'SELECT count(w)::int AS n FROM t5a')).toEqual({ n: 0 });
  });

  it('finds a unique NOT NULL index without a primary key, and uses `key:` when given', async () => {
    await conn.exec(`CREATE TABLE t5d (code text NOT NULL, n int NOT NULL, v int, w int);
      CREATE UNIQUE INDEX t5d_code ON t5d (code); CREATE UNIQUE INDEX t5d_n ON t5d (n);
      INSERT INTO t5d SELECT 'c' || g, g, g FROM generate_series(1, 300) g`);
    const found = await prepareBackfill(conn, 'bf-unique', {
      table: 't5d',
      set: { w: 'v' },
      batch: { size: 40, delay: 0 },
    });
    await runBackfill(found);
    expect((await stepRow(found)).checkpoint).toMatchObject({ key: ['code'] });
    expect((await found.store.events('bf-unique')).find((e) => e.kind === 'backfill-start')?.message).toContain(
      'on unique index t5d_code (code)',
    );

    const given = await prepareBackfill(conn, 'bf-given', {
      table: 't5d',
      set: { w: 'v * 3' },
      key: ['n'],
      batch: { size: 40, delay: 0 },
    });
    await runBackfill(given);
    expect((await stepRow(given)).checkpoint).toMatchObject({ key: ['n'], last: ['300'] });
    expect(await one(conn, 'SELECT count(*)::int AS n FROM t5d WHERE w = v * 3')).toEqual({ n: 300 });
  });

  it('shrinks the batch toward a tiny target_ms, down to the floor of 10', async () => {
    // Every row costs well over 0.1 ms (the set expression counts 20,000 rows), so even a 10-row batch misses 1 ms.
    await conn.exec(
      `CREATE TABLE t9 (id int PRIMARY KEY, v int); INSERT INTO t9 (id) SELECT g FROM generate_series(1, 400) g`,
    );
    const p = await prepareBackfill(conn, 'bf-shrink', {
      table: 't9',
      set: { v: 'id + (SELECT count(*) - 20000 FROM generate_series(1, 20000))' },
      batch: { size: 100, delay: 0, target_ms: 1 },
    });
    const sizes = progressOf(await runBackfill(p)).map((pr) => pr.batchSize);
    expect(sizes.slice(0, 5)).toEqual([50, 25, 13, 10, 10]);
    expect(Math.min(...sizes)).toBe(10);
    expect(await one(conn, 'SELECT count(*)::int AS n FROM t9 WHERE v = id')).toEqual({ n: 400 });
  });

  it('grows the batch toward a long target_ms, up to 20 × the configured size', async () => {
    await conn.exec(
      `CREATE TABLE t9b (id int PRIMARY KEY, v int); INSERT INTO t9b (id) SELECT g FROM generate_series(1, 1500) g`,
    );
    const p = await prepareBackfill(conn, 'bf-grow', {
      table: 't9b',
      set: { v: 'id' },
      batch: { size: 10, delay: 0, target_ms: 60000 },
    });
    const sizes = progressOf(await runBackfill(p)).map((pr) => pr.batchSize);
    expect(sizes.slice(0, 5)).toEqual([20, 40, 80, 160, 200]);
    expect(Math.max(...sizes)).toBe(200);
  });

  it('keeps under max_rows_per_second', async () => {
    await conn.exec(
      `CREATE TABLE t9c (id int PRIMARY KEY, v int); INSERT INTO t9c (id) SELECT g FROM generate_series(1, 1000) g`,
    );
    const p = await prepareBackfill(conn, 'bf-rate', {
      table: 't9c',
      set: { v: 'id' },
      batch: { size: 100, delay: 0, max_rows_per_second: 2000 },
    });
    const started = performance.now();
    const progress = progressOf(await runBackfill(p));
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    expect(progress.at(-1)!.rowsPerSecond).toBeLessThanOrEqual(2100);
  });
});
