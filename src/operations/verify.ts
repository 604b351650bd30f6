/**
 * `verify`: before contract removes the old path, prove that every row's new columns hold what the
 * old ones say they should. The runner walks the key in chunks like a backfill (the same bound on
 * the key's index), and compares each chunk in one read-only statement on the server; mismatching
 * key ranges and a sample of keys are recorded, and the step fails (so contract cannot start) while
 * any row differs.
 */
import { z } from 'zod';
import type { Dialect } from '../dialects/dialect.js';
import { identifier, qualifiedName, sqlCondition, sqlExpression } from '../plan/primitives.js';
import { batchSchemaWith, throttleSchema, type BackfillArgs } from './backfill.js';
import { boundSql, keyIdent, keyRangeConditions, PRIMARY_KEY_PLACEHOLDER, wrapSql } from './backfill-batch-sql.js';
import { defineOperation, type Phase, type VerifyStep } from './types.js';

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
      .describe('new column: SQL expression over the old columns that it must equal, e.g. { customer_id: client_id }; NULL equals NULL.'),
    where: sqlCondition.optional().describe('Only rows matching this condition are compared.'),
    key: z.array(identifier).min(1).optional().describe('Keyset columns, unique and NOT NULL together (default: the primary key, found at run time).'),
    batch: batchSchemaWith(VERIFY_BATCH_DEFAULTS).prefault({}),
    throttle: throttleSchema.prefault({}),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (Object.keys(spec.compare).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['compare'], message: '`compare` names no column', params: { hint: 'write compare: { customer_id: client_id } (new column: expression over the old ones)' } });
    }
    if (spec.batch.workers !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['batch', 'workers'], message: 'a verify reads one chunk at a time: `batch.workers` is for backfills', params: { hint: 'remove `workers`; raise `batch.size` to read more rows per chunk' } });
    }
  });

export type VerifySpec = z.output<typeof verifySchema>;

/** A backfill's arguments, with `compare` (new column → what it must equal) for `set`. */
export type VerifyArgs = Omit<BackfillArgs, 'set'> & { compare: Record<string, string> };

export interface VerifyStatements {
  /** The first chunk: `$1` the size. */
  first: string;
  /** A later chunk: `$1..$k` the last key compared, `$k+1` the size. */
  next: string;
}

/** True for a row whose new columns differ from what the old ones give. */
function differs(d: Dialect, compare: Record<string, string>): string {
  const each = Object.entries(compare).map(([column, expression]) => `${d.ident(column)} IS DISTINCT FROM ${wrapSql(expression)}`);
  return each.length === 1 ? (each[0] as string) : `(${each.join(' OR ')})`;
}

/**
 * One chunk in one statement: `b` is the chunk's bound, the size-th key after the last one compared
 * (the backfill's walk of the key's index, in the key's own types); then the rows of that key range
 * (an index range scan) and how many differ; only when some do (the sub-selects run on first use,
 * so a clean chunk is one pass over its range), the first SAMPLE_KEYS of those and the last one,
 * keys as arrays of text in key order. It returns the bound as text `k1…`, or no row at the end.
 */
function chunkSql(d: Dialect, args: Pick<VerifyArgs, 'table' | 'compare' | 'where'>, key: string[], afterKey: boolean): string {
  const t = d.qualified(args.table);
  const cols = key.map((k) => keyIdent(d, k));
  const upper = key.map((_, i) => `b.k${i + 1}`);
  const bad = differs(d, args.compare);
  const rows = `FROM ${t} WHERE ${keyRangeConditions(d, args, key, afterKey, upper).join(' AND ')}`;
  const keysOf = (order: string, limit: number) =>
    `(SELECT array_agg(ARRAY[${cols.map((c) => `s.${c}::text`).join(', ')}] ORDER BY ${cols.map((c) => `s.${c}${order}`).join(', ')}) FROM (SELECT ${cols.map((c) => `${t}.${c}`).join(', ')} ${rows} AND ${bad} ORDER BY ${cols.map((c) => `${t}.${c}${order}`).join(', ')} LIMIT ${limit}) s)`;
  return [
    `WITH b AS MATERIALIZED (${boundSql(d, args, key, afterKey, false)})`,
    `SELECT ${upper.map((u, i) => `${u}::text AS k${i + 1}`).join(', ')}, c.rows, c.mismatches,`,
    `CASE WHEN c.mismatches > 0 THEN ${keysOf('', SAMPLE_KEYS)} END AS sample,`,
    `CASE WHEN c.mismatches > 0 THEN ${keysOf(' DESC', 1)} END AS last_mismatch`,
    `FROM b CROSS JOIN LATERAL (SELECT count(*) AS rows, count(*) FILTER (WHERE ${bad}) AS mismatches ${rows}) c`,
  ].join('\n');
}

export function verifyStatements(d: Dialect, args: Pick<VerifyArgs, 'table' | 'compare' | 'where'>, key: string[]): VerifyStatements {
  return { first: chunkSql(d, args, key, false), next: chunkSql(d, args, key, true) };
}

/** What `plan` shows and the runner announces: a later chunk's statement. */
export function chunkShape(statements: VerifyStatements): string {
  return statements.next;
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
    chunkSql: chunkShape(verifyStatements(d, args, args.key ?? [PRIMARY_KEY_PLACEHOLDER])),
    lock: { level: 'ACCESS SHARE', on: [args.table] },
  };
  if (args.where !== undefined) step.where = args.where;
  if (args.key !== undefined) step.key = args.key;
  return step;
}

/**
 * The verify step of a composite operation's migrate phase: the key and throttles of its backfill,
 * the verify's own chunk size (the backfill's batches are sized for writes).
 */
export function verifyAfterBackfill(d: Dialect, table: string, compare: Record<string, string>, backfill: Pick<VerifyArgs, 'key' | 'throttle'>, id: string): VerifyStep {
  const batch = { size: VERIFY_BATCH_DEFAULTS.size, delayMs: VERIFY_BATCH_DEFAULTS.delayMs, targetMs: VERIFY_BATCH_DEFAULTS.targetMs };
  return verifyStep(d, { table, compare, key: backfill.key, throttle: backfill.throttle, batch }, id, 'migrate');
}

export const verify = defineOperation<VerifySpec>({
  kind: 'verify',
  description:
    'Compare new columns with the old values they must equal, in read-only keyset chunks (throttled, checkpointed, resumable); the step fails, and contract cannot start, while any row differs. Undoing it does nothing.',
  schema: verifySchema,
  allowedPhases: ['expand', 'migrate'],
  target: (spec) => `${spec.table}.${Object.keys(spec.compare).join(',')}`,
  forward: (spec, ctx) => [verifyStep(ctx.dialect, spec, ctx.id, ctx.phase)],
  inverse: () => ({ steps: [] }),
});
