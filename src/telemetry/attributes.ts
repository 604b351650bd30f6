/**
 * The attributes every metric point and span of a run carries. Only names chosen by the plan's author and fixed words
 * go in: never SQL text or values, never a URL or a password.
 */
import type { Attributes } from '@opentelemetry/api';
import type { DialectName } from '../dialects/dialect.js';
import type { CompiledPlan } from '../plan/compile.js';
import { redact } from '../db/secrets.js';

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

const MAX_MESSAGE = 300;

/**
 * A step's error as a span may carry it: its first line, passwords and URLs masked, quoted literals and key values
 * (`Key (email)=(a@b.c)`) replaced by `?`, so that no row's data leaves with it.
 */
export function exportableError(text: string, databaseUrl?: string): string {
  const firstLine = redact(text, databaseUrl).split('\n')[0] ?? '';
  const withoutValues = firstLine
    .replace(/=\([^)]*\)/g, '=(?)')
    .replace(/'(?:[^']|'')*'/g, "'?'")
    .replace(/"(?:[^"\\]|\\.)*"/g, '"?"');
  return withoutValues.length > MAX_MESSAGE ? `${withoutValues.slice(0, MAX_MESSAGE)}…` : withoutValues;
}

/** A lost lock wait's reason as a fixed word (lock-retry.ts lockWaitReason says it in a sentence). */
export function retryReason(reason: string): 'deadlock' | 'lock-timeout' {
  return reason.startsWith('deadlock') ? 'deadlock' : 'lock-timeout';
}
