/**
 * `npm run bench` — the backfill benchmark on the local PostgreSQL (not part of `npm test`).
 *
 *   npm run bench -- [--rows 1000000] [--scale] [--only throughput,impact,scale,verify] [--window 20]
 *                    [--rate 200] [--clients 8] [--seed-loop-budget 120] [--reps 1] [--rounds 3] [--database URL] [--keep]
 *                    [--unthrottled size:target_ms:delay_ms[:workers]] [--throttled size:target_ms:delay_ms] [--contenders a,b]
 *                    [--workload auto|node]
 *
 * throughput: schemashift unthrottled (the real runner, 2 workers; and on one connection) vs one
 *   UPDATE of the whole table vs a server-side keyset loop vs the seed's `WHERE id IN (… new IS NULL
 *   LIMIT 1000)` loop, each on its own fresh copy of the same seed.
 * impact: a fixed-rate workload of single-row updates; its latency alone, during one UPDATE of the
 *   whole table, and during schemashift's default backfill.
 * scale: schemashift unthrottled on 1M and 10M rows (with --scale, or when --rows is 10M).
 * verify: the verify step (defaults, and 50k-row chunks) beside the unthrottled backfill, each on a
 *   fresh copy, --rounds interleaved rounds (at least 3), medians and spread (bench/backfill/verify-bench.ts).
 * Results: a printed table and bench/results/<date>-<rows>.json. Its database is dropped at the
 * end, on Ctrl-C, and (if a killed run left one) at the next start.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import {
  prepareState,
  schemashift,
  seedLoop,
  serverKeyset,
  singleUpdate,
  type BatchSpec,
  type SchemashiftResult,
  type Timed,
} from './backfill/contenders.js';
import {
  createBenchDatabase,
  createSeed,
  dropStale,
  dropTable,
  freshTable,
  serverFacts,
  wrongRows,
  type BenchDatabase,
} from './backfill/db.js';
import {
  latencyRow,
  perSecond,
  ratio,
  seconds,
  table,
  targetsTable,
  writeResults,
  type Target,
} from './backfill/report.js';
import { verifyBench } from './backfill/verify-bench.js';
import { findPgbench, startWorkload, statsIn, type LatencyStats } from './backfill/workload.js';

/** The fastest sensible settings found for an unthrottled backfill (see the README's benchmark section). */
export const UNTHROTTLED: BatchSpec = { size: 50_000, delay: '0ms', target_ms: 0, workers: 2 };
/** The same on one connection: what the batches cost without spreading them over the machine's cores. */
const ONE_WORKER: BatchSpec = { size: 50_000, delay: '0ms', target_ms: 0 };

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    scale: { type: 'boolean', default: false },
    only: { type: 'string', default: 'throughput,impact,scale,verify' },
    window: { type: 'string', default: '20' },
    rate: { type: 'string', default: '200' },
    clients: { type: 'string', default: '8' },
    'seed-loop-budget': { type: 'string', default: '120' },
    reps: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    contenders: {
      type: 'string',
      default: 'server_keyset,schemashift_unthrottled,schemashift_one_worker,schemashift_default,seed_loop',
    },
    unthrottled: { type: 'string' },
    throttled: { type: 'string' },
    database: {
      type: 'string',
      default: process.env.SCHEMASHIFT_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
    keep: { type: 'boolean', default: false },
    workload: { type: 'string', default: 'auto' },
  },
});

const ROWS = Number(args.rows);
const ONLY = new Set(args.only.split(','));
/** Throughput contenders besides the single UPDATE (the reference, always run). */
const CONTENDERS = new Set(args.contenders.split(','));
const WINDOW_MS = Number(args.window) * 1000;
const unthrottled: BatchSpec = args.unthrottled ? parseBatch(args.unthrottled) : UNTHROTTLED;
/** The live-impact backfill: the plan defaults (src/operations/backfill.ts) unless `--throttled size:target_ms:delay_ms` tries others. */
const throttled: BatchSpec | null = args.throttled ? parseBatch(args.throttled) : null;
/** pgbench when installed (`--workload node` forces the Node driver). */
const PGBENCH = args.workload === 'node' ? null : findPgbench();
const controller = new AbortController();
let db: BenchDatabase | undefined;
const stops: (() => Promise<unknown>)[] = [];

function parseBatch(text: string): BatchSpec {
  const [size, target, delay, workers] = text.split(':');
  return {
    size: Number(size),
    target_ms: Number(target ?? 0),
    delay: `${Number(delay ?? 0)}ms`,
    ...(workers === undefined ? {} : { workers: Number(workers) }),
  };
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cleanup(): Promise<void> {
  for (const stop of stops.splice(0)) await stop().catch(() => undefined);
  if (db && !args.keep) await db.drop().catch((e: Error) => say(`could not drop ${db?.name}: ${e.message}`));
}

process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  say('\nCtrl-C: stopping, dropping the bench database (Ctrl-C again to quit at once)');
  controller.abort();
  void cleanup().finally(() => process.exit(130));
});

async function machine(): Promise<Record<string, unknown>> {
  const facts = await serverFacts(db!.client);
  const info = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
    node: process.version,
    postgres: facts,
  };
  say(
    `machine: ${info.cores} cores (${info.cpu}), ${info.memoryGiB} GiB, load ${info.loadAverage.join(' ')}; node ${info.node}`,
  );
  say(
    `PostgreSQL ${facts['server_version']}: ${Object.entries(facts)
      .filter(([k]) => k !== 'server_version')
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );
  return info;
}

/** A contender on its own fresh copy of `seed`, checked to leave every row right. */
async function contender<T extends Timed>(
  seed: string,
  name: string,
  run: (t: string) => Promise<T>,
  complete = true,
): Promise<T> {
  const t = `t_${name}`;
  await freshTable(db!.client, seed, t);
  const result = await run(t);
  const wrong = await wrongRows(db!.client, t);
  if (complete && wrong !== 0) throw new Error(`${name} left ${wrong} rows wrong`);
  await dropTable(db!.client, t);
  say(
    `  ${name}: ${seconds(result.ms)} s, ${perSecond(result.rows, result.ms)} rows/s${result.note ? ` (${result.note})` : ''}`,
  );
  return result;
}

const describeRun = (r: SchemashiftResult) =>
  `${r.batches} batches, sizes ${r.sizes.first}→${r.sizes.max} max, step ${seconds(r.stepMs)} s`;

/** The fastest of `reps` runs (the others are kept in `runs`): on a shared machine the minimum is the least disturbed. */
function best<T extends Timed>(runs: T[]): T & { runs: number[] } {
  const fastest = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
  return { ...fastest, runs: runs.map((r) => Math.round(r.ms)) };
}

async function throughput(): Promise<{ rows: Record<string, Timed>; targets: Target[] }> {
  const reps = Number(args.reps);
  say(
    `\n== throughput: ${ROWS.toLocaleString('en-US')} rows, each contender on a fresh copy${reps > 1 ? `, best of ${reps} interleaved runs` : ''} ==`,
  );
  const contenders: Record<string, (t: string) => Promise<Timed>> = {
    single_update: (t) => singleUpdate(db!.client, t),
    server_keyset: (t) => serverKeyset(db!.client, t),
    schemashift_unthrottled: async (t) => {
      const r = await schemashift(db!.url, t, unthrottled, controller.signal);
      return { ...r, note: `${JSON.stringify(unthrottled)}; ${describeRun(r)}` };
    },
    schemashift_one_worker: async (t) => {
      const r = await schemashift(db!.url, t, ONE_WORKER, controller.signal);
      return { ...r, note: `${JSON.stringify(ONE_WORKER)}; ${describeRun(r)}` };
    },
    schemashift_default: async (t) => {
      const r = await schemashift(db!.url, t, null, controller.signal);
      return { ...r, note: `defaults; ${describeRun(r)}` };
    },
  };
  for (const name of Object.keys(contenders))
    if (!CONTENDERS.has(name) && name !== 'single_update') delete contenders[name];
  const runs: Record<string, Timed[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let rep = 0; rep < reps; rep++) {
    for (const [name, run] of Object.entries(contenders)) runs[name]!.push(await contender('bench_seed', name, run));
  }
  const rows: Record<string, Timed> = Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, best(r)]));
  if (CONTENDERS.has('seed_loop'))
    rows['seed_loop'] = await contender(
      'bench_seed',
      'seed_loop',
      (t) => seedLoop(db!.client, t, Number(args['seed-loop-budget']) * 1000),
      false,
    );
  const rate = (r: Timed) => r.rows / r.ms;
  const single = rows['single_update']!;
  const fast = rows['schemashift_unthrottled'] ?? single;
  say(
    `\n${table(
      ['contender', 's', 'rows/s', 'vs single UPDATE'],
      Object.entries(rows).map(([k, r]) => [k, seconds(r.ms), perSecond(r.rows, r.ms), ratio(rate(r) / rate(single))]),
    )}`,
  );
  const vsSingle = rate(fast) / rate(single);
  const vsKeyset = rate(fast) / rate(rows['server_keyset'] ?? fast);
  return {
    rows,
    targets: [
      {
        name: 'unthrottled / single UPDATE (throughput)',
        target: '≥ 1.00×',
        value: ratio(vsSingle),
        met: vsSingle >= 1.0,
      },
      {
        name: 'unthrottled / server keyset (throughput)',
        target: '≥ 0.90×',
        value: ratio(vsKeyset),
        met: vsKeyset >= 0.9,
      },
    ],
  };
}

interface Window extends LatencyStats {
  ms: number;
}

/** Runs `work` with the workload going, from `leadMs` after it starts; latency of the updates due while `work` ran. */
async function underLoad(table: string, work: () => Promise<unknown>, leadMs = 2000, tailMs = 2000): Promise<Window> {
  const workload = startWorkload({
    url: db!.url,
    table,
    rows: ROWS,
    rate: Number(args.rate),
    clients: Number(args.clients),
    pgbench: PGBENCH,
  });
  stops.push(() => workload.stop());
  await sleep(leadMs);
  const from = Date.now();
  await work();
  const to = Date.now();
  await sleep(tailMs);
  stops.pop();
  const result = await workload.stop();
  return { ...statsIn(result, from, to), ms: to - from };
}

async function impact(): Promise<{ tool: string; windows: Record<string, Window>; targets: Target[] }> {
  const tool = PGBENCH
    ? `pgbench -R ${args.rate} -c ${args.clients}`
    : `node driver ${args.rate}/s, ${args.clients} connections`;
  say(`\n== live impact: ${args.rate} single-row updates/s (${tool}), latency from each update's scheduled start ==`);
  // Baseline, then the backfill, on one fresh copy; the single UPDATE on another.
  await freshTable(db!.client, 'bench_seed', 't_live');
  const baseline = await underLoad('t_live', () => sleep(WINDOW_MS));
  say(`  baseline: p99 ${baseline.p99.toFixed(1)} ms`);
  let run: SchemashiftResult | undefined;
  const backfill = await underLoad(
    't_live',
    async () => (run = await schemashift(db!.url, 't_live', throttled, controller.signal)),
  );
  if ((await wrongRows(db!.client, 't_live')) !== 0) throw new Error('the backfill left rows wrong');
  say(
    `  schemashift ${throttled ? JSON.stringify(throttled) : 'default'} backfill: ${seconds(backfill.ms)} s (${run ? describeRun(run) : ''}), p99 ${backfill.p99.toFixed(1)} ms, max ${backfill.max.toFixed(1)} ms`,
  );
  await freshTable(db!.client, 'bench_seed', 't_live');
  const single = await underLoad('t_live', () => db!.client.query('UPDATE t_live SET customer_id = client_id'));
  say(`  single UPDATE: ${seconds(single.ms)} s, p99 ${single.p99.toFixed(1)} ms, max ${single.max.toFixed(1)} ms`);
  await dropTable(db!.client, 't_live');
  const windows = {
    baseline,
    [throttled ? 'schemashift_throttled' : 'schemashift_default']: backfill,
    single_update: single,
  };
  say(
    `\n${table(
      ['window', 's', 'updates', 'p50 ms', 'p99 ms', 'max ms', 'errors'],
      Object.entries(windows).map(([k, w]) => latencyRow(k, w)),
    )}`,
  );
  return {
    tool,
    windows,
    targets: [
      {
        name: 'default backfill: writers p99 / baseline p99',
        target: '≤ 2.00×',
        value: ratio(backfill.p99 / baseline.p99),
        met: backfill.p99 <= 2 * baseline.p99,
      },
      {
        name: 'default backfill: writers max latency',
        target: '≤ 100 ms',
        value: `${backfill.max.toFixed(1)} ms`,
        met: backfill.max <= 100,
      },
      {
        name: 'default backfill: writer errors',
        target: '0',
        value: String(backfill.errors),
        met: backfill.errors === 0,
      },
    ],
  };
}

/** Unthrottled schemashift on 1M and 10M rows; the single UPDATE beside it shows what the server itself does at 10M (checkpoints forced by WAL volume, a table far larger than shared_buffers). */
async function scale(): Promise<{ t: Record<string, Timed>; targets: Target[] }> {
  const [small, large] = [1_000_000, 10_000_000];
  say(
    `\n== scale: schemashift unthrottled on ${small.toLocaleString('en-US')} and ${large.toLocaleString('en-US')} rows (single UPDATE for reference) ==`,
  );
  const t: Record<string, Timed> = {};
  for (const rows of [small, large]) {
    const seed = `bench_seed_${rows}`;
    await createSeed(db!.client, seed, rows);
    t[`schemashift_${rows}`] = await contender(seed, `scale_schemashift_${rows}`, (x) =>
      schemashift(db!.url, x, unthrottled, controller.signal),
    );
    t[`single_update_${rows}`] = await contender(seed, `scale_single_update_${rows}`, (x) =>
      singleUpdate(db!.client, x),
    );
    await dropTable(db!.client, seed);
  }
  const growth = (name: string) => t[`${name}_${large}`]!.ms / t[`${name}_${small}`]!.ms;
  const r = growth('schemashift');
  say(`  t(10M)/t(1M): schemashift ${r.toFixed(2)}, single UPDATE ${growth('single_update').toFixed(2)}`);
  return {
    t,
    targets: [{ name: 't(10M) / t(1M), unthrottled', target: '≤ 10.5', value: r.toFixed(2), met: r <= 10.5 }],
  };
}

async function main(): Promise<void> {
  const stale = await dropStale(args.database);
  if (stale.length > 0) say(`dropped databases left by an interrupted run: ${stale.join(', ')}`);
  db = await createBenchDatabase(args.database);
  const info = await machine();
  say(
    `bench database ${db.name}; ${ROWS.toLocaleString('en-US')} rows; unthrottled settings ${JSON.stringify(unthrottled)}`,
  );
  await createSeed(db.client, 'bench_seed', ROWS);
  // The state tables exist after a database's first run: none of the timed runs should pay for creating them.
  await prepareState(db.url);
  const result: Record<string, unknown> = { date: new Date().toISOString(), rows: ROWS, machine: info, unthrottled };
  const targets: Target[] = [];
  if (ONLY.has('throughput')) {
    const r = await throughput();
    result['throughput'] = r.rows;
    targets.push(...r.targets);
  }
  if (ONLY.has('impact')) {
    const r = await impact();
    result['impact'] = r;
    targets.push(...r.targets);
  }
  if (ONLY.has('scale') && (args.scale || ROWS === 10_000_000)) {
    const r = await scale();
    result['scale'] = r;
    targets.push(...r.targets);
  }
  if (ONLY.has('verify')) {
    const r = await verifyBench({
      client: db.client,
      url: db.url,
      seed: 'bench_seed',
      rounds: Math.max(3, Number(args.rounds)),
      backfill: unthrottled,
      signal: controller.signal,
      say,
    });
    result['verify'] = r.spreads;
    targets.push(...r.targets);
  }
  result['targets'] = targets;
  result['loadAverageAtEnd'] = loadavg().map((l) => Number(l.toFixed(2)));
  say(`\n== targets ==\n${targetsTable(targets)}`);
  say(`\nresults: ${writeResults(new URL('results/', import.meta.url).pathname, ROWS, result)}`);
}

main()
  .catch((e: unknown) => {
    say(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
