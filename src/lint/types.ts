import type { SourcePos } from '../errors.js';
import type { CompiledPlan } from '../plan/compile.js';
import type { Plan, PlanEntry } from '../plan/types.js';

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

/** A raw `sql` step's `up`, and where an offset in it sits in the plan file. */
export interface RawSource {
  entry: PlanEntry;
  at(offset: number): SourcePos;
}

/** Something a raw statement destroys; `statement` is how the dialect spells it, for messages. */
export type Destruction =
  | { what: 'table' | 'index'; statement: string; names: string[] }
  | { what: 'rows'; statement: string; tables: string[] }
  | { what: 'column'; statement: string; table: string; column: string; offset: number };

/** A column a raw statement adds to, or drops from, a table the same step did not create. */
export interface ColumnChange {
  change: 'add' | 'drop';
  table: string;
  column: string;
  /** Offset of the subcommand in the step's `up`. */
  offset: number;
  /** An added column has a DEFAULT, so existing rows are not NULL. */
  hasDefault: boolean;
}

/** A statement of a raw `sql` step, as the dialect's parser describes it to the plan-level rules. */
export interface RawStatement {
  source: RawSource;
  /** The compiled step that sends it. */
  stepId: string;
  /** Its text, comments before it left out. */
  text: string;
  /** Offset of its first token in the step's `up`. */
  start: number;
  /** It takes away something the old application version uses: a drop, a rename, a truncate. */
  removesOldPath: boolean;
  /** What it destroys that the same step did not create (tables it creates are nobody else's). */
  destroys: Destruction[];
  columnChanges: ColumnChange[];
}

export interface LintContext {
  plan: Plan;
  compiled: CompiledPlan;
  /** Every raw `sql` step's statements, described once per lint run by the plan's dialect. */
  raw: RawStatement[];
  /** A table name as rules compare it: the dialect's default schema left out. */
  normaliseTable(name: string): string;
}

export interface Rule {
  id: string;
  severity: Severity;
  /** One sentence for docs and `--help`-like listings. */
  description: string;
  check(ctx: LintContext): Finding[];
}
