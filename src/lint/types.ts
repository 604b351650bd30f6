import type { SourcePos } from '../errors.js';
import type { CompiledPlan } from '../plan/compile.js';
import type { Plan } from '../plan/types.js';
import type { SqlSource } from './raw-sql.js';

export type Severity = 'error' | 'warning';

/** One lint finding: where, what is dangerous, and the safe recipe to use instead. */
export interface Finding {
  /** Stable kebab-case id; also the name of its page in docs/rules/. */
  rule: string;
  severity: Severity;
  /** One line: what was found and why it hurts a live database. */
  message: string;
  /** The safe alternative, ready to paste (may span several lines). */
  help: string;
  at: SourcePos;
  /** The plan step the finding belongs to; its `lint: { ignore }` can suppress it. */
  stepId?: string;
}

export interface LintContext {
  plan: Plan;
  compiled: CompiledPlan;
  /** Every raw `sql` step's `up`, parsed once and shared by the raw-SQL rules. */
  sql: SqlSource[];
}

export interface Rule {
  id: string;
  severity: Severity;
  /** One sentence for docs and `--help`-like listings. */
  description: string;
  check(ctx: LintContext): Finding[];
}
