/** What every database-aware check gets: the simulated schema, options, and where to report. */
import type { SourcePos } from '../../errors.js';
import type { Plan, PlanEntry, YamlPath } from '../../plan/types.js';
import type { Finding, Severity } from '../types.js';
import type { StatementSimulator } from '../../dialects/simulate.js';
import { DATABASE_RULES, type DatabaseRuleId } from './rules.js';
import type { SimState } from './sim-state.js';

/** Resolved base type of a type name, null when the server does not know it. */
export type TypeLookup = (text: string) => string | null | undefined;

export interface DatabaseCheckOptions {
  /** A table with at least this many rows (pg_class.reltuples) counts as big. Default 1,000,000. */
  bigTableRows: number;
  /** …or at least this many bytes (relpages × block size). Default 1 GB. */
  bigTableBytes: number;
}

export const DEFAULT_DATABASE_CHECK_OPTIONS: DatabaseCheckOptions = { bigTableRows: 1_000_000, bigTableBytes: 1e9 };

export interface CheckContext {
  state: SimState;
  /** The plan's dialect reading its SQL. */
  simulate: StatementSimulator;
  types: TypeLookup;
  options: DatabaseCheckOptions;
  plan: Plan;
  entry: PlanEntry;
  /** A finding at `path` inside the entry's spec. */
  report(rule: DatabaseRuleId, path: YamlPath, message: string, help: string, severity?: Severity): void;
  /** A finding at a position (inside a raw SQL scalar). */
  reportAt(rule: DatabaseRuleId, at: SourcePos, message: string, help: string, severity?: Severity): void;
}

/** A reporter for one entry, appending to `out`; the same finding twice is kept once. */
export function entryContext(
  base: Omit<CheckContext, 'entry' | 'report' | 'reportAt'>,
  entry: PlanEntry,
  out: Finding[],
  seen: Set<string>,
): CheckContext {
  const reportAt = (rule: DatabaseRuleId, at: SourcePos, message: string, help: string, severity?: Severity): void => {
    const key = `${rule}\u0000${at.line}:${at.col}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ rule, severity: severity ?? DATABASE_RULES[rule].severity, message, help, at, stepId: entry.id });
  };
  return {
    ...base,
    entry,
    reportAt,
    report: (rule, path, message, help, severity) =>
      reportAt(rule, base.plan.locate([...entry.path, ...path]), message, help, severity),
  };
}
