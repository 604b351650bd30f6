/**
 * `npm run bench` — the backfill benchmark on the local PostgreSQL (not part of `npm test`).
 *
 *   npm run bench -- [--rows 1000000] [--rounds 3] [--only throughput,impact,scale,verify] [--scale]
 *                    [--scale-rows 1000000,10000000] [--contenders a,b] [--window 10] [--rate 200] [--clients 8] [--workload auto|node]
 *                    [--database URL]
 *
 * Every contender runs on its own fresh copy of one seed database (bench/backfill/db.ts), in
 * --rounds interleaved rounds (order rotated per round); medians and min–max are printed, ratios
 * come from medians. schemashift runs through its CLI (`node bin/schemashift.js run`), timed from
 * spawn to exit, its runner's step time beside.
 * throughput: single UPDATE, server-side keyset loop, a pgroll-style reference, schemashift's
 *   default (no `batch:`), `size: 10000, delay: 0ms` on one connection, `workers: 2`, and
 *   `size: 10000, delay: 0ms, workers: 2`.
 * verify: the verify step (defaults) on a filled copy, in the same rounds as the backfills.
 * impact: per round, one pgbench run (-R 200 -c 8) around each of the default, the pgroll-style
 *   reference and the single UPDATE: latency during the backfill vs before+after it.
 * scale (with --scale): the default and `workers: 2` on 1M and 10M rows, t(10M)/t(1M).
 * Results: printed tables and bench/results/<date>-<rows>.json; the bench's databases are dropped
 * at the end, on Ctrl-C, and (if a killed run left some) at the next start.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { postgres } from '../src/dialects/postgres/postgres-dialect.js';
import { connect } from '../src/db/index.js';
import { benchServer, dropStale, type BenchServer } from './backfill/db.js';
import { impact } from './backfill/impact.js';
import { targetsTable, writeResults, type Target } from './backfill/report.js';
import { scale, SCALE_ROWS } from './backfill/scale.js';
import { ensureBuilt } from './backfill/schemashift-cli.js';
import { SETTINGS, throughput } from './backfill/throughput.js';
import { findPgbench } from './backfill/workload.js';

const THROUGHPUT = ['single_update', 'server_keyset', 'pgroll_reference', ...Object.keys(SETTINGS)];
/** The verify, and the backfills it is compared with. */
const VERIFY = ['verify_default', 'schemashift_default', 'schemashift_size10k_workers2'];

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string', default: 'throughput,impact,scale,verify' },
    scale: { type: 'boolean', default: false },
    contenders: { type: 'string' },
    'scale-rows': { type: 'string', default: SCALE_ROWS.join(',') },
    window: { type: 'string', default: '10' },
    rate: { type: 'string', default: '200' },
    clients: { type: 'string', default: '8' },
    workload: { type: 'string', default: 'auto' },
    database: {
      type: 'string',
      default: process.env.SCHEMASHIFT_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
  },
});

const ROWS = Number(args.rows);
const ROUNDS = Number(args.rounds);
const ONLY = new Set(args.only.split(','));
const controller = new AbortController();
let server: BenchServer | undefined;

const say = (text: string) => void process.stdout.write(`${text}\n`);
const load = () => loadavg().map((l) => Number(l.toFixed(2)));

process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  say('\nCtrl-C: stopping, dropping the bench databases (Ctrl-C again to quit at once)');
  controller.abort();
  void (server?.close() ?? Promise.resolve()).finally(() => process.exit(130));
});

/** schemashift's state tables in a seed, as any first run would create them: no timed run pays for that. */
async function prepareState(url: string): Promise<void> {
  const conn = await connect(url);
  try {
    await postgres.state.openStore(conn).ensureSchema();
  } finally {
    await conn.close();
  }
}

async function machine(s: BenchServer): Promise<Record<string, unknown>> {
  const facts = await s.facts();
  const info = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverageBefore: load(),
    node: process.version,
    postgres: facts,
  };
  say(
    `machine: ${info.cores} cores (${info.cpu}), ${info.memoryGiB} GiB, load ${info.loadAverageBefore.join(' ')}; node ${info.node}`,
  );
  const rest = Object.entries(facts).filter(([k]) => k !== 'server_version');
  say(`PostgreSQL ${facts['server_version']}: ${rest.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return info;
}

async function seed(s: BenchServer, rows: number, filled: boolean): Promise<string> {
  const t = performance.now();
  const name = await s.seed(rows, filled, prepareState);
  say(
    `seed ${rows.toLocaleString('en-US')} rows${filled ? ' (filled)' : ''}: ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  return name;
}

function throughputNames(): string[] {
  const names = new Set([...(ONLY.has('throughput') ? THROUGHPUT : []), ...(ONLY.has('verify') ? VERIFY : [])]);
  const chosen = args.contenders?.split(',');
  return [...THROUGHPUT, 'verify_default'].filter((n) => names.has(n) && (!chosen || chosen.includes(n)));
}

async function main(): Promise<void> {
  const stale = await dropStale(args.database);
  if (stale.length > 0) say(`dropped databases left by an interrupted run: ${stale.join(', ')}`);
  ensureBuilt(say);
  const s = (server = await benchServer(args.database));
  const result: Record<string, unknown> = { date: new Date().toISOString(), rows: ROWS, rounds: ROUNDS };
  result['machine'] = await machine(s);
  const main = await seed(s, ROWS, false);
  const targets: Target[] = [];
  const names = throughputNames();
  if (names.length > 0) {
    const filledSeed = names.includes('verify_default') ? await seed(s, ROWS, true) : null;
    const o = { server: s, seed: main, filledSeed, rounds: ROUNDS, names, signal: controller.signal, say };
    const r = await throughput(o);
    result['throughput'] = r.contenders;
    targets.push(...r.targets);
  }
  if (ONLY.has('impact')) {
    const pgbench = args.workload === 'node' ? null : findPgbench();
    const o = { server: s, seed: main, rows: ROWS, rounds: ROUNDS, windowMs: Number(args.window) * 1000 };
    const r = await impact({
      ...o,
      rate: Number(args.rate),
      clients: Number(args.clients),
      pgbench,
      signal: controller.signal,
      say,
    });
    result['impact'] = { summary: r.summary, runs: r.runs };
    targets.push(...r.targets);
  }
  const scaleRows = args['scale-rows'].split(',').map(Number) as [number, number];
  if (ONLY.has('scale') && (args.scale || ROWS === scaleRows[1])) {
    const seeds: Record<number, string> = {};
    for (const rows of scaleRows) seeds[rows] = rows === ROWS ? main : await seed(s, rows, false);
    const r = await scale({ server: s, rows: scaleRows, seeds, rounds: ROUNDS, signal: controller.signal, say });
    result['scale'] = r.figures;
    targets.push(...r.targets);
  }
  result['targets'] = targets;
  result['loadAverageAfter'] = load();
  say(`\nload average after: ${load().join(' ')}`);
  say(`\n== targets (${ROWS.toLocaleString('en-US')} rows, medians of ${ROUNDS} rounds) ==\n${targetsTable(targets)}`);
  say(`\nresults: ${writeResults(new URL('results/', import.meta.url).pathname, ROWS, result)}`);
}

main()
  .catch((e: unknown) => {
    say(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  })
  .finally(() => server?.close());
