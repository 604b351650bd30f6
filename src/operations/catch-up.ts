/**
 * catch_up (migrate): wait until green has copied every table and follows blue within `max_lag`,
 * then (verify) compare the tables chunk by chunk while writes keep flowing on blue.
 */
import { z } from 'zod';
import { duration, positiveInt } from '../plan/primitives.js';
import { exactDuration, refuseWithoutReplication, replicationStep } from './replication-step.js';
import { defineOperation } from './types.js';

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

export const byteSize = z
  .union([z.string(), z.number().int().min(0)])
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const match = /^\s*(\d+)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
    if (!match) {
      ctx.addIssue({
        code: 'custom',
        message: `\`${value}\` is not a size`,
        params: { hint: 'write a size such as 16MB, 512kB or 1GB' },
      });
      return z.NEVER;
    }
    return Number(match[1]) * (UNITS[(match[2] ?? 'b').toLowerCase()] ?? 1);
  })
  .describe('A size in bytes: 16MB, 512kB, 1GB, or a number of bytes.');

export const catchUpSchema = z
  .object({
    max_lag: byteSize.default(16 * 1024 ** 2).describe("How far green's slot may trail blue's WAL, e.g. 16MB."),
    timeout: duration.default(3_600_000).describe('How long to wait for green before the step fails.'),
    verify: z.boolean().default(true).describe('Compare every table chunk by chunk once green has caught up.'),
    chunk: positiveInt.default(10000).describe('Rows per compared chunk.'),
    rechecks: z.number().int().min(0).default(5).describe('How often a differing chunk is compared again.'),
  })
  .strict()
  .describe('Blue/green: wait until green has caught up with blue, then verify the tables.');

export type CatchUpSpec = z.output<typeof catchUpSchema>;

function formatBytes(bytes: number): string {
  const unit = (['GB', 'MB', 'kB'] as const).find(
    (u) => bytes >= UNITS[u.toLowerCase()]! && bytes % UNITS[u.toLowerCase()]! === 0,
  );
  return unit ? `${bytes / UNITS[unit.toLowerCase()]!}${unit}` : `${bytes} bytes`;
}

export const catchUp = defineOperation<CatchUpSpec>({
  kind: 'catch_up',
  description: 'Blue/green: wait until green has caught up with blue (lag ≤ max_lag), then verify the tables.',
  schema: catchUpSchema,
  allowedPhases: ['migrate'],
  target: () => 'blue-green',
  forward: (spec, ctx) => {
    refuseWithoutReplication(ctx, 'catch_up');
    const lag = formatBytes(spec.max_lag);
    const actions = [
      `wait (at most ${exactDuration(spec.timeout)}) until every table is ready on green and the slot trails blue by ≤ ${lag}; an apply error fails it`,
      spec.verify
        ? `compare every table in chunks of ${spec.chunk} rows (a differing chunk compared again up to ${spec.rechecks} times)`
        : 'no verification (verify: false)',
    ];
    const summary = `green catches up with blue (lag ≤ ${lag})${spec.verify ? ', tables verified' : ''}`;
    const catchUpSettings = {
      maxLagBytes: spec.max_lag,
      timeoutMs: spec.timeout,
      verify: spec.verify,
      chunk: spec.chunk,
      rechecks: spec.rechecks,
    };
    return [replicationStep(ctx, 'catch_up', summary, actions, { catchUp: catchUpSettings })];
  },
  inverse: () => ({ steps: [] }),
});
