/**
 * The verify step through the real runner on PostgreSQL: a clean walk, planted differences that
 * block contract, a fix and a re-run, a pause, a writer going on during the walk, and kill -9.
 */
import pg from 'pg';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { printStatus } from '../../src/cli/status-command.js';
import { connect, type Connection } from '../../src/db/index.js';
import { compilePlan, type CompiledPlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import type { RunnerEvent } from '../../src/runner/events.js';
import { runPlan, type RunOutcome } from '../../src/runner/run-plan.js';
import { stepDefinitions } from '../../src/runner/step-definitions.js';
import { type StepRow } from '../../src/state/store.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { runCli, startCli, writePlan } from './cli-process.js';
import { sleep, waitFor } from './seed.js';

const STEP = 'verify:orders.customer_id';

/** The parts of `status --json` these tests read. */
type StatusJson = { plans: [{ steps: { id: string; verify: { ranges: unknown[]; sample_keys: unknown[] } }[] }] };

async function seed(db: TestDatabase, rows: number): Promise<void> {
  await db.exec(`CREATE TABLE orders (id bigint PRIMARY KEY, client_id bigint, customer_id bigint);
    INSERT INTO orders SELECT g, g % 5000, g % 5000 FROM generate_series(1, ${rows}) g; ANALYZE orders;`);
}

function planYaml(name: string, verify: Record<string, unknown>): string {
  return stringify({
    name,
    settings: { lock_timeout: '2s' },
    phases: {
      migrate: [{ verify: { table: 'orders', compare: { customer_id: 'client_id' }, ...verify } }],
      contract: [{ drop_column: { table: 'orders', column: 'client_id' } }],
    },
  });
}

async function compiled(name: string, verify: Record<string, unknown> = {}): Promise<CompiledPlan> {
  return compilePlan(await parsePlan(`${name}.yaml`, planYaml(name, verify)));
}

function run(
  conn: Connection,
  plan: CompiledPlan,
  events: RunnerEvent[] = [],
  signal = new AbortController().signal,
): Promise<RunOutcome> {
  return runPlan(conn, plan, {
    mode: 'run',
    acceptDrift: false,
    answers: { yes: true },
    emit: (e) => events.push(e),
    signal,
    command: (verb) => `schemashift ${verb}`,
  });
}

async function verifyRow(conn: Connection, plan = 'v'): Promise<StepRow> {
  return (await postgres.state.openStore(conn).getSteps(plan)).find((s) => s.step_id === STEP) as StepRow;
}

async function columnExists(db: TestDatabase, column: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = $2', [
    'orders',
    column,
  ]);
  return rows.length === 1;
}

describe.skipIf(!postgresAdminUrl)('verify step (real PostgreSQL)', () => {
  let db: TestDatabase;
  let conn: Connection;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_verify');
    conn = await connect(db.url!);
  });
  afterEach(async () => {
    await db.exec('DROP TABLE IF EXISTS orders; DROP SCHEMA IF EXISTS schemashift CASCADE');
  });
  afterAll(async () => {
    await conn?.close();
    await db?.close();
  });

  it('all rows match: done, the checkpoint walks to the last key, rows_done = total, contract runs', async () => {
    await seed(db, 10_000);
    const events: RunnerEvent[] = [];
    expect(await run(conn, await compiled('v', { batch: { size: 1000, target_ms: 0 } }), events)).toEqual({
      kind: 'done',
    });
    const row = await verifyRow(conn);
    expect(row).toMatchObject({ status: 'done', rows_done: '10000', rows_total: '10000' });
    expect(row.checkpoint).toMatchObject({
      key: ['id'],
      last: ['10000'],
      batches: 10,
      walk: 1,
      complete: true,
      mismatches: 0,
    });
    const done = events.flatMap((e) => (e.type === 'progress' ? [e.progress.rowsDone] : []));
    expect(done.slice(0, 3)).toEqual([1000, 2000, 3000]);
    expect(await columnExists(db, 'client_id')).toBe(false);
  });

  it('differences in 3 ranges: the step fails with the ranges and sample keys, status shows them, contract does not start; fixed and run again, it passes', async () => {
    await seed(db, 20_000);
    await db.exec(
      'UPDATE orders SET customer_id = -1 WHERE id BETWEEN 101 AND 130 OR id BETWEEN 9001 AND 9003 OR id = 19999',
    );
    const plan = await compiled('v', { batch: { size: 2000, target_ms: 0 } });
    const outcome = await run(conn, plan);
    expect(outcome.kind).toBe('failed');
    const error = outcome.kind === 'failed' ? outcome.error : '';
    expect(error).toContain(`${STEP}: 34 of 20000 rows of orders differ, in 3 key ranges`);
    expect(error).toMatch(/id 101\.\.130: 30 rows\n\s+id 9001\.\.9003: 3 rows\n\s+id 19999: 1 row/);
    expect(error).toContain('sample keys: 101, 102, 103');
    expect(error).toContain(
      "UPDATE orders SET customer_id = client_id WHERE id BETWEEN '9001' AND '9003' AND customer_id IS DISTINCT FROM client_id;",
    );
    expect(await columnExists(db, 'client_id')).toBe(true);
    expect((await postgres.state.openStore(conn).getRun('v'))?.contract_started).toBe(false);

    const io = captureIo();
    await printStatus(conn, { json: false }, io);
    expect(io.stdout()).toMatch(
      /34 rows differ in 3 key ranges:\n\s+id 101\.\.130: 30 rows\n\s+id 9001\.\.9003: 3 rows\n\s+id 19999: 1 row\n\s+sample keys: 101, 102, .*, 120\n/,
    );
    const json = captureIo();
    await printStatus(conn, { json: true }, json);
    const step = (JSON.parse(json.stdout()) as StatusJson).plans[0].steps.find((s) => s.id === STEP);
    expect(step?.verify).toMatchObject({
      walk: 1,
      complete: true,
      mismatches: 34,
      range_count: 3,
      ranges: [
        { first: ['101'], last: ['130'], rows: 30 },
        { first: ['9001'], last: ['9003'], rows: 3 },
        { first: ['19999'], last: ['19999'], rows: 1 },
      ],
    });
    expect(step?.verify.sample_keys).toHaveLength(20);

    // Only one range fixed: the next run walks everything again and still fails, on what is left.
    await db.exec('UPDATE orders SET customer_id = client_id WHERE id BETWEEN 101 AND 130');
    const again = await run(conn, plan);
    expect(again.kind === 'failed' && again.error).toContain('4 of 20000 rows of orders differ, in 2 key ranges');
    expect((await verifyRow(conn)).checkpoint).toMatchObject({
      walk: 2,
      mismatches: 4,
      previous: { walk: 1, mismatches: 34, ranges: 3 },
    });

    await db.exec('UPDATE orders SET customer_id = client_id WHERE customer_id IS DISTINCT FROM client_id');
    expect(await run(conn, plan)).toEqual({ kind: 'done' });
    expect((await verifyRow(conn)).checkpoint).toMatchObject({ walk: 3, complete: true, mismatches: 0, ranges: 0 });
    expect(await db.query('SELECT count(*)::int AS n FROM schemashift.verify_mismatches')).toEqual([{ n: 0 }]);
    expect(await columnExists(db, 'client_id')).toBe(false);
  });

  it('does not pass on a stale result: a row that drifts after a failed walk, outside its ranges, is found by the next run', async () => {
    await seed(db, 5000);
    await db.exec('UPDATE orders SET customer_id = -1 WHERE id = 10');
    const plan = await compiled('v', { batch: { size: 1000, target_ms: 0 } });
    expect((await run(conn, plan)).kind).toBe('failed');
    await db.exec(
      'UPDATE orders SET customer_id = client_id WHERE id = 10; UPDATE orders SET customer_id = -1 WHERE id = 4500',
    );
    const outcome = await run(conn, plan);
    expect(outcome.kind === 'failed' && outcome.error).toMatch(
      /1 of 5000 rows of orders differ, in 1 key range[^]*id 4500: 1 row/,
    );
  });

  it('many ranges: the message and status spell out the first 10, count the rest, and keep a sample of the first 20 keys from all of them', async () => {
    await seed(db, 6000);
    await db.exec('UPDATE orders SET customer_id = -1 WHERE id % 200 = 50 OR id = 51');
    const outcome = await run(conn, await compiled('v', { batch: { size: 100, target_ms: 0 } }));
    const error = outcome.kind === 'failed' ? outcome.error : '';
    expect(error).toContain('31 of 6000 rows of orders differ, in 30 key ranges');
    expect(error).toContain('… and 20 more range(s)');
    const json = captureIo();
    await printStatus(conn, { json: true }, json);
    const step = (JSON.parse(json.stdout()) as StatusJson).plans[0].steps.find((s) => s.id === STEP);
    expect(step?.verify).toMatchObject({ mismatches: 31, range_count: 30 });
    expect(step?.verify.ranges).toHaveLength(10);
    expect(step?.verify.sample_keys).toEqual([
      ['50'],
      ['51'],
      ...Array.from({ length: 18 }, (_, i) => [String(250 + i * 200)]),
    ]);
  });

  it('paused: no chunk runs until resume, then the walk finishes', async () => {
    await seed(db, 5000);
    const plan = await compiled('v', { batch: { size: 500, target_ms: 0 } });
    const store = postgres.state.openStore(conn);
    await store.ensureSchema();
    await store.beginRun(
      { name: 'v', file: plan.plan.file, hash: plan.plan.hash },
      { user: 't', host: 'h', pid: 1 },
      stepDefinitions(plan),
    );
    await store.setRun('v', { paused: true, pause_requested_by: 'tester' });
    const running = run(conn, plan);
    await waitFor(
      'the verify to wait for the pause',
      async () => (await verifyRow(conn)).waiting_on === 'paused by tester',
    );
    await sleep(1200);
    const held = await verifyRow(conn);
    expect(held).toMatchObject({ status: 'running', rows_done: '0' });
    expect(held.checkpoint).toMatchObject({ last: null, batches: 0 });
    await store.setRun('v', { paused: false, pause_requested_by: null });
    expect(await running).toEqual({ kind: 'done' });
    expect(await verifyRow(conn)).toMatchObject({ status: 'done', rows_done: '5000', waiting_on: null });
  }, 30_000);

  it('obeys max_rows_per_second: 4,000 rows at 2,000 rows/s take about 1.5 s or more', async () => {
    await seed(db, 4000);
    const started = Date.now();
    expect(
      await run(conn, await compiled('v', { batch: { size: 500, target_ms: 0, max_rows_per_second: 2000 } })),
    ).toEqual({ kind: 'done' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(await verifyRow(conn)).toMatchObject({ status: 'done', rows_done: '4000' });
  });

  it('a writer changing rows during the walk, kept in step by the rename sync trigger: no false difference', async () => {
    await seed(db, 60_000);
    await db.exec('UPDATE orders SET customer_id = NULL');
    const rename = compilePlan(
      await parsePlan(
        'r.yaml',
        stringify({
          name: 'r',
          phases: {
            expand: [
              {
                rename_column: {
                  table: 'orders',
                  from: 'client_id',
                  to: 'customer_id_v',
                  type: 'bigint',
                  backfill: { batch: { size: 5000, delay: '0ms' } },
                },
              },
            ],
          },
        }),
      ),
    );
    await db.exec('ALTER TABLE orders DROP COLUMN customer_id');
    await runPlan(conn, rename, {
      mode: 'run',
      phase: 'expand',
      acceptDrift: false,
      answers: { yes: true },
      emit: () => undefined,
      signal: new AbortController().signal,
      command: (v) => v,
    });
    expect(await columnExists(db, 'customer_id_v')).toBe(true);
    await db.exec('UPDATE orders SET customer_id_v = client_id');
    const writer = new pg.Client({ connectionString: db.url! });
    await writer.connect();
    let stop = false;
    let writes = 0;
    const writing = (async () => {
      for (let i = 0; !stop; i++) {
        const id = 1 + ((i * 7919) % 60_000);
        await writer.query('UPDATE orders SET client_id = client_id + 1 WHERE id = $1', [id]);
        await writer.query('INSERT INTO orders (id, client_id) VALUES ($1, $2)', [100_000 + i, i]);
        writes += 2;
      }
    })();
    try {
      const verify = compilePlan(
        await parsePlan(
          'w.yaml',
          stringify({
            name: 'w',
            phases: {
              migrate: [
                {
                  verify: {
                    table: 'orders',
                    compare: { customer_id_v: 'client_id' },
                    batch: { size: 500, delay: '5ms', target_ms: 0 },
                  },
                },
              ],
            },
          }),
        ),
      );
      expect(await run(conn, verify)).toEqual({ kind: 'done' });
    } finally {
      stop = true;
      await writing;
      await writer.end();
    }
    expect(writes).toBeGreaterThan(50);
    expect(
      await db.query('SELECT count(*)::int AS n FROM orders WHERE customer_id_v IS DISTINCT FROM client_id'),
    ).toEqual([{ n: 0 }]);
  }, 60_000);
});

describe.skipIf(!postgresAdminUrl)('verify killed with SIGKILL (real PostgreSQL, built CLI)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_verify_kill');
    await seed(db, 200_000);
    await db.exec(
      'UPDATE orders SET customer_id = -1 WHERE id BETWEEN 20001 AND 20010 OR id BETWEEN 150001 AND 150005',
    );
  });
  afterAll(() => db?.close());

  it('kill -9 mid-walk, then run: the walk resumes from its checkpoint and reports exactly the planted differences', async () => {
    const plan = writePlan(planYaml('v', { batch: { size: 1000, delay: '10ms', target_ms: 0 } }));
    for (let kill = 0; kill < 3; kill++) {
      const before = Number(
        (
          await db
            .query<{ n: string }>(
              `SELECT coalesce(max(rows_done), 0) AS n FROM schemashift.steps WHERE step_id = '${STEP}'`,
            )
            .catch(() => [{ n: '0' }])
        )[0]?.n ?? 0,
      );
      const running = startCli(['run', plan, '--yes', '--database', db.url!]);
      await waitFor(
        'the walk to move on',
        async () =>
          Number(
            (
              await db
                .query<{ n: string }>(`SELECT rows_done AS n FROM schemashift.steps WHERE step_id = '${STEP}'`)
                .catch(() => [])
            )[0]?.n ?? 0,
          ) >
          before + 5000,
        30_000,
        5,
      );
      await sleep(Math.round(Math.random() * 30));
      running.child.kill('SIGKILL');
      expect((await running.done).signal).toBe('SIGKILL');
    }
    const [cp] = await db.query<{ checkpoint: { walk: number; complete: boolean; batches: number } }>(
      `SELECT checkpoint FROM schemashift.steps WHERE step_id = '${STEP}'`,
    );
    expect(cp?.checkpoint).toMatchObject({ walk: 1, complete: false });
    const final = await runCli(['run', plan, '--yes', '--database', db.url!]);
    expect(final.code, final.stdout + final.stderr).toBe(1);
    expect(final.stdout + final.stderr).toContain(`${STEP}: 15 of 200000 rows of orders differ, in 2 key ranges`);
    expect(final.stdout + final.stderr).toMatch(/id 20001\.\.20010: 10 rows\n\s+id 150001\.\.150005: 5 rows/);
    const [row] = await db.query<{ rows_done: string; checkpoint: { walk: number; batches: number } }>(
      `SELECT rows_done, checkpoint FROM schemashift.steps WHERE step_id = '${STEP}'`,
    );
    expect(row).toMatchObject({ rows_done: '200000', checkpoint: { walk: 1, batches: 200 } });
    expect(await db.query('SELECT count(*)::int AS n FROM schemashift.verify_mismatches')).toEqual([{ n: 2 }]);
  }, 120_000);
});

describe('verify step on PGlite (one backend: no monitor connection)', () => {
  it('walks and finds a difference the same way', async () => {
    const conn = await connect('pglite://memory');
    try {
      await conn.exec(`CREATE TABLE orders (id bigint PRIMARY KEY, client_id bigint, customer_id bigint);
        INSERT INTO orders SELECT g, g, g FROM generate_series(1, 3000) g; UPDATE orders SET customer_id = NULL WHERE id = 1234; ANALYZE orders;`);
      const plan = await compiled('v', { batch: { size: 500, target_ms: 0 } });
      const outcome = await run(conn, plan);
      expect(outcome.kind === 'failed' && outcome.error).toContain('1 of 3000 rows of orders differ, in 1 key range');
      await conn.exec('UPDATE orders SET customer_id = client_id WHERE id = 1234');
      expect(await run(conn, plan)).toEqual({ kind: 'done' });
      expect((await verifyRow(conn)).checkpoint).toMatchObject({ walk: 2, batches: 6, complete: true });
    } finally {
      await conn.close();
    }
  }, 60_000);
});
