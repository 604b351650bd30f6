/**
 * scale: schemashift's default and `batch: { workers: 2 }` on 1M and 10M rows, all four in each of
 * the interleaved rounds; t(10M)/t(1M) from the medians (spawn to exit, and the runner's step).
 */
import type { BenchServer } from './db.js';
import type { Target } from './report.js';
import { interleavedRounds, spread, type Contender, type Spread } from './rounds.js';
import { schemashiftCli, type SchemashiftResult } from './schemashift-cli.js';
import { describeRun, SETTINGS } from './throughput.js';

export const SCALE_ROWS = [1_000_000, 10_000_000] as const;

export interface ScaleOptions {
  server: BenchServer;
  /** The seed database for each of SCALE_ROWS. */
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
  const [small, large] = SCALE_ROWS;
  o.say(
    `\n== scale: ${SETTINGS_COMPARED.join(', ')} on ${small.toLocaleString('en-US')} and ${large.toLocaleString('en-US')} rows, ${o.rounds} interleaved rounds ==`,
  );
  const contenders: Contender<SchemashiftResult>[] = SCALE_ROWS.flatMap((rows) =>
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
      `  ${name}: 1M ${seconds[`${name}_${small}`]!.median.toFixed(2)} s, 10M ${seconds[`${name}_${large}`]!.median.toFixed(2)} s: ` +
        `t(10M)/t(1M) = ${growth[name].wall.toFixed(2)} (runner step alone: ${growth[name].step.toFixed(2)})`,
    );
    targets.push({
      name: `t(10M) / t(1M), ${name} (median, spawn to exit)`,
      target: '≤ 10.5',
      value: growth[name].wall.toFixed(2),
      met: growth[name].wall <= 10.5,
    });
  }
  return { figures: { seconds, stepSeconds, growth, raw }, targets };
}
