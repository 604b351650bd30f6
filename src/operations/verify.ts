/**
 * `verify`: before contract removes the old path, prove that every row's new columns hold what the
 * old ones say they should. The runner walks the key in chunks like a backfill (the same bound on
 * the key's index), and compares each chunk in one read-only statement on the server; mismatching
 * key ranges and a sample of keys are recorded, and the step fails (so contract cannot start) while
 * any row differs.
 */
import { z } from 'zod';
import type { Dialect } from '../dialects/dialect.js';
import { UsageError } from '../errors.js';
import { identifier, qualifiedName, sqlCondition, sqlExpression } from '../plan/primitives.js';
import { batchSchemaWith, throttleSchema, type BackfillArgs } from './backfill.js';
import { PRIMARY_KEY_PLACEHOLDER, type CompareInput, type VerifyStatements } from '../dialects/backfill.js';
import { defineOperation, type LockLevel, type Phase, type VerifyStep } from './types.js';

/**
 * A chunk only reads (its snapshot lasts one statement, and it blocks no writer), so chunks are
 * larger than a backfill's batches and grow toward a target time: 20,000 rows to start (an index
 * range of that many takes a few milliseconds), then as many as take about 100 ms.
 */
export const VERIFY_BATCH_DEFAULTS = { size: 20_000, delayMs: 0, targetMs: 100 } as const;

/** Mismatching keys kept as a sample per walk (and returned per chunk at most). */
export const SAMPLE_KEYS = 20;

export const verifySchema = z
  .object({
    table: qualifiedName,
    compare: z
      .record(identifier, sqlExpression)
      .describe(
        'new column: SQL expression over the old columns that it must equal, e.g. { customer_id: client_id }; NULL ' +
          'equals NULL.',
      ),
    where: sqlCondition.optional().describe('Only rows matching this condition are compared.'),
    key: z
      .array(identifier)
      .min(1)
      .optional()
      .describe('Keyset columns, unique and NOT NULL together (default: the primary key, found at run time).'),
    batch: batchSchemaWith(VERIFY_BATCH_DEFAULTS).prefault({}).describe('Chunk size and pace.'),
    throttle: throttleSchema.prefault({}).describe('When chunks pause for the database.'),
    on: z
      .enum(['primary', 'replica'])
      .default('primary')
      .describe(
        'Where the chunks are read: `replica` reads them on a `--replica` standby (the first within max_replica_lag, ' +
          "default 5s) once it has replayed the primary's WAL, keeping the primary free; state stays on the primary.",
      ),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (Object.keys(spec.compare).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['compare'],
        message: '`compare` names no column',
        params: { hint: 'write compare: { customer_id: client_id } (new column: expression over the old ones)' },
      });
    }
    if (spec.batch.workers !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['batch', 'workers'],
        message: 'a verify reads one chunk at a time: `batch.workers` is for backfills',
        params: { hint: 'remove `workers`; raise `batch.size` to read more rows per chunk' },
      });
    }
  });

export type VerifySpec = z.output<typeof verifySchema>;

/** A backfill's arguments, with `compare` (new column → what it must equal) for `set`. */
export type VerifyArgs = Omit<BackfillArgs, 'set'> & { compare: Record<string, string>; on?: 'primary' | 'replica' };

/** A verify's chunk statements on `key`, as the dialect writes them. */
export function verifyStatements(d: Dialect, args: CompareInput, key: string[]): VerifyStatements {
  return d.backfill.verifyStatements(args, key, SAMPLE_KEYS);
}

/** A dialect that cannot read on a replica stops the plan at compile time, with what to write instead. */
function refuseReplicaReads(d: Dialect): void {
  const reads = d.activity.replicaReads;
  if ('unsupported' in reads)
    throw new UsageError(
      `${d.name} cannot verify on a replica: ${reads.unsupported}`,
      reads.instead,
      'unsupported-action',
    );
}

export function verifyStep(d: Dialect, args: VerifyArgs, id: string, phase: Phase): VerifyStep {
  const columns = Object.entries(args.compare).map(([column, expression]) => `${column} = ${expression}`);
  const step: VerifyStep = {
    id,
    phase,
    kind: 'verify',
    summary: `verify ${args.table}: ${columns.join(', ')}${args.where === undefined ? '' : ` where ${args.where}`}`,
    table: args.table,
    compare: args.compare,
    batch: args.batch,
    throttle: args.throttle,
    chunkSql: d.backfill.chunkShape(verifyStatements(d, args, args.key ?? [PRIMARY_KEY_PLACEHOLDER])),
    lock: {
      level: d.backfill.chunkLockLevel as LockLevel,
      impact: d.lockImpact(d.backfill.chunkLockLevel),
      on: [args.table],
    },
  };
  if (args.where !== undefined) step.where = args.where;
  if (args.key !== undefined) step.key = args.key;
  if (args.on === 'replica') {
    refuseReplicaReads(d);
    step.on = 'replica';
    step.summary += ' (read on a replica)';
  }
  return step;
}

/**
 * The verify step of a composite operation's migrate phase: the key and throttles of its backfill,
 * the verify's own chunk size (the backfill's batches are sized for writes).
 */
export function verifyAfterBackfill(
  d: Dialect,
  table: string,
  compare: Record<string, string>,
  backfill: Pick<VerifyArgs, 'key' | 'throttle'>,
  id: string,
): VerifyStep {
  const batch = {
    size: VERIFY_BATCH_DEFAULTS.size,
    delayMs: VERIFY_BATCH_DEFAULTS.delayMs,
    targetMs: VERIFY_BATCH_DEFAULTS.targetMs,
  };
  return verifyStep(d, { table, compare, key: backfill.key, throttle: backfill.throttle, batch }, id, 'migrate');
}

export const verify = defineOperation<VerifySpec>({
  kind: 'verify',
  description:
    'Compare new columns with the old values they must equal, in read-only keyset chunks (throttled, checkpointed, ' +
    'resumable); the step fails, and contract cannot start, while any row differs. Undoing it does nothing.',
  schema: verifySchema,
  allowedPhases: ['expand', 'migrate'],
  target: (spec) => `${spec.table}.${Object.keys(spec.compare).join(',')}`,
  forward: (spec, ctx) => [verifyStep(ctx.dialect, spec, ctx.id, ctx.phase)],
  inverse: () => ({ steps: [] }),
});
