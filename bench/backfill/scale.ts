/**
 * scale: schemashift's default and `batch: { workers: 2 }` on 1M and 10M rows, all four in each of
 * the interleaved rounds; t(10M)/t(1M) from the medians (spawn to exit, and the runner's step).
 */
import type { BenchServer } from './db.js';
import type { Target } from './report.js';
import { interleavedRounds, spread, type Contender, type Spread } from './rounds.js';
import { schemashiftCli, type SchemashiftResult } from './schemashift-cli.js';
import { describeRun, SETTINGS } from './throughput.js';

/** The row counts compared (`--scale-rows`, for a quick try on smaller tables). */
export const SCALE_ROWS: [number, number] = [1_000_000, 10_000_000];

export interface ScaleOptions {
  server: BenchServer;
  /** The smaller and the larger row count, and the seed database of each. */
  rows: [number, number];
  seeds: Record<number, string>;
  rounds: number;
  signal: AbortSignal;
  say: (text: string) => void;
}

export interface ScaleFigures {
  seconds: Record<string, Spread>;
  stepSeconds: Record<string, Spread>;
  growth: Record<string, { wall: number; step: number }>;
  raw: Record<string, SchemashiftResult[]>;
}

const SETTINGS_COMPARED = ['schemashift_default', 'schemashift_workers2'];

export async function scale(o: ScaleOptions): Promise<{ figures: ScaleFigures; targets: Target[] }> {
  const [small, large] = o.rows;
  const label = (rows: number) => (rows % 1_000_000 === 0 ? `${rows / 1_000_000}M` : `${rows / 1000}k`);
  const growthOf = `t(${label(large)})/t(${label(small)})`;
  const limit = 1.05 * (large / small);
  o.say(
    `\n== scale: ${SETTINGS_COMPARED.join(', ')} on ${small.toLocaleString('en-US')} and ${large.toLocaleString('en-US')} rows, ${o.rounds} interleaved rounds ==`,
  );
  const contenders: Contender<SchemashiftResult>[] = o.rows.flatMap((rows) =>
    SETTINGS_COMPARED.map((name) => ({
      name: `${name}_${rows}`,
      seed: o.seeds[rows]!,
      run: (c) => schemashiftCli(c.client, c.url, 'backfill', SETTINGS[name] ?? null, o.signal),
    })),
  );
  const raw = await interleavedRounds({
    server: o.server,
    rounds: o.rounds,
    contenders,
    say: o.say,
    describe: (_, r) => describeRun(r),
  });
  const seconds = Object.fromEntries(Object.entries(raw).map(([k, r]) => [k, spread(r.map((x) => x.ms / 1000))]));
  const stepSeconds = Object.fromEntries(
    Object.entries(raw).map(([k, r]) => [k, spread(r.map((x) => x.stepMs / 1000))]),
  );
  const growth: ScaleFigures['growth'] = {};
  const targets: Target[] = [];
  for (const name of SETTINGS_COMPARED) {
    const ratioOf = (s: Record<string, Spread>) => s[`${name}_${large}`]!.median / s[`${name}_${small}`]!.median;
    growth[name] = { wall: ratioOf(seconds), step: ratioOf(stepSeconds) };
    o.say(
      `  ${name}: ${label(small)} ${seconds[`${name}_${small}`]!.median.toFixed(2)} s, ${label(large)} ${seconds[`${name}_${large}`]!.median.toFixed(2)} s: ` +
        `${growthOf} = ${growth[name].wall.toFixed(2)} (runner step alone: ${growth[name].step.toFixed(2)})`,
    );
    targets.push({
      name: `${growthOf}, ${name} (median, spawn to exit)`,
      target: `≤ ${limit.toFixed(1)}`,
      value: `${growth[name].wall.toFixed(2)} (step alone ${growth[name].step.toFixed(2)})`,
      met: growth[name].wall <= limit,
    });
  }
  return { figures: { seconds, stepSeconds, growth, raw }, targets };
}
