/**
 * OpenTelemetry through the CLI on real PostgreSQL: a backfill held by its throttle, then by another session's lock,
 * exported to a local OTLP receiver (metrics and spans); a failing step; Ctrl-C. Needs `npm run build`.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { startOtlpReceiver, type MetricPoint, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { startCli, writePlan } from '../runner/cli-process.js';
import { sleep, waitFor } from '../runner/seed.js';

const BACKFILL_PLAN = `
name: otel-backfill
settings: { lock_timeout: 300ms, lock_retries: 40 }
phases:
  expand:
    - add_column: { table: items, column: { name: w, type: int } }
  migrate:
    - backfill:
        table: items
        set: { w: v * 2 }
        where: w IS NULL
        batch: { size: 100, delay: 50ms }
        throttle: { query: SELECT busy FROM throttle_ctl, above: 0 }
`;
const BACKFILL_STEP = 'backfill:items.w';
const ROWS = 4000;

function sum(points: MetricPoint[]): number {
  return points.reduce((total, p) => total + p.value, 0);
}

function only(points: MetricPoint[], attributes: Record<string, string>): MetricPoint[] {
  return points.filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));
}

function childrenOf(spans: ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] {
  return spans.filter((s) => s.parentSpanId === parent.spanId);
}

describe.skipIf(!postgresAdminUrl)('OpenTelemetry export of a run (real PostgreSQL, OTLP/HTTP JSON)', () => {
  let db: TestDatabase;
  let receiver: OtlpReceiver;
  const clients: pg.Client[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver?.close());
  beforeEach(async () => {
    db = await createPostgresDatabase('schemashift_otel');
    await db.exec(`CREATE TABLE items (id bigint PRIMARY KEY, v int NOT NULL);
      INSERT INTO items SELECT g, g FROM generate_series(1, ${ROWS}) g;
      CREATE TABLE throttle_ctl (busy int NOT NULL); INSERT INTO throttle_ctl VALUES (1);
      ANALYZE items`);
    receiver.points.length = 0;
    receiver.spans.length = 0;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
    await db.close();
  });

  async function client(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: db.url!, application_name: 'test-session' });
    await c.connect();
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  }

  async function eventCount(kind: string): Promise<number> {
    const [table] = await db.query<{ ok: boolean }>("SELECT to_regclass('schemashift.events') IS NOT NULL AS ok");
    if (!table?.ok) return 0;
    const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schemashift.events WHERE kind = $1', [
      kind,
    ]);
    return rows[0]?.n ?? 0;
  }

  const otel = () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_METRIC_EXPORT_INTERVAL: '500' });

  it('exports step outcomes and durations, backfill rows and rate, throttle and lock waits, and the span tree', async () => {
    const plan = writePlan(BACKFILL_PLAN);
    const run = startCli(['run', plan, '--database', db.url!, '--yes'], otel());
    await waitFor('the throttle to hold the backfill', async () => (await eventCount('throttle')) > 0, 30_000);
    const holder = await client();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE items IN SHARE MODE');
    const lockedAt = Date.now();
    await (await client()).query('UPDATE throttle_ctl SET busy = 0');
    await waitFor('a lost lock wait', async () => (await eventCount('retry')) > 0, 30_000);
    await sleep(Math.max(0, 1000 - (Date.now() - lockedAt)));
    await holder.query('COMMIT');
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).not.toContain('telemetry');

    const updated = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE w = v * 2'))[0]!.n;
    expect(updated).toBe(ROWS);
    expect([...receiver.contentTypes]).toEqual(['application/json']);
    expect(receiver.metricRequests).toBeGreaterThanOrEqual(2);
    expect(receiver.resource['service.name']).toBe('schemashift');

    const backfill = { 'schemashift.step': BACKFILL_STEP };
    const steps = receiver.latest('schemashift.steps');
    expect(steps.map((p) => [p.attributes['schemashift.step'], p.attributes['schemashift.outcome'], p.value])).toEqual(
      expect.arrayContaining([
        ['add_column:items.w', 'done', 1],
        [BACKFILL_STEP, 'done', 1],
      ]),
    );
    const [stepPoint] = only(steps, backfill);
    expect(stepPoint!.attributes).toMatchObject({
      'schemashift.plan': 'otel-backfill',
      'schemashift.phase': 'migrate',
      'schemashift.operation': 'backfill',
      'db.system': 'postgresql',
    });
    const durations = only(receiver.latest('schemashift.step.duration'), backfill);
    expect(durations).toHaveLength(1);
    expect(durations[0]!.unit).toBe('s');
    expect(durations[0]!.count).toBe(1);
    // It waited for the throttle and ~1 s behind the lock.
    expect(durations[0]!.value).toBeGreaterThan(1);
    expect(durations[0]!.value).toBeLessThan(result.ms / 1000);

    expect(sum(only(receiver.latest('schemashift.backfill.rows'), backfill))).toBe(updated);
    const rates = receiver.points.filter((p) => p.name === 'schemashift.backfill.rows_per_second');
    // Batches for ~2 s, exports every 1 s (the least OTEL_METRIC_EXPORT_INTERVAL gives): one export saw it running.
    expect(Math.max(...rates.map((p) => p.value))).toBeGreaterThan(0);
    // A finished backfill's rate is 0, not its last rate.
    expect(only(receiver.latest('schemashift.backfill.rows_per_second'), backfill).map((p) => p.value)).toEqual([0]);

    const throttled = only(receiver.latest('schemashift.throttle.waits'), { 'schemashift.reason': 'throttle-query' });
    expect(sum(throttled)).toBeGreaterThanOrEqual(1);
    const held = receiver.latest('schemashift.throttle.wait.duration');
    expect(held[0]!.count).toBeGreaterThanOrEqual(1);
    expect(held[0]!.value).toBeGreaterThan(0);

    expect(sum(only(receiver.latest('schemashift.lock.waits'), backfill))).toBeGreaterThanOrEqual(1);
    const lockWaited = only(receiver.latest('schemashift.lock.wait.duration'), backfill);
    expect(lockWaited[0]!.count).toBeGreaterThanOrEqual(1);
    expect(lockWaited[0]!.value).toBeGreaterThan(0.1);
    const retries = only(receiver.latest('schemashift.lock.retries'), { 'schemashift.reason': 'lock-timeout' });
    expect(sum(retries)).toBeGreaterThanOrEqual(1);
    expect(only(receiver.latest('schemashift.runs'), { 'schemashift.outcome': 'done' })).toHaveLength(1);

    const values = receiver.points.flatMap((p) => Object.values(p.attributes).map(String));
    expect(values.filter((v) => v.includes('://') || /select|update/i.test(v))).toEqual([]);

    const spans = receiver.spans;
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const roots = spans.filter((s) => s.parentSpanId === '');
    expect(roots.map((s) => s.name)).toEqual(['schemashift run otel-backfill']);
    expect(roots[0]!.attributes['schemashift.outcome']).toBe('done');
    const phases = childrenOf(spans, roots[0]!);
    expect(phases.map((s) => s.name).sort()).toEqual(['phase expand', 'phase migrate']);
    const migrate = phases.find((s) => s.name === 'phase migrate')!;
    const [stepSpan] = childrenOf(spans, migrate);
    expect(stepSpan!.name).toBe(`step ${BACKFILL_STEP}`);
    expect(stepSpan!.attributes).toMatchObject({ 'schemashift.outcome': 'done', 'schemashift.operation': 'backfill' });
    expect(stepSpan!.startMs).toBeGreaterThanOrEqual(migrate.startMs);
    expect(stepSpan!.endMs).toBeLessThanOrEqual(migrate.endMs);
    const events = new Set(stepSpan!.events.map((e) => e.name));
    expect([...events]).toEqual(expect.arrayContaining(['throttle-wait', 'throttle-clear', 'lock-wait', 'retry']));
    const expand = phases.find((s) => s.name === 'phase expand')!;
    expect(childrenOf(spans, expand).map((s) => s.name)).toEqual(['step add_column:items.w']);
  });

  it('counts a failing step as failed, with an error status and an exception event on its span', async () => {
    const plan = writePlan(`
name: otel-fail
phases:
  expand:
    - check: { sql: "SELECT count(*) FROM items WHERE v > 0", expect: 0 }
`);
    const result = await startCli(['run', plan, '--database', db.url!, '--yes'], otel()).done;
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const failed = receiver.latest('schemashift.steps');
    expect(failed.map((p) => p.attributes['schemashift.outcome'])).toEqual(['failed']);
    expect(failed[0]!.attributes['schemashift.plan']).toBe('otel-fail');
    expect(only(receiver.latest('schemashift.step.duration'), { 'schemashift.outcome': 'failed' })).toHaveLength(1);
    expect(only(receiver.latest('schemashift.runs'), { 'schemashift.outcome': 'failed' })).toHaveLength(1);
    const step = receiver.spans.find((s) => s.name.startsWith('step '))!;
    expect(step.status.code).toBe(2);
    const exception = step.events.find((e) => e.name === 'exception');
    // The message says which step failed and its class, never the driver's or the check's text (a row's data can be in it).
    expect(exception?.attributes['exception.message']).toBe('step check:items failed: check-failed');
    expect(step.status.message).toBe('step check:items failed: check-failed');
    const root = receiver.spans.find((s) => s.parentSpanId === '')!;
    expect(root.status.code).toBe(2);
  });

  it('exports the run as interrupted when Ctrl-C stops it, and exits 130', async () => {
    const run = startCli(['run', writePlan(BACKFILL_PLAN), '--database', db.url!, '--yes'], otel());
    await waitFor('the throttle to hold the backfill', async () => (await eventCount('throttle')) > 0, 30_000);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).toBe(130);
    expect(only(receiver.latest('schemashift.runs'), { 'schemashift.outcome': 'interrupted' })).toHaveLength(1);
    const root = receiver.spans.find((s) => s.parentSpanId === '')!;
    expect(root.attributes['schemashift.outcome']).toBe('interrupted');
    expect(sum(receiver.latest('schemashift.throttle.waits'))).toBeGreaterThanOrEqual(1);
  });

  it('names the fleet target (never its URL) on every point and run span over --targets', async () => {
    const second = await createPostgresDatabase('schemashift_otel_b');
    try {
      await second.exec('CREATE TABLE items (id bigint PRIMARY KEY, v int NOT NULL)');
      const plan = writePlan(`
name: otel-fleet
phases:
  expand:
    - check: { sql: "SELECT count(*) FROM items WHERE v < 0", expect: 0 }
`);
      const targets = join(dirname(plan), 'targets.yaml');
      writeFileSync(
        targets,
        'targets:\n  - { name: shard-a, url_env: SHARD_A_URL }\n  - { name: shard-b, url_env: SHARD_B_URL }\n',
      );
      const env = { ...otel(), SHARD_A_URL: db.url!, SHARD_B_URL: second.url! };
      const result = await startCli(['run', plan, '--targets', targets, '--yes'], env).done;
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const steps = receiver.latest('schemashift.steps');
      expect(
        steps.map((p) => [p.attributes['schemashift.target'], p.attributes['schemashift.outcome']]).sort(),
      ).toEqual([
        ['shard-a', 'done'],
        ['shard-b', 'done'],
      ]);
      const roots = receiver.spans.filter((s) => s.parentSpanId === '');
      expect(roots.map((s) => s.attributes['schemashift.target']).sort()).toEqual(['shard-a', 'shard-b']);
      const values = [...receiver.points, ...receiver.spans].flatMap((p) => Object.values(p.attributes).map(String));
      expect(values.filter((v) => v.includes('://'))).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('counts the pace changes of an adaptive backfill by what moved them', async () => {
    await db.exec('INSERT INTO items SELECT g, g FROM generate_series(4001, 40000) g; ANALYZE items');
    const plan = writePlan(`
name: otel-adaptive
phases:
  expand:
    - add_column: { table: items, column: { name: w, type: int } }
  migrate:
    - backfill: { table: items, set: { w: v * 2 }, where: w IS NULL }
`);
    const result = await startCli(['run', plan, '--database', db.url!, '--yes'], otel()).done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(sum(receiver.latest('schemashift.backfill.rows'))).toBe(40_000);
    const changes = receiver.latest('schemashift.backfill.pace_changes');
    expect(sum(changes)).toBeGreaterThan(0);
    const signals = ['batch-time', 'probe', 'probe-tail', 'lock-waiters', 'wal-waiters', 'replica-lag', 'calm'];
    for (const p of changes) expect(signals).toContain(p.attributes['schemashift.reason']);
  });
});
