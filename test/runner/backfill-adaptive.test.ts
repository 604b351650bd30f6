/**
 * The adaptive pace on real PostgreSQL: a backfill with no batch settings grows while the database
 * is calm, slows down when its probe commit gets slow (another session holds the lock the probe
 * needs, as a busy database would delay an application's commit), grows again once it is fast, cuts
 * batches that hold their rows too long, and leaves fixed settings alone. Every row ends right.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { printStatus } from '../../src/cli/status-command.js';
import type { Connection } from '../../src/db/index.js';
import type { BackfillProgress, RunnerEvent } from '../../src/runner/events.js';
import { captureIo } from '../support/capture-io.js';
import {
  one,
  postgresEngine,
  prepareBackfill,
  progressOf,
  runBackfill,
  stepRow,
  type OpenDatabase,
} from './support.js';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Holds the probe table's lock for `holdMs` at a time, again and again, until stopped. */
function lockProbeTable(url: string, holdMs: number): { stop: () => Promise<void> } {
  let stopped = false;
  const client = new pg.Client({ connectionString: url, application_name: 'test lock holder' });
  const loop = (async () => {
    await client.connect();
    while (!stopped) {
      await client.query('BEGIN; LOCK TABLE schemashift.pace_probes IN ACCESS EXCLUSIVE MODE');
      await client.query('SELECT pg_sleep($1)', [holdMs / 1000]);
      await client.query('COMMIT');
      await sleep(5);
    }
    await client.end();
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

describe.each(postgresEngine)('the adaptive backfill pace on $name', (engine) => {
  let db: OpenDatabase;
  let conn: Connection;
  beforeAll(async () => {
    db = await engine.open();
    conn = db.conn;
  });
  afterAll(() => db?.close());

  it('slows down while the probe commit is slow and speeds up again when it is fast', async () => {
    await conn.exec(`CREATE TABLE paced (id int PRIMARY KEY, v int);
      INSERT INTO paced (id) SELECT g FROM generate_series(1, 600000) g; ANALYZE paced`);
    // The ceiling only stretches the run so that every phase fits in it (600,000 rows: 30 s at least,
    // so a loaded machine's slow probes still leave room to recover); size and delay stay adaptive.
    // The run is interrupted once it has recovered, so a calm machine does not pay for the rows.
    const p = await prepareBackfill(conn, 'bf-adaptive', {
      table: 'paced',
      set: { v: 'id' },
      batch: { max_rows_per_second: 20_000 },
    });
    expect(p.step.batch.adaptive).toBe(true);
    const seen: BackfillProgress[] = [];
    let phase: 'calm' | 'slow' | 'recover' | 'end' = 'calm';
    let holder: { stop: () => Promise<void> } | null = null;
    let largestBeforeSlow = 0;
    let smallestWhileSlow = Number.POSITIVE_INFINITY;
    let largestAfter = 0;
    const phases: Promise<void>[] = [];
    // Once it has grown again the test has seen what it came for: the run is interrupted (as by Ctrl-C).
    const stop = new AbortController();
    const listener = (e: RunnerEvent) => {
      if (e.type !== 'progress' || e.progress.waiting !== undefined) return;
      const size = e.progress.batchSize;
      seen.push(e.progress);
      if (phase === 'calm') {
        largestBeforeSlow = Math.max(largestBeforeSlow, size);
        if (size >= 1600) {
          phase = 'slow';
          holder = lockProbeTable(db.url!, 150);
        }
      } else if (phase === 'slow') {
        smallestWhileSlow = Math.min(smallestWhileSlow, size);
        if (size <= largestBeforeSlow / 4 && holder) {
          const h: { stop: () => Promise<void> } = holder;
          holder = null;
          phases.push(h.stop().then(() => void (phase = 'recover')));
        }
      } else if (phase === 'recover') {
        largestAfter = Math.max(largestAfter, size);
        if (largestAfter >= smallestWhileSlow * 4) {
          phase = 'end';
          stop.abort();
        }
      }
    };
    try {
      await runBackfill(p, { listener, signal: stop.signal }).catch((e: unknown) => {
        if (!stop.signal.aborted) throw e;
      });
    } finally {
      await (holder as { stop: () => Promise<void> } | null)?.stop();
      await Promise.all(phases);
    }
    expect(phase).toBe('end');
    expect(smallestWhileSlow).toBeLessThanOrEqual(largestBeforeSlow / 4);
    expect(largestAfter).toBeGreaterThanOrEqual(smallestWhileSlow * 4);
    const reasons = seen.map((s) => s.pace ?? '');
    expect(reasons.some((r) => /probe commit [\d.]+ ms > 2× baseline [\d.]+ ms: batch \d+ → \d+/.test(r))).toBe(true);
    expect(reasons.some((r) => /probe commit [\d.]+ ms ≤ 1\.5× baseline/.test(r))).toBe(true);
    // Every row up to the checkpoint is done, and only those: the rows done are counted exactly.
    const row = await stepRow(p);
    const last = Number((row.checkpoint as { last: string[] }).last[0]);
    expect(
      await one(
        conn,
        `SELECT count(*) FILTER (WHERE v IS DISTINCT FROM id AND id <= ${last})::int AS wrong,
        count(*) FILTER (WHERE v IS NOT NULL)::int AS done FROM paced`,
      ),
    ).toEqual({ wrong: 0, done: Number(row.rows_done) });

    const events = await p.store.events('bf-adaptive');
    const paceEvents = events.filter((e) => e.kind === 'pace').map((e) => e.message);
    expect(paceEvents.some((m) => m.includes('> 2× baseline'))).toBe(true);
    expect(row.pace?.changes).toBeGreaterThan(3);
    expect(row.pace?.reason).toMatch(/: batch \d+ → \d+|: delay/);
    const io = captureIo();
    await printStatus(conn, { json: true }, io);
    const status = JSON.parse(io.stdout()) as { plans: { steps: { pace?: { size: number } }[] }[] };
    expect(status.plans[0]?.steps[0]?.pace?.size).toBe(row.pace?.size);
    const text = captureIo();
    await printStatus(conn, { json: false }, text);
    expect(text.stdout()).toMatch(
      /(pace|ended at) batch \d+(, delay \d+ ms)? \(adaptive, \d+ changes; last change at /,
    );
  }, 150_000);

  it('cuts a batch that held its rows longer than 100 ms back toward 30 ms', async () => {
    await conn.exec(`CREATE TABLE slow_rows (id int PRIMARY KEY, v int);
      INSERT INTO slow_rows (id) SELECT g FROM generate_series(1, 1500) g`);
    // Each row costs 1 ms: the first batch of 200 takes about 200 ms.
    const p = await prepareBackfill(conn, 'bf-adaptive-slow', {
      table: 'slow_rows',
      set: { v: 'id + 0 * length(pg_sleep(0.001)::text)' },
    });
    const sizes = progressOf(await runBackfill(p)).map((s) => s.batchSize);
    expect(sizes[0]).toBeLessThanOrEqual(100);
    expect(Math.max(...sizes.slice(1))).toBeLessThanOrEqual(125);
    const events = await p.store.events('bf-adaptive-slow');
    expect(events.some((e) => e.kind === 'pace' && /batch took \d+ ms > 100 ms/.test(e.message))).toBe(true);
    expect(await one(conn, 'SELECT count(*)::int AS wrong FROM slow_rows WHERE v IS DISTINCT FROM id')).toEqual({
      wrong: 0,
    });
  }, 60_000);

  it('leaves fixed settings alone: every batch has the size the plan gives, no probe, no pace', async () => {
    await conn.exec(`CREATE TABLE fixed (id int PRIMARY KEY, v int);
      INSERT INTO fixed (id) SELECT g FROM generate_series(1, 3000) g`);
    const p = await prepareBackfill(conn, 'bf-fixed', { table: 'fixed', set: { v: 'id' }, batch: { size: 300 } });
    expect(p.step.batch).toEqual({ size: 300, delayMs: 2 });
    const progress = progressOf(await runBackfill(p));
    expect(new Set(progress.map((s) => s.batchSize))).toEqual(new Set([300]));
    expect(progress.every((s) => s.pace === undefined)).toBe(true);
    expect((await p.store.events('bf-fixed')).filter((e) => e.kind === 'pace')).toEqual([]);
    expect((await stepRow(p)).pace ?? null).toBeNull();
    expect(
      await one(conn, "SELECT count(*)::int AS n FROM schemashift.pace_probes WHERE plan_name = 'bf-fixed'"),
    ).toEqual({ n: 0 });
  }, 60_000);
});
