/**
 * `batch.workers`: key ranges on several connections at once. Every test counts how many times
 * each row was updated (`hits = hits + 1` is not idempotent on purpose): exactly once, whatever
 * happens to the runner.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/db/index.js';
import { stringify } from 'yaml';
import { LockedError } from '../../src/errors.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { runPlan } from '../../src/runner/run-plan.js';
import {
  frontier,
  holes,
  mergeRange,
  renumbered,
  SEQ_SPACING,
  type Checkpoint,
} from '../../src/runner/backfill-checkpoint.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { runCli, startCli, writePlan } from './cli-process.js';
import { sleep, waitFor } from './seed.js';
import type { RunnerEvent } from '../../src/runner/events.js';
import {
  backfillEngines,
  one,
  postgresEngine,
  prepareBackfill,
  progressOf,
  runBackfill,
  stepRow,
  waitForEvent,
  type OpenDatabase,
} from './support.js';

const k = (v: number) => [String(v)];

describe('checkpoint of ranges done out of order', () => {
  const start: Checkpoint = { key: ['id'], last: null, batches: 0, ahead: [] };

  it('a range joins the prefix when it starts where the prefix ends, taking later ranges with it', () => {
    const second = mergeRange(start, { after: k(10), upTo: k(20), seq: 2 });
    expect(second).toMatchObject({ last: null, batches: 1, ahead: [{ seq: 2 }] });
    const fourth = mergeRange(second, { after: k(30), upTo: k(40), seq: 4 });
    expect(fourth.ahead.map((r) => r.seq)).toEqual([2, 4]);
    const first = mergeRange(fourth, { after: null, upTo: k(10), seq: 1 });
    expect(first).toMatchObject({ last: k(20), batches: 3, ahead: [{ seq: 4 }] });
    const third = mergeRange(first, { after: k(20), upTo: k(30), seq: 3 });
    expect(third).toMatchObject({ last: k(40), batches: 4, ahead: [] });
  });

  it('holes are the ranges between the prefix and the ranges ahead, numbered so that their pieces fit; new ranges start after the last one', () => {
    const cp: Checkpoint = renumbered({
      key: ['a', 'b'],
      last: ['1', 'x'],
      batches: 5,
      ahead: [
        { after: ['3', 'x'], upTo: ['4', 'x'], seq: 7 },
        { after: ['4', 'x'], upTo: ['5', 'x'], seq: 8 },
        { after: ['7', 'x'], upTo: ['8', 'x'], seq: 11 },
      ],
    });
    expect(cp.ahead.map((r) => r.seq)).toEqual([SEQ_SPACING, 2 * SEQ_SPACING, 3 * SEQ_SPACING]);
    expect(holes(cp)).toEqual([
      { after: ['1', 'x'], upTo: ['3', 'x'], seq: 1 },
      { after: ['5', 'x'], upTo: ['7', 'x'], seq: 2 * SEQ_SPACING + 1 },
    ]);
    expect(frontier(cp)).toEqual({ after: ['8', 'x'], seq: 3 * SEQ_SPACING + 1 });
    // Redoing a hole in pieces, out of order, brings everything into the prefix.
    const pieces = [
      { after: ['5', 'x'], upTo: ['6', 'x'], seq: 2 * SEQ_SPACING + 1 },
      { after: ['6', 'x'], upTo: ['7', 'x'], seq: 2 * SEQ_SPACING + 2 },
      { after: ['1', 'x'], upTo: ['3', 'x'], seq: 1 },
    ];
    const afterSecond = mergeRange(cp, pieces[1]!);
    expect(holes(afterSecond)).toEqual([
      holes(cp)[0],
      { after: ['5', 'x'], upTo: ['6', 'x'], seq: 2 * SEQ_SPACING + 1 },
    ]);
    expect(pieces.reduce(mergeRange, cp)).toMatchObject({ last: ['8', 'x'], ahead: [] });
    expect(holes({ ...cp, ahead: [] })).toEqual([]);
    expect(frontier({ ...cp, ahead: [] })).toEqual({ after: ['1', 'x'], seq: 1 });
  });
});

describe.each(postgresEngine)('backfill on several workers ($name)', (engine) => {
  let db: OpenDatabase;
  let conn: Connection;
  beforeAll(async () => {
    db = await engine.open();
    conn = db.conn;
  });
  afterAll(() => db?.close());

  it('4 workers: every row exactly once, each worker on its own backend, checkpoint left whole', async () => {
    await conn.exec(`CREATE TABLE w1 (id bigint PRIMARY KEY, val int NOT NULL, doubled int, hits int NOT NULL DEFAULT 0, by_pid int);
      INSERT INTO w1 (id, val) SELECT g, g % 97 FROM generate_series(1, 30000) g`);
    const p = await prepareBackfill(conn, 'bfw-many', {
      table: 'w1',
      set: { doubled: 'val * 2', hits: 'hits + 1', by_pid: 'pg_backend_pid()' },
      batch: { size: 500, delay: 0, workers: 4 },
    });
    const events = await runBackfill(p);

    expect(
      await one(
        conn,
        'SELECT count(*) FILTER (WHERE doubled = val * 2 AND hits = 1)::int AS ok, count(DISTINCT by_pid)::int AS backends FROM w1',
      ),
    ).toEqual({ ok: 30000, backends: 4 });
    const row = await stepRow(p);
    expect(row).toMatchObject({ status: 'done', waiting_on: null });
    expect(Number(row.rows_done)).toBe(30000);
    expect(row.checkpoint).toMatchObject({ key: ['id'], last: ['30000'] });
    expect(row.checkpoint?.['ahead']).toBeUndefined();
    expect(progressOf(events).at(-1)).toMatchObject({ rowsDone: 30000, rowsTotal: 30000 });
    const kinds = (await p.store.events('bfw-many')).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['backfill-start', 'backfill-workers', 'backfill-done']));
  });

  it('ranges whose size adapts while bounds are read ahead: every row exactly once', async () => {
    await conn.exec(`CREATE TABLE w_adapt (id bigint PRIMARY KEY, hits int NOT NULL DEFAULT 0);
      INSERT INTO w_adapt (id) SELECT g FROM generate_series(1, 20000) g`);
    const p = await prepareBackfill(conn, 'bfw-adapt', {
      table: 'w_adapt',
      set: { hits: 'hits + 1' },
      batch: { size: 100, delay: 0, workers: 2, target_ms: 5 },
    });
    const events = await runBackfill(p);
    expect(
      await one(conn, 'SELECT count(*) FILTER (WHERE hits = 1)::int AS once, count(*)::int AS n FROM w_adapt'),
    ).toEqual({ once: 20000, n: 20000 });
    const sizes = new Set(progressOf(events).map((e) => e.batchSize));
    expect(sizes.size).toBeGreaterThan(1);
    expect(Number((await stepRow(p)).rows_done)).toBe(20000);
  });

  /** As a killed run on workers leaves it: (0, 1000] and (2000, 3000] done, (1000, 2000] was running. */
  async function leftByAKilledRun(table: string, plan: string): Promise<void> {
    await conn.exec(`CREATE TABLE ${table} (id int PRIMARY KEY, hits int NOT NULL DEFAULT 0, xid bigint);
      INSERT INTO ${table} (id) SELECT g FROM generate_series(1, 5000) g;
      UPDATE ${table} SET hits = 1 WHERE id <= 1000 OR id BETWEEN 2001 AND 3000`);
    const checkpoint = {
      key: ['id'],
      last: ['1000'],
      batches: 2,
      ahead: [{ after: ['2000'], upTo: ['3000'], seq: 3 }],
      owner: 'a dead runner',
    };
    await conn.query('UPDATE schemashift.steps SET checkpoint = $1, rows_done = 2000 WHERE plan_name = $2', [
      JSON.stringify(checkpoint),
      plan,
    ]);
  }

  it('redoes exactly the ranges a stopped run left, in pieces of the batch size', async () => {
    const p = await prepareBackfill(conn, 'bfw-holes', {
      table: 'w2',
      set: { hits: 'hits + 1', xid: 'txid_current()' },
      batch: { size: 300, delay: 0, workers: 2 },
    });
    await leftByAKilledRun('w2', 'bfw-holes');

    await runBackfill(p);
    expect(
      await one(
        conn,
        'SELECT count(*) FILTER (WHERE hits = 1)::int AS once, count(*) FILTER (WHERE hits <> 1)::int AS other FROM w2',
      ),
    ).toEqual({ once: 5000, other: 0 });
    const row = await stepRow(p);
    expect(Number(row.rows_done)).toBe(5000);
    expect(row.checkpoint).toMatchObject({ last: ['5000'] });
    const workers = (await p.store.events('bfw-holes')).find((e) => e.kind === 'backfill-workers');
    expect(workers?.message).toContain('first redoing 1 range(s) a stopped run left unfinished');
    // The hole (1000, 2000] went in transactions of at most 300 rows: 300, 300, 300, 100.
    const pieces = (
      await conn.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM w2 WHERE id BETWEEN 1001 AND 2000 GROUP BY xid ORDER BY min(id)',
      )
    ).rows.map((r) => r.n);
    expect(pieces).toEqual([300, 300, 300, 100]);
  });

  it('a paused run does not redo those ranges either until it is resumed', async () => {
    const p = await prepareBackfill(conn, 'bfw-holes-paused', {
      table: 'w2p',
      set: { hits: 'hits + 1' },
      batch: { size: 300, delay: 0, workers: 2 },
    });
    await leftByAKilledRun('w2p', 'bfw-holes-paused');
    await p.store.setRun('bfw-holes-paused', { paused: true, pause_requested_by: 'alice@laptop' });
    const seen: RunnerEvent[] = [];
    const run = runBackfill(p, { listener: (e) => seen.push(e) });
    await waitForEvent(
      () => seen,
      (e) => e.type === 'progress' && e.progress.waiting === 'paused by alice@laptop',
    );
    await sleep(300);
    expect(await one(conn, 'SELECT count(*) FILTER (WHERE hits = 1)::int AS once FROM w2p')).toEqual({ once: 2000 });
    await p.store.setRun('bfw-holes-paused', { paused: false, pause_requested_by: null });
    await run;
    expect(
      await one(
        conn,
        'SELECT count(*) FILTER (WHERE hits = 1)::int AS once, count(*) FILTER (WHERE hits <> 1)::int AS other FROM w2p',
      ),
    ).toEqual({ once: 5000, other: 0 });
  });

  it('a worker whose run was taken over rolls its batch back instead of recording it', async () => {
    await conn.exec(`CREATE TABLE w3 (id int PRIMARY KEY, hits int NOT NULL DEFAULT 0);
      INSERT INTO w3 (id) SELECT g FROM generate_series(1, 20000) g`);
    const p = await prepareBackfill(conn, 'bfw-owner', {
      table: 'w3',
      set: { hits: 'hits + 1' },
      batch: { size: 100, delay: '5ms', workers: 2 },
    });
    let progress = 0;
    let stolen: Promise<unknown> | undefined;
    const run = runBackfill(p, {
      listener: (e) => {
        if (e.type === 'progress' && ++progress === 6) {
          stolen = conn.query(
            `UPDATE schemashift.steps SET checkpoint = jsonb_set(checkpoint, '{owner}', '"another runner"') WHERE plan_name = 'bfw-owner'`,
          );
        }
      },
    });
    await expect(run).rejects.toThrow(LockedError);
    await expect(run).rejects.toThrow(
      /took this backfill over while this run's session was gone; this worker's batch was rolled back/,
    );
    await stolen;
    const counts = await one<{ once: number; twice: number }>(
      conn,
      'SELECT count(*) FILTER (WHERE hits = 1)::int AS once, count(*) FILTER (WHERE hits > 1)::int AS twice FROM w3',
    );
    expect(counts.twice).toBe(0);
    expect(counts.once).toBeLessThan(20000);
    expect(Number((await stepRow(p)).rows_done)).toBe(counts.once);
  });

  it('a run superseded that way stops with exit 3 and leaves the state to the run that took over', async () => {
    await conn.exec(`CREATE TABLE w6 (id int PRIMARY KEY, hits int NOT NULL DEFAULT 0);
      INSERT INTO w6 (id) SELECT g FROM generate_series(1, 20000) g`);
    const yaml = stringify({
      name: 'bfw-superseded',
      phases: {
        migrate: [
          { backfill: { table: 'w6', set: { hits: 'hits + 1' }, batch: { size: 100, delay: '5ms', workers: 2 } } },
        ],
      },
    });
    const plan = compilePlan(await parsePlan('bfw-superseded.yaml', yaml));
    let progress = 0;
    let stolen: Promise<unknown> | undefined;
    const emit = (e: RunnerEvent) => {
      if (e.type === 'progress' && ++progress === 6) {
        stolen = conn.query(
          `UPDATE schemashift.steps SET checkpoint = jsonb_set(checkpoint, '{owner}', '"another runner"'), status = 'running' WHERE plan_name = 'bfw-superseded'`,
        );
      }
    };
    const run = runPlan(conn, plan, {
      mode: 'run',
      acceptDrift: false,
      answers: { yes: true },
      emit,
      signal: new AbortController().signal,
      command: (verb) => `schemashift ${verb}`,
    });
    await expect(run).rejects.toThrow(LockedError);
    await stolen;
    const state = await one<{ step: string; run: string; last_error: string | null }>(
      conn,
      "SELECT s.status AS step, r.status AS run, s.last_error FROM schemashift.steps s JOIN schemashift.runs r USING (plan_name) WHERE plan_name = 'bfw-superseded'",
    );
    expect(state).toEqual({ step: 'running', run: 'running', last_error: null });
  });

  it("a worker waiting for the application's row lock is not counted as a waiter on the table", async () => {
    await conn.exec(`CREATE TABLE w5 (id int PRIMARY KEY, hits int NOT NULL DEFAULT 0);
      INSERT INTO w5 (id) SELECT g FROM generate_series(1, 6000) g`);
    const p = await prepareBackfill(
      conn,
      'bfw-waiters',
      // The other worker goes on for ~1.5 s while one waits, so the throttles are read during the wait.
      {
        table: 'w5',
        set: { hits: 'hits + 1' },
        batch: { size: 50, delay: '10ms', workers: 2 },
        throttle: { max_lock_waiters: 0 },
      },
      { lock_timeout: '10s' },
    );
    const holder = new pg.Client({ connectionString: db.url!, application_name: 'row-holder' });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM w5 WHERE id = 525 FOR UPDATE');
      const seen: RunnerEvent[] = [];
      const run = runBackfill(p, { listener: (e) => seen.push(e) });
      await waitForEvent(
        () => seen,
        (e) => e.type === 'lock-wait',
      );
      await sleep(1000);
      await holder.query('ROLLBACK');
      await run;
      expect(await one(conn, 'SELECT count(*) FILTER (WHERE hits = 1)::int AS once FROM w5')).toEqual({ once: 6000 });
      const lockWait = seen.find((e) => e.type === 'lock-wait');
      expect(lockWait?.type === 'lock-wait' && lockWait.blockers[0]?.applicationName).toBe('row-holder');
      const throttled = (await p.store.events('bfw-waiters'))
        .filter((e) => e.kind === 'throttle')
        .map((e) => e.message);
      expect(throttled).toEqual([]);
    } finally {
      await holder.end();
    }
  });
});

describe.each(backfillEngines.filter((e) => e.name === 'pglite'))('backfill workers on $name', (engine) => {
  let db: OpenDatabase;
  beforeAll(async () => (db = await engine.open()));
  afterAll(() => db?.close());

  it('runs one batch at a time, and says why', async () => {
    await db.conn.exec(`CREATE TABLE w4 (id int PRIMARY KEY, hits int NOT NULL DEFAULT 0);
      INSERT INTO w4 (id) SELECT g FROM generate_series(1, 2000) g`);
    const p = await prepareBackfill(db.conn, 'bfw-pglite', {
      table: 'w4',
      set: { hits: 'hits + 1' },
      batch: { size: 300, delay: 0, workers: 3 },
    });
    const events = await runBackfill(p);
    expect(events).toContainEqual({
      type: 'info',
      message: expect.stringContaining(
        'batch.workers 3 needs a PostgreSQL server (PGlite has a single backend): running one batch at a time',
      ),
    });
    expect(await one(db.conn, 'SELECT count(*) FILTER (WHERE hits = 1)::int AS once FROM w4')).toEqual({ once: 2000 });
  });
});

describe.skipIf(!postgresAdminUrl)('kill -9 during a backfill on workers (real PostgreSQL)', () => {
  let target: TestDatabase;
  beforeAll(async () => {
    target = await createPostgresDatabase('schemashift_bfw_kill');
    await target.exec(`CREATE TABLE items (id bigint PRIMARY KEY, hits int NOT NULL DEFAULT 0);
      INSERT INTO items (id) SELECT g FROM generate_series(1, 60000) g; ANALYZE items`);
  });
  afterAll(() => target?.close());

  // delay 0: the next range's bound is read ahead while the workers run (backfill-read-ahead.ts).
  it.each(['3ms', '0ms'])(
    '3 kills at growing progress, then run: every row updated exactly once (delay %s)',
    async (delay) => {
      const name = `workers-kill-${delay}`;
      await target.exec('UPDATE items SET hits = 0');
      const plan = writePlan(`name: ${name}
phases:
  migrate:
    - backfill:
        table: items
        # Every other range holds a slow row, so later ranges often commit before earlier ones.
        set: { hits: "hits + 1 + 0 * length(pg_sleep(CASE WHEN id % 500 = 0 THEN 0.04 ELSE 0 END)::text)" }
        batch: { size: 250, delay: ${delay}, workers: 4 }
`);
      const rowsDone = async () =>
        Number(
          (
            await target
              .query<{ n: string }>('SELECT rows_done AS n FROM schemashift.steps WHERE plan_name = $1', [name])
              .catch(() => [])
          )[0]?.n ?? 0,
        );
      const seenAhead: boolean[] = [];
      for (const threshold of [8000, 25000, 42000]) {
        const run = startCli(['run', plan, '--yes', '--database', target.url!]);
        await waitFor(
          `${threshold} rows done`,
          async () => (await rowsDone()) >= threshold || run.child.exitCode !== null,
          30_000,
          5,
        );
        await sleep(Math.floor(Math.random() * 20));
        run.child.kill('SIGKILL');
        expect((await run.done).signal).toBe('SIGKILL');
        const cp = (
          await target.query<{ checkpoint: { ahead?: unknown[] } }>(
            'SELECT checkpoint FROM schemashift.steps WHERE plan_name = $1',
            [name],
          )
        )[0]?.checkpoint;
        seenAhead.push((cp?.ahead?.length ?? 0) > 0);
      }
      const last = await runCli(['run', plan, '--yes', '--database', target.url!]);
      expect(last.code, last.stdout + last.stderr).toBe(0);
      const [counts] = await target.query<{ once: number; other: number }>(
        'SELECT count(*) FILTER (WHERE hits = 1)::int AS once, count(*) FILTER (WHERE hits <> 1)::int AS other FROM items',
      );
      expect(counts).toEqual({ once: 60000, other: 0 });
      expect(await rowsDone()).toBe(60000);
      console.log(
        `kill -9 during a 4-worker backfill: ranges done ahead of the checkpoint at each kill: ${seenAhead.join(', ')}`,
      );
      // At least one kill left ranges done ahead of the checkpoint, and the next run redid the holes first.
      expect(seenAhead).toContain(true);
      const [redone] = await target.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM schemashift.events WHERE plan_name = $1 AND kind = 'backfill-workers' AND message LIKE '%first redoing%'",
        [name],
      );
      expect(redone?.n).toBeGreaterThan(0);
    },
  );
});
