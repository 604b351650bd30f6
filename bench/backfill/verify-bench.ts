/**
 * `--only verify`: the verify step beside the unthrottled backfill, on the same seed. Each contender
 * runs on its own fresh copy (the verify's already filled, as a backfill leaves it), rounds
 * interleaved so that a disturbance of the shared machine falls on all of them; medians and the
 * spread (min–max) are reported, and the target is the ratio of the medians.
 */
import type pg from 'pg';
import { schemashift, schemashiftVerify, type BatchSpec, type SchemashiftResult } from './contenders.js';
import { dropTable, freshTable, wrongRows } from './db.js';
import { perSecond, seconds, table, type Target } from './report.js';

export interface VerifyBenchOptions {
  client: pg.Client;
  url: string;
  seed: string;
  rounds: number;
  /** The backfill's fastest settings (bench/backfill.ts UNTHROTTLED). */
  backfill: BatchSpec;
  signal: AbortSignal;
  say: (text: string) => void;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
  /** The step alone, as it recorded it, per run (the rest is the run's fixed cost: plan lock, state rows, key lookup). */
  stepRuns: number[];
  rows: number;
  batches: number;
}

function spread(results: SchemashiftResult[]): Spread {
  const runs = results.map((r) => Math.round(r.ms));
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : Math.round(((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2);
  return {
    median,
    min: sorted[0] as number,
    max: sorted.at(-1) as number,
    runs,
    stepRuns: results.map((r) => Math.round(r.stepMs)),
    rows: results[0]?.rows ?? 0,
    batches: results[0]?.batches ?? 0,
  };
}

/** The contenders: the backfill as the reference, the verify with its defaults, and with 50,000-row chunks. */
function contenders(
  o: VerifyBenchOptions,
): Record<string, { filled: boolean; run: (t: string) => Promise<SchemashiftResult> }> {
  return {
    backfill_unthrottled: { filled: false, run: (t) => schemashift(o.url, t, o.backfill, o.signal) },
    verify_default: { filled: true, run: (t) => schemashiftVerify(o.url, t, null, o.signal) },
    verify_50k_chunks: {
      filled: true,
      run: (t) => schemashiftVerify(o.url, t, { size: 50_000, delay: '0ms', target_ms: 0 }, o.signal),
    },
  };
}

export async function verifyBench(
  o: VerifyBenchOptions,
): Promise<{ spreads: Record<string, Spread>; targets: Target[] }> {
  o.say(`\n== verify: ${o.rounds} interleaved rounds, each contender on a fresh copy; medians and spread ==`);
  const all = contenders(o);
  const results: Record<string, SchemashiftResult[]> = Object.fromEntries(Object.keys(all).map((k) => [k, []]));
  for (let round = 1; round <= o.rounds; round++) {
    for (const [name, c] of Object.entries(all)) {
      const t = `t_${name}`;
      await freshTable(o.client, o.seed, t, c.filled);
      const r = await c.run(t);
      if ((await wrongRows(o.client, t)) !== 0) throw new Error(`${name} left rows wrong`);
      await dropTable(o.client, t);
      results[name]!.push(r);
      o.say(`  round ${round} ${name}: ${seconds(r.ms)} s (step ${seconds(r.stepMs)} s, ${r.batches} batches)`);
    }
  }
  const spreads = Object.fromEntries(Object.entries(results).map(([k, r]) => [k, spread(r)]));
  const reference = spreads['backfill_unthrottled']!.median;
  o.say(
    `\n${table(
      ['contender', 'median s', 'min s', 'max s', 'rows/s', 'vs backfill'],
      Object.entries(spreads).map(([k, s]) => [
        k,
        seconds(s.median),
        seconds(s.min),
        seconds(s.max),
        perSecond(s.rows, s.median),
        `${((s.median / reference) * 100).toFixed(0)}%`,
      ]),
    )}`,
  );
  const share = spreads['verify_default']!.median / reference;
  return {
    spreads,
    targets: [
      {
        name: 'verify (defaults) / unthrottled backfill (median time)',
        target: '≤ 25%',
        value: `${(share * 100).toFixed(1)}%`,
        met: share <= 0.25,
      },
    ],
  };
}
