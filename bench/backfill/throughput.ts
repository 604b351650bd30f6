/**
 * throughput (and verify): every contender on its own fresh copy of the same seed, in interleaved
 * rounds; medians and the spread (min–max) per contender, ratios from the medians. schemashift goes
 * through the CLI (schemashift-cli.ts): its time is spawn to exit, its runner's step time beside.
 */
import { serverKeyset, singleUpdate, type Timed } from './contenders.js';
import type { BenchServer, Copy } from './db.js';
import { pgrollReference } from './pgroll-reference.js';
import { ratio, seconds, table, type Target } from './report.js';
import { interleavedRounds, spread, type Contender, type Measured, type Spread } from './rounds.js';
import { schemashiftCli, type BatchSpec, type SchemashiftResult } from './schemashift-cli.js';

/**
 * The fixed settings compared with the default. `delay` defaults to 2ms whenever `size` is given,
 * so the unthrottled ones say `delay: 0ms` explicitly.
 */
export const SETTINGS: Record<string, BatchSpec> = {
  schemashift_default: null,
  schemashift_size10k: { size: 10_000, delay: '0ms' },
  schemashift_workers2: { workers: 2 },
  schemashift_size10k_workers2: { size: 10_000, delay: '0ms', workers: 2 },
};

export interface ContenderFigures {
  seconds: Spread;
  rowsPerSecond: number;
  /** schemashift: the runner's own step time (start event → done event), seconds. */
  stepSeconds?: Spread;
  batch?: BatchSpec;
  raw: Measured<Timed & Partial<SchemashiftResult>>[];
}

export interface ThroughputOptions {
  server: BenchServer;
  seed: string;
  /** The seed with customer_id already filled, for the verify. */
  filledSeed: string | null;
  rounds: number;
  names: string[];
  signal: AbortSignal;
  say: (text: string) => void;
}

type AnyResult = Timed & Partial<SchemashiftResult>;

export function describeRun(r: AnyResult & { copyMs?: number }): string {
  const step =
    r.stepMs === undefined
      ? ''
      : `, start-up ${seconds(r.startupMs ?? 0)} s, runner step ${seconds(r.stepMs)} s, ${r.batches} batches, sizes ${r.sizes?.first}→${r.sizes?.max}`;
  return `${seconds(r.ms)} s${step}${r.note ? ` (${r.note})` : ''}${r.copyMs === undefined ? '' : `; copy ${seconds(r.copyMs)} s`}`;
}

/** Every contender by name: the plain-SQL ones, pgroll's algorithm, schemashift's settings, the verify. */
export function throughputContenders(o: ThroughputOptions): Contender<AnyResult>[] {
  const all: Contender<AnyResult>[] = [
    { name: 'single_update', seed: o.seed, run: (c) => singleUpdate(c.client) },
    { name: 'server_keyset', seed: o.seed, run: (c) => serverKeyset(c.client) },
    { name: 'pgroll_reference', seed: o.seed, run: (c) => pgrollReference(c.client) },
    ...Object.entries(SETTINGS).map(([name, batch]) => ({
      name,
      seed: o.seed,
      run: (c: Copy) => schemashiftCli(c.client, c.url, 'backfill', batch, o.signal),
    })),
  ];
  if (o.filledSeed) {
    const filled = o.filledSeed;
    all.push({
      name: 'verify_default',
      seed: filled,
      run: (c) => schemashiftCli(c.client, c.url, 'verify', null, o.signal),
    });
  }
  return all.filter((c) => o.names.includes(c.name));
}

function figures(name: string, runs: Measured<AnyResult>[]): ContenderFigures {
  const s = spread(runs.map((r) => r.ms / 1000));
  const steps = runs.filter((r) => r.stepMs !== undefined).map((r) => r.stepMs! / 1000);
  return {
    seconds: s,
    rowsPerSecond: Math.round((runs[0]?.rows ?? 0) / s.median),
    ...(steps.length > 0 ? { stepSeconds: spread(steps) } : {}),
    ...(name in SETTINGS ? { batch: SETTINGS[name] ?? null } : {}),
    raw: runs,
  };
}

/** Targets from the medians of spawn-to-exit times; the runner's step alone beside, for what start-up costs. */
function targetsOf(f: Record<string, ContenderFigures>): Target[] {
  const t = (name: string) => f[name]?.seconds.median;
  const targets: Target[] = [];
  const pair = (name: string, wanted: string, a: string, b: string, min: number) => {
    const [ta, tb] = [t(a), t(b)];
    if (ta === undefined || tb === undefined) return;
    const x = tb / ta;
    const step = f[a]?.stepSeconds?.median;
    const value = `${ratio(x)}${step === undefined ? '' : ` (step alone ${ratio(tb / step)})`}`;
    targets.push({ name, target: wanted, value, met: x >= min });
  };
  pair(
    'default faster than pgroll_reference (median time)',
    '> 1.00×',
    'schemashift_default',
    'pgroll_reference',
    1.0000001,
  );
  pair('workers: 2 / single UPDATE (throughput)', '≥ 1.30×', 'schemashift_workers2', 'single_update', 1.3);
  pair(
    'size 10000, delay 0ms, 1 connection / server keyset loop',
    '≥ 0.90×',
    'schemashift_size10k',
    'server_keyset',
    0.9,
  );
  // The verify against the backfill, step against step: each CLI process's start-up (the same for both) would dominate.
  const v = f['verify_default']?.stepSeconds?.median;
  const fast = f['schemashift_size10k_workers2'];
  if (v !== undefined && fast?.stepSeconds) {
    const share = v / fast.stepSeconds.median;
    const wall = t('verify_default')! / fast.seconds.median;
    targets.push({
      name: 'verify (defaults) / backfill size 10000, delay 0ms, workers 2 (median runner step)',
      target: '≤ 25%',
      value: `${(share * 100).toFixed(1)}% (spawn to exit ${(wall * 100).toFixed(0)}%)`,
      met: share <= 0.25,
    });
  }
  return targets;
}

export async function throughput(
  o: ThroughputOptions,
): Promise<{ contenders: Record<string, ContenderFigures>; targets: Target[] }> {
  o.say(`\n== throughput: ${o.rounds} interleaved rounds, each contender on a fresh copy; medians and spread ==`);
  const runs = await interleavedRounds({
    server: o.server,
    rounds: o.rounds,
    contenders: throughputContenders(o),
    say: o.say,
    describe: (_, r) => describeRun(r),
  });
  const f = Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, figures(k, r)]));
  const single = f['single_update']?.seconds.median;
  o.say(
    `\n${table(
      ['contender', 'median s', 'min–max s', 'rows/s', 'runner step s', 'vs single UPDATE'],
      Object.entries(f).map(([k, x]) => [
        k,
        x.seconds.median.toFixed(2),
        `${x.seconds.min.toFixed(2)}–${x.seconds.max.toFixed(2)}`,
        x.rowsPerSecond.toLocaleString('en-US'),
        x.stepSeconds ? x.stepSeconds.median.toFixed(2) : '',
        single === undefined || k.startsWith('verify') ? '' : ratio(single / x.seconds.median),
      ]),
    )}`,
  );
  return { contenders: f, targets: targetsOf(f) };
}
