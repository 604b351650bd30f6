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
  | 'statement-timeout'
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
  ['statement-timeout', /statement timeout|statement_timeout|query timeout/i],
  ['interrupted', /interrupt|cancell?ing statement due to user request|operation cancell?ed|SIGINT|SIGTERM/i],
  ['constraint', /duplicate key|unique|violates|constraint|conflicted with|cannot insert the value null/i],
  ['connection', /connection|connect\b|ECONN|ETIMEDOUT|ENOTFOUND|terminat/i],
  ['check-failed', /\bexpected\b/i],
  ['refused', /refus|owned by|another runner/i],
];

export interface ErrorClass {
  category: ErrorCategory;
  /** The PostgreSQL SQLSTATE (`23505`), when the driver gave one. */
  sqlstate?: string;
  /** The SQL Server error number (`2627`), when the driver gave one. */
  errorNumber?: string;
}

/** The driver's code as a SQLSTATE or a SQL Server error number; a DatabaseError keeps either as a string. */
function driverCode(code: unknown, dialect?: DialectName): Omit<ErrorClass, 'category'> {
  if (typeof code === 'number' && Number.isInteger(code) && code > 0) return { errorNumber: String(code) };
  if (typeof code !== 'string') return {};
  if (/^[0-9A-Z]{5}$/.test(code) && (dialect !== 'mssql' || /[A-Z]/.test(code))) return { sqlstate: code };
  return /^\d{1,6}$/.test(code) ? { errorNumber: code } : {};
}

/**
 * What an error is, as fixed words and a driver code only: a driver's text can quote a row (`(alice@example.com)`).
 * `known`: the category the dialect's own classifier gave the error object, when there was one (it wins).
 */
export function errorClass(text: string, code?: unknown, dialect?: DialectName, known?: ErrorCategory): ErrorClass {
  const category = known ?? CATEGORIES.find(([, pattern]) => pattern.test(text))?.[0] ?? 'other';
  return { category, ...driverCode(code, dialect) };
}

/** The message a span may carry for an error: the step (a name the plan's author chose) and the error's class. */
export function exportableError(what: string, error: ErrorClass): string {
  const code = error.sqlstate
    ? ` (SQLSTATE ${error.sqlstate})`
    : error.errorNumber
      ? ` (SQL Server error ${error.errorNumber})`
      : '';
  return `${what} failed: ${error.category}${code}`;
}

/** A lost lock wait's reason as a fixed word (lock-retry.ts lockWaitReason says it in a sentence). */
export function retryReason(reason: string): 'deadlock' | 'lock-timeout' {
  return reason.startsWith('deadlock') ? 'deadlock' : 'lock-timeout';
}
