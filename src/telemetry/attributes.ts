/**
 * The attributes every metric point and span of a run carries. Only names chosen by the plan's author and fixed words
 * go in: never SQL text or values, never a URL or a password.
 */
import type { Attributes } from '@opentelemetry/api';
import type { DialectName } from '../dialects/dialect.js';
import type { CompiledPlan } from '../plan/compile.js';

export const ATTR = {
  plan: 'schemashift.plan',
  mode: 'schemashift.mode',
  phase: 'schemashift.phase',
  step: 'schemashift.step',
  operation: 'schemashift.operation',
  target: 'schemashift.target',
  outcome: 'schemashift.outcome',
  reason: 'schemashift.reason',
  attempt: 'schemashift.attempt',
  dbSystem: 'db.system',
  errorType: 'error.type',
} as const;

/** Which run this is: the plan, the command, the database kind and, over --targets, the target's name. */
export interface RunIdentity {
  plan: string;
  mode: 'run' | 'advance' | 'rollback';
  dialect: DialectName;
  /** The fleet target's name (its name in the targets file, not its URL). */
  target?: string;
  /** The database URL, only to take its password out of error messages; never exported. */
  databaseUrl?: string;
  /** Each step's operation (the plan's YAML key, `add_column`), by step id. */
  operations: ReadonlyMap<string, string>;
}

/** Step id → the operation that made the step (a plan entry makes one or more steps). */
export function stepOperations(compiled: Pick<CompiledPlan, 'entries'>): Map<string, string> {
  return new Map(
    compiled.entries.flatMap(({ entry, steps }) => steps.map((s): [string, string] => [s.id, entry.kind])),
  );
}

const DB_SYSTEM: Record<DialectName, string> = { postgres: 'postgresql', mssql: 'mssql' };

export function runAttributes(id: RunIdentity): Attributes {
  return {
    [ATTR.plan]: id.plan,
    [ATTR.dbSystem]: DB_SYSTEM[id.dialect],
    ...(id.target === undefined ? {} : { [ATTR.target]: id.target }),
  };
}

export function stepAttributes(
  id: RunIdentity,
  phase: string | undefined,
  step: { id: string; kind: string },
): Attributes {
  return {
    ...runAttributes(id),
    ...(phase === undefined ? {} : { [ATTR.phase]: phase }),
    [ATTR.step]: step.id,
    [ATTR.operation]: id.operations.get(step.id) ?? step.kind,
  };
}

export type ErrorCategory =
  | 'lock-timeout'
  | 'deadlock'
  | 'constraint'
  | 'connection'
  | 'interrupted'
  | 'check-failed'
  | 'refused'
  | 'other';

/** Fixed words from the shape of an error's text; none of its text goes on. Order matters: the first match wins. */
const CATEGORIES: [ErrorCategory, RegExp][] = [
  ['deadlock', /deadlock/i],
  ['lock-timeout', /lock[ _]timeout|lock request time ?out|lock not granted/i],
  ['interrupted', /interrupt|cancell?ing statement due to user request|operation cancell?ed|SIGINT|SIGTERM/i],
  ['constraint', /duplicate key|unique|violates|constraint|conflicted with|cannot insert the value null/i],
  ['connection', /connection|connect\b|ECONN|ETIMEDOUT|ENOTFOUND|terminat/i],
  ['check-failed', /\bexpected\b/i],
  ['refused', /refus|owned by|another runner/i],
];

/** SQLSTATE classes and SQL Server error numbers that say the category outright. */
function categoryOfCode(code: string): ErrorCategory | undefined {
  if (code === '40P01' || code === '1205') return 'deadlock';
  if (code === '55P03' || code === '1222') return 'lock-timeout';
  if (code === '57014') return 'interrupted';
  const sqlstate = code.length === 5 ? code : undefined;
  if (sqlstate?.startsWith('08')) return 'connection';
  if (sqlstate?.startsWith('23') || ['2601', '2627', '547', '515'].includes(code)) return 'constraint';
  return undefined;
}

/** A driver's code when it is one: a PostgreSQL SQLSTATE (`23505`) or a SQL Server error number (`2627`). */
function driverCode(code: unknown): string | undefined {
  if (typeof code === 'number' && Number.isInteger(code) && code > 0) return String(code);
  return typeof code === 'string' && /^(?:[0-9A-Z]{5}|\d{1,6})$/.test(code) ? code : undefined;
}

export interface ErrorClass {
  category: ErrorCategory;
  /** The SQLSTATE or SQL Server error number, when the driver gave one. */
  code?: string;
}

/** What an error is, as fixed words and a driver code only: a driver's text can quote a row (`(alice@example.com)`). */
export function errorClass(text: string, code?: unknown): ErrorClass {
  const known = driverCode(code);
  const category =
    (known ? categoryOfCode(known) : undefined) ?? CATEGORIES.find(([, pattern]) => pattern.test(text))?.[0] ?? 'other';
  return { category, ...(known ? { code: known } : {}) };
}

/** The message a span may carry for an error: the step (a name the plan's author chose) and the error's class. */
export function exportableError(what: string, error: ErrorClass): string {
  const code = error.code === undefined ? '' : /^\d+$/.test(error.code) ? ` (error ${error.code})` : ` (SQLSTATE ${error.code})`;
  return `${what} failed: ${error.category}${code}`;
}

/** A lost lock wait's reason as a fixed word (lock-retry.ts lockWaitReason says it in a sentence). */
export function retryReason(reason: string): 'deadlock' | 'lock-timeout' {
  return reason.startsWith('deadlock') ? 'deadlock' : 'lock-timeout';
}
