/**
 * The ways to fill `customer_id = client_id` on a whole table that the benchmark compares. Each
 * gets its own fresh copy of the seed and returns its wall time; schemashift goes through the real
 * runner (runPlan, the code path of `schemashift run`), everything else is plain SQL.
 */
import pg from 'pg';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { stringify } from 'yaml';
import { connect } from '../../src/db/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import type { RunnerEvent } from '../../src/runner/events.js';
import { runPlan } from '../../src/runner/run-plan.js';

export interface Timed {
  ms: number;
  rows: number;
  /** Anything worth printing beside the figure (batches, why it stopped). */
  note?: string;
}

export async function singleUpdate(c: pg.Client, table: string): Promise<Timed> {
  const t = performance.now();
  const r = await c.query(`UPDATE ${table} SET customer_id = client_id`);
  return { ms: performance.now() - t, rows: r.rowCount ?? 0 };
}

/** A PL/pgSQL procedure walking the dense integer key in ranges of `step`, one COMMIT per range. */
export async function serverKeyset(c: pg.Client, table: string, step = 10_000): Promise<Timed> {
  await c.query(`CREATE OR REPLACE PROCEDURE bench_keyset(step bigint) LANGUAGE plpgsql AS $$
    DECLARE lo bigint; hi bigint;
    BEGIN
      SELECT min(id) - 1, max(id) INTO lo, hi FROM ${table};
      WHILE lo < hi LOOP
        UPDATE ${table} SET customer_id = client_id WHERE id > lo AND id <= lo + step;
        lo := lo + step;
        COMMIT;
      END LOOP;
    END $$`);
  const t = performance.now();
  await c.query('CALL bench_keyset($1)', [step]);
  const ms = performance.now() - t;
  await c.query('DROP PROCEDURE bench_keyset');
  return { ms, rows: await countFilled(c, table), note: `ranges of ${step}` };
}

/** The seed's loop: 1000 rows WHERE new IS NULL at a time, from the client, until none is left (or `budgetMs` is spent). */
export async function seedLoop(c: pg.Client, table: string, budgetMs: number): Promise<Timed> {
  const t = performance.now();
  let rows = 0;
  let batches = 0;
  for (;;) {
    const r = await c.query(
      `UPDATE ${table} SET customer_id = client_id WHERE id IN (SELECT id FROM ${table} WHERE customer_id IS NULL LIMIT 1000)`,
    );
    if (!r.rowCount) break;
    rows += r.rowCount;
    batches++;
    if (performance.now() - t > budgetMs)
      return {
        ms: performance.now() - t,
        rows,
        note: `stopped after ${Math.round(budgetMs / 1000)}s budget, ${batches} batches`,
      };
  }
  return { ms: performance.now() - t, rows, note: `${batches} batches` };
}

async function countFilled(c: pg.Client, table: string): Promise<number> {
  return Number((await c.query<{ n: string }>(`SELECT count(customer_id) AS n FROM ${table}`)).rows[0]?.n);
}

export interface BatchSpec {
  size: number;
  delay: string;
  target_ms: number;
  workers?: number;
}

export interface SchemashiftResult extends Timed {
  /** The backfill step alone, as it recorded it (the rest: plan lock, state tables, key lookup, estimate). */
  stepMs: number;
  batches: number;
  /** Batch sizes seen in progress events: first, largest, last. */
  sizes: { first: number; max: number; last: number };
}

let planCount = 0;

/** Creates schemashift's state tables in the bench database, as any first run would. */
export async function prepareState(url: string): Promise<void> {
  const conn = await connect(url);
  try {
    await postgres.state.openStore(conn).ensureSchema();
  } finally {
    await conn.close();
  }
}

/** One plan with one migrate step, run by runPlan on its own connection as `schemashift run --yes` does; `doneKind` names the event its step records at the end. */
async function runOneStep<D extends { ms: number; batches: number }>(
  url: string,
  name: string,
  entry: Record<string, unknown>,
  doneKind: string,
  signal: AbortSignal,
): Promise<{ ms: number; data: D; sizes: number[] }> {
  const plan = compilePlan(
    await parsePlan(
      `${name}.yaml`,
      stringify({ name, settings: { lock_timeout: '5s' }, phases: { migrate: [entry] } }),
    ),
  );
  const conn = await connect(url, { applicationName: `schemashift ${name}` });
  const sizes: number[] = [];
  const listener = (e: RunnerEvent) => {
    if (e.type === 'progress' && e.progress.waiting === undefined) sizes.push(e.progress.batchSize);
  };
  try {
    const t = performance.now();
    const outcome = await runPlan(conn, plan, {
      mode: 'run',
      acceptDrift: false,
      answers: { yes: true },
      emit: listener,
      signal,
      command: (verb) => `schemashift ${verb}`,
    });
    const ms = performance.now() - t;
    if (outcome.kind !== 'done') throw new Error(`schemashift run ended ${outcome.kind}: ${JSON.stringify(outcome)}`);
    const done = await conn.query<{ data: D }>(
      'SELECT data FROM schemashift.events WHERE plan_name = $1 AND kind = $2 ORDER BY id DESC LIMIT 1',
      [name, doneKind],
    );
    const data = done.rows[0]?.data;
    if (!data) throw new Error(`the step recorded no ${doneKind} event`);
    return { ms, data, sizes };
  } finally {
    await conn.close();
  }
}

const sizesOf = (sizes: number[]) => ({ first: sizes[0] ?? 0, max: Math.max(0, ...sizes), last: sizes.at(-1) ?? 0 });

/** One plan with one backfill step, run by runPlan on its own connection, as `schemashift run --yes` does. */
export async function schemashift(
  url: string,
  table: string,
  batch: BatchSpec | null,
  signal: AbortSignal,
): Promise<SchemashiftResult> {
  const spec: Record<string, unknown> = { table, set: { customer_id: 'client_id' } };
  if (batch) spec['batch'] = batch;
  const { ms, data, sizes } = await runOneStep<{ rowsDone: number; batches: number; ms: number }>(
    url,
    `bench-${table}-${++planCount}`,
    { backfill: spec },
    'backfill-done',
    signal,
  );
  return { ms, rows: data.rowsDone, stepMs: data.ms, batches: data.batches, sizes: sizesOf(sizes) };
}

/** One plan with one verify step comparing the filled column with its source (none differs: the walk goes to the end). */
export async function schemashiftVerify(
  url: string,
  table: string,
  batch: BatchSpec | null,
  signal: AbortSignal,
): Promise<SchemashiftResult> {
  const spec: Record<string, unknown> = { table, compare: { customer_id: 'client_id' } };
  if (batch) spec['batch'] = batch;
  const { ms, data, sizes } = await runOneStep<{ rowsDone: number; batches: number; ms: number }>(
    url,
    `bench-${table}-${++planCount}`,
    { verify: spec },
    'verify-done',
    signal,
  );
  return { ms, rows: data.rowsDone, stepMs: data.ms, batches: data.batches, sizes: sizesOf(sizes) };
}
