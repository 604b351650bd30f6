/**
 * Interleaved rounds: round r runs every contender once, each on its own fresh copy of its seed,
 * in an order rotated by one per round, so that a disturbance of the shared machine falls on all of
 * them and none always runs first or last; every run's rows are checked right after it.
 */
import type { Timed } from './contenders.js';
import { wrongRows, type BenchServer, type Copy } from './db.js';

export interface Contender<R extends Timed = Timed> {
  name: string;
  /** The seed database its copy comes from. */
  seed: string;
  run(copy: Copy): Promise<R>;
}

export type Measured<R extends Timed> = R & { copyMs: number; round: number };

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function spread(values: number[]): Spread {
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    runs: values.map((v) => Math.round(v * 10) / 10),
  };
}

export function rotated<T>(list: T[], by: number): T[] {
  const k = list.length === 0 ? 0 : by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

export async function interleavedRounds<R extends Timed>(o: {
  server: BenchServer;
  rounds: number;
  contenders: Contender<R>[];
  say: (text: string) => void;
  describe: (name: string, r: Measured<R>) => string;
}): Promise<Record<string, Measured<R>[]>> {
  const results: Record<string, Measured<R>[]> = Object.fromEntries(o.contenders.map((c) => [c.name, []]));
  for (let round = 1; round <= o.rounds; round++) {
    for (const c of rotated(o.contenders, round - 1)) {
      const copy = await o.server.copy(c.seed);
      try {
        const r = await c.run(copy);
        const wrong = await wrongRows(copy.client);
        if (wrong !== 0) throw new Error(`${c.name} left ${wrong} rows wrong`);
        const measured: Measured<R> = { ...r, copyMs: Math.round(copy.copyMs), round };
        results[c.name]!.push(measured);
        o.say(`  round ${round} ${c.name}: ${o.describe(c.name, measured)}`);
      } finally {
        await copy.drop();
      }
    }
  }
  return results;
}
