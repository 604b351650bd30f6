/**
 * impact: the application beside a backfill, within ONE workload run per contender and round
 * (workload.ts: 200 single-row updates/s from pgbench -R, 8 clients): a window before the backfill,
 * the backfill, a window after it. Latency (from each update's scheduled start) of the updates due
 * during the backfill vs those due before and after it; per-round ratios of the p99s and their
 * median. The backfill's window: for schemashift its step's own start and done events (the CLI's
 * start-up and plan lock count as outside), for the others its first statement to its last.
 */
import { singleUpdate, type Timed } from './contenders.js';
import { TABLE, type BenchServer, type Copy } from './db.js';
import { pgrollReference } from './pgroll-reference.js';
import { millis, ratio, table, type Target } from './report.js';
import { interleavedRounds, median, type Contender } from './rounds.js';
import { schemashiftCli } from './schemashift-cli.js';
import { describeRun } from './throughput.js';
import { startWorkload, statsWhere, type LatencyStats } from './workload.js';

export interface ImpactOptions {
  server: BenchServer;
  seed: string;
  rows: number;
  rounds: number;
  /** Each of the windows before and after the backfill. */
  windowMs: number;
  rate: number;
  clients: number;
  pgbench: string | null;
  signal: AbortSignal;
  say: (text: string) => void;
}

export interface ImpactResult extends Timed {
  outside: LatencyStats;
  during: LatencyStats;
  /** p99 during / p99 before and after. */
  p99Ratio: number;
}

/** pgbench connects and settles before the first window starts. */
const WARMUP_MS = 1000;
/** pgbench's log is buffered and SIGINT may lose its last lines: stop it well after the last window. */
const TAIL_MS = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function underOneRun(o: ImpactOptions, copy: Copy, work: () => Promise<Timed>): Promise<ImpactResult> {
  const workload = startWorkload({
    url: copy.url,
    table: TABLE,
    rows: o.rows,
    rate: o.rate,
    clients: o.clients,
    pgbench: o.pgbench,
  });
  try {
    await sleep(WARMUP_MS);
    const before = Date.now();
    await sleep(o.windowMs);
    const started = Date.now();
    const r: Timed & { stepWindow?: { from: number; to: number } } = await work();
    const { from, to } = r.stepWindow ?? { from: started, to: Date.now() };
    await sleep(o.windowMs);
    const after = Date.now();
    await sleep(TAIL_MS);
    const result = await workload.stop();
    const during = statsWhere(result, (due) => due >= from && due <= to);
    const outside = statsWhere(result, (due) => (due >= before && due < from) || (due > to && due <= after));
    return { ...r, during, outside, p99Ratio: during.p99 / outside.p99 };
  } catch (e) {
    await workload.stop().catch(() => undefined);
    throw e;
  }
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const statRow = (label: string, window: string, s: LatencyStats, p99Ratio: string) => [
  label,
  window,
  s.count,
  millis(s.p50),
  millis(s.p99),
  millis(s.max),
  s.errors,
  p99Ratio,
];

export interface ImpactSummary {
  medianP99Ratio: number;
  p99Ratios: number[];
  worstMaxMs: number;
  errors: number;
  medianSeconds: number;
}

function summarize(rs: ImpactResult[]): ImpactSummary {
  return {
    medianP99Ratio: median(rs.map((r) => r.p99Ratio)),
    p99Ratios: rs.map((r) => Number(r.p99Ratio.toFixed(3))),
    worstMaxMs: Math.max(...rs.map((r) => r.during.max)),
    errors: rs.reduce((n, r) => n + r.during.errors, 0),
    medianSeconds: median(rs.map((r) => r.ms / 1000)),
  };
}

export async function impact(o: ImpactOptions): Promise<{
  runs: Record<string, ImpactResult[]>;
  summary: Record<string, ImpactSummary>;
  targets: Target[];
}> {
  o.say(
    `\n== live impact: ${o.rate} single-row updates/s (${o.pgbench ? `pgbench -R ${o.rate} -c ${o.clients}` : 'node driver'}), ` +
      `one run per contender and round: ${o.windowMs / 1000} s before, the backfill, ${o.windowMs / 1000} s after ==`,
  );
  const contenders: Contender<ImpactResult>[] = [
    {
      name: 'schemashift_default',
      seed: o.seed,
      run: (c) => underOneRun(o, c, () => schemashiftCli(c.client, c.url, 'backfill', null, o.signal)),
    },
    { name: 'pgroll_reference', seed: o.seed, run: (c) => underOneRun(o, c, () => pgrollReference(c.client)) },
    { name: 'single_update', seed: o.seed, run: (c) => underOneRun(o, c, () => singleUpdate(c.client)) },
  ];
  const runs = await interleavedRounds({
    server: o.server,
    rounds: o.rounds,
    contenders,
    say: o.say,
    describe: (_, r) =>
      `${describeRun(r)}; p99 ${ms(r.during.p99)} during vs ${ms(r.outside.p99)} outside = ${ratio(r.p99Ratio)}, max ${ms(r.during.max)}, errors ${r.during.errors}`,
  });
  o.say(
    `\n${table(
      ['contender, round', 'window', 'updates', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'p99 ratio'],
      Object.entries(runs).flatMap(([name, rs]) =>
        rs.flatMap((r) => [
          statRow(`${name} r${r.round}`, 'before+after', r.outside, ''),
          statRow('', 'during', r.during, ratio(r.p99Ratio)),
        ]),
      ),
    )}`,
  );
  const summary = Object.fromEntries(Object.entries(runs).map(([k, rs]) => [k, summarize(rs)]));
  for (const [name, x] of Object.entries(summary))
    o.say(
      `  ${name}: median ${x.medianSeconds.toFixed(2)} s, median p99 ratio ${ratio(x.medianP99Ratio)} (${x.p99Ratios.map(ratio).join(', ')}), ` +
        `worst max ${ms(x.worstMaxMs)}, errors ${x.errors}`,
    );
  const { medianP99Ratio: medianRatio, worstMaxMs: worst, errors } = summary['schemashift_default']!;
  return {
    runs,
    summary,
    targets: [
      {
        name: 'default backfill: writers p99 during / before+after (median of rounds)',
        target: '≤ 1.50×',
        value: ratio(medianRatio),
        met: medianRatio <= 1.5,
      },
      {
        name: 'default backfill: writers max latency (all rounds)',
        target: '≤ 100 ms',
        value: ms(worst),
        met: worst <= 100,
      },
      { name: 'default backfill: writer errors (all rounds)', target: '0', value: String(errors), met: errors === 0 },
    ],
  };
}
