import { z } from 'zod';
import type { Dialect } from '../dialects/dialect.js';
import {
  duration,
  identifier,
  positiveInt,
  qualifiedName,
  sqlCondition,
  sqlExpression,
  sqlQuery,
  activeSqlParser,
} from '../plan/primitives.js';
import { PRIMARY_KEY_PLACEHOLDER, type BatchInput } from '../dialects/backfill.js';
import {
  defineOperation,
  type BackfillStep,
  type BatchSettings,
  type LockLevel,
  type Phase,
  type ThrottleSettings,
} from './types.js';

/**
 * What a fixed `batch:` means where a plan gives some of size/delay/target_ms but not all: the
 * settings measured beside 200 single-row updates/s (`npm run bench`) before the adaptive pace.
 */
export const BATCH_DEFAULTS = { size: 100, delayMs: 2, targetMs: 0 } as const;

/**
 * With no size, delay or target_ms at all, a backfill paces itself (backfill-pace.ts): it starts with
 * batches this small and no delay, and grows them while the database's probe commits, lock and WAL
 * waiters and replicas say the application does not feel it.
 */
export const ADAPTIVE_START = { size: 200, delayMs: 0 } as const;

/** The most `batch.workers`: each is a connection (the PostgreSQL driver, driver-pg.ts, sizes its pool for them). */
export const MAX_WORKERS = 8;

interface BatchDefaults {
  size: number;
  delayMs: number;
  targetMs: number;
  /** Whether a `batch:` that sets none of size, delay and target_ms paces itself (backfills; a verify only reads). */
  adaptive?: boolean;
}

function sizing(
  b: { size?: number | undefined; delay?: number | undefined; target_ms?: number | undefined },
  defaults: BatchDefaults,
): Pick<BatchSettings, 'size' | 'delayMs' | 'targetMs' | 'adaptive'> {
  if (defaults.adaptive && b.size === undefined && b.delay === undefined && b.target_ms === undefined)
    return { ...ADAPTIVE_START, adaptive: true as const };
  const targetMs = b.target_ms ?? defaults.targetMs;
  return {
    size: b.size ?? defaults.size,
    delayMs: b.delay ?? defaults.delayMs,
    ...(targetMs === 0 ? {} : { targetMs }),
  };
}

/**
 * The `batch:` settings, with the defaults of the step kind that takes them (a verify reads, so its chunks can be
 * larger).
 */
export function batchSchemaWith(defaults: BatchDefaults) {
  const adaptiveNote = defaults.adaptive
    ? ' Without size, delay and target_ms the backfill paces itself from what the database shows (probe commits, ' +
      'lock and WAL waiters, replica lag, batch time).'
    : '';
  return z
    .object({
      size: positiveInt
        .optional()
        .describe(`Rows per batch (default ${defaults.size}); with target_ms, the size to start from.${adaptiveNote}`),
      delay: duration
        .optional()
        .describe(
          `Pause between batches (default ${defaults.delayMs}ms${defaults.adaptive ? ' when size or target_ms is given' : ''}).`,
        ),
      target_ms: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe(
          'Milliseconds one batch should take: the size adapts to it, between 10 and 20 × size (default 0: the size ' +
            'stays fixed).',
        ),
      max_rows_per_second: positiveInt.optional().describe('A ceiling on rows written per second (default: none).'),
      workers: z
        .number()
        .int()
        .min(1)
        .max(MAX_WORKERS)
        .default(1)
        .describe(
          `Batches run at once, each on its own connection, on disjoint key ranges (default 1, at ` +
            `most ${MAX_WORKERS}). For catching up fast in a quiet window: each worker adds its own load.`,
        ),
    })
    .strict()
    .transform((b): BatchSettings => ({
      ...sizing(b, defaults),
      ...(b.max_rows_per_second === undefined ? {} : { maxRowsPerSecond: b.max_rows_per_second }),
      ...(b.workers === 1 ? {} : { workers: b.workers }),
    }));
}

export const batchSchema = batchSchemaWith({ ...BATCH_DEFAULTS, adaptive: true });

export const throttleSchema = z
  .object({
    max_replica_lag: duration.optional().describe('Pause while a replica lags more than this.'),
    max_lock_waiters: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Pause while more sessions than this wait for a lock on the table.'),
    query: sqlQuery.optional().describe('A query returning one number; batches pause while it is above `above`.'),
    above: z.number().optional().describe('The threshold for `query`.'),
  })
  .strict()
  .superRefine((t, ctx) => {
    if ((t.query === undefined) === (t.above === undefined)) return;
    const [given, missing] = t.query === undefined ? ['above', 'query'] : ['query', 'above'];
    ctx.addIssue({
      code: 'custom',
      path: [given],
      message:
        `throttle \`${given}\` needs \`${missing}\`: ` + `batches pause while the query's value is above the threshold`,
      params: {
        hint: `give both, e.g. query: "${activeSqlParser().lint.recipes.throttleQuery}", above: 5`,
      },
    });
  })
  .transform((t): ThrottleSettings => {
    const out: ThrottleSettings = {};
    if (t.max_replica_lag !== undefined) out.maxReplicaLagMs = t.max_replica_lag;
    if (t.max_lock_waiters !== undefined) out.maxLockWaiters = t.max_lock_waiters;
    if (t.query !== undefined && t.above !== undefined) Object.assign(out, { query: t.query, above: t.above });
    return out;
  });

const optionShape = {
  key: z
    .array(identifier)
    .min(1)
    .optional()
    .describe('Keyset columns, unique and NOT NULL together (default: the primary key, found at run time).'),
  batch: batchSchema.prefault({}).describe('Batch size and pace.'),
  throttle: throttleSchema.prefault({}).describe('When batches pause for the database.'),
};

/** `key`, `batch` and `throttle`: also the `backfill:` settings of rename_column and change_type. */
export const backfillOptionsSchema = z.object(optionShape).strict();

export const backfillSchema = z
  .object({
    table: qualifiedName,
    set: z
      .record(identifier, sqlExpression)
      .describe('column: SQL expression computing its value from the row, e.g. { customer_id: client_id }.'),
    where: sqlCondition.optional().describe('Only rows matching this condition are updated.'),
    ...optionShape,
  })
  .strict()
  .superRefine((spec, ctx) => {
    const columns = Object.keys(spec.set);
    if (columns.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['set'],
        message: '`set` names no column',
        params: { hint: 'write set: { customer_id: client_id } (column: SQL expression)' },
      });
    const moved = columns.find((c) => spec.key?.includes(c));
    if (moved) {
      ctx.addIssue({
        code: 'custom',
        path: ['set', moved],
        message:
          `\`set\` writes ${moved}, a key column: rows would move behind the keyset cursor and be skipped or updated ` +
          `twice`,
        params: { hint: 'use a key the backfill does not change (e.g. the primary key)' },
      });
    }
  });

export type BackfillSpec = z.output<typeof backfillSchema>;

export interface BackfillArgs {
  table: string;
  set: Record<string, string>;
  where?: string | undefined;
  key?: string[] | undefined;
  batch: BatchSettings;
  throttle: ThrottleSettings;
}

/** The statements of a batch after the first, exactly as the runner sends them (key as written, or `<primary key>`). */
export function batchSql(d: Dialect, args: Pick<BackfillArgs, 'table' | 'set' | 'where' | 'key'>): string {
  const input: BatchInput = { table: args.table, set: args.set };
  if (args.where !== undefined) input.where = args.where;
  return d.backfill.batchShape(d.backfill.batchStatements(input, args.key ?? [PRIMARY_KEY_PLACEHOLDER]));
}

/** Kept for callers written before BackfillStep carried `key`. */
export type KeyedBackfillStep = BackfillStep & { key?: string[] };

export function backfillStep(d: Dialect, args: BackfillArgs, id: string, phase: Phase): KeyedBackfillStep {
  const step: KeyedBackfillStep = {
    id,
    phase,
    kind: 'backfill',
    summary: `backfill ${args.table}: set ${Object.keys(args.set).join(', ')}${
      args.where === undefined ? '' : ` where ${args.where}`
    }`,
    table: args.table,
    set: args.set,
    batch: args.batch,
    throttle: args.throttle,
    batchSql: batchSql(d, args),
    lock: {
      level: d.backfill.batchLockLevel as LockLevel,
      impact: d.lockImpact(d.backfill.batchLockLevel),
      on: [args.table],
    },
  };
  if (args.where !== undefined) step.where = args.where;
  if (args.key !== undefined) step.key = args.key;
  return step;
}

export const backfill = defineOperation<BackfillSpec>({
  kind: 'backfill',
  description:
    'Update existing rows in keyset batches (one short transaction each), throttled and resumable. Undoing it does ' +
    'nothing: the values it wrote go with the column when the add_column that created it is undone. A backfill of ' +
    'a column the plan did not add overwrites values no rollback can restore: it is irreversible, and rollback ' +
    'stops before it.',
  schema: backfillSchema,
  allowedPhases: ['expand', 'migrate'],
  target: (spec) => `${spec.table}.${Object.keys(spec.set).join(',')}`,
  forward: (spec, ctx) => [backfillStep(ctx.dialect, spec, ctx.id, ctx.phase)],
  inverse: () => ({ steps: [] }),
});
