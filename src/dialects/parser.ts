/**
 * The dialect's SQL parser, as the plan layer sees it: checks of plan fragments and raw SQL with
 * neutral results. The parse tree itself is the dialect's business and never leaves its folder.
 */
import type { RawStatement, Rule } from '../lint/types.js';
import type { LockInfo } from '../operations/types.js';
import type { CompiledPlan } from '../plan/compile.js';
import type { Plan } from '../plan/types.js';

/** What a plan fragment may be: a value expression, a condition, a type, or a read-only query. */
export type FragmentKind = 'value' | 'condition' | 'type' | 'query';

/** Why a SQL text was refused, and where. */
export interface SqlProblem {
  message: string;
  /** 0-based character offset into the text that was checked. */
  offset: number;
  /** What to do instead, when the parser knows better than the generic advice. */
  hint?: string;
  /** The text does not parse at all (as opposed to parsing into the wrong shape). */
  syntax?: boolean;
}

/** A function or operator an expression calls, as written: `public.always_ten`, `+++`. */
export interface Call {
  kind: 'function' | 'operator';
  schema?: string;
  name: string;
}

export type Volatility = { volatile: false } | { volatile: true; fn: string };

/** One statement of a raw SQL script (a `sql` step), as the dialect reads it. */
export interface ScriptStatement {
  /** Exactly as written, without surrounding whitespace or its `;`. */
  text: string;
  /** Character offset of the statement in the script. */
  offset: number;
  /** What it is, in a few words for a step target: `index`, `alter_table`. */
  label: string;
  /** It begins or ends a transaction itself (BEGIN, COMMIT…). */
  controlsTransaction: boolean;
  /** How the dialect names it when it refuses it inside a transaction block (`CREATE INDEX CONCURRENTLY`). */
  ownTransactionReason?: string;
  /** The table lock it takes; statements the dialect does not know take its strongest, to be safe. */
  lock: LockInfo;
  /** An online index build: a failed one leaves this index behind, invalid. */
  buildsIndex?: { name: string; table: string };
}

/** What the dialect's parser adds to `validate`. */
/** Safe recipes in the dialect's SQL that messages offer, ready to paste into a plan. */
export interface PlanRecipes {
  /** Instead of a serial column: the integer column, its sequence and default, and the backfill. */
  serialColumn(table: string, column: string, base: string, sequence: string): string;
  /** A raw `sql` step that sets a column's default later. */
  setDefaultLater(table: string, column: string, defaultSql: string): string;
  /** Instead of a volatile default: no default, the default set for new rows, a backfill for existing ones. */
  volatileDefault(table: string, column: string, type: string, defaultSql: string): string;
  /** The statement that attaches an existing unique index as a constraint. */
  attachUnique(table: string, name: string, index: string): string;
  /** An example throttle query. */
  readonly throttleQuery: string;
}

export interface SqlLint {
  readonly recipes: PlanRecipes;
  /** The rules over raw SQL and plan queries that speak the dialect's language, in listing order. */
  readonly rules: readonly Rule[];
  /** The statements of every raw `sql` step that parses, described for the plan-level rules. */
  rawStatements(plan: Plan, compiled: CompiledPlan): RawStatement[];
  /** A table name as rules compare it: the default schema left out. */
  normaliseTable(name: string): string;
  /** The SQL of a generated step drops or renames a table, column, index or view. */
  removesOldPath(generatedSql: string): boolean;
  /** The SQL of a generated step removes a trigger (a sync trigger's end). */
  dropsTrigger(generatedSql: string): boolean;
  /** A query counting the rows of `table` where `condition` holds, for recipes. */
  countRowsWhere(table: string, condition: string): string;
  /** A condition that holds when any of `columns` is NULL, for recipes. */
  anyNull(columns: string[]): string;
}

export interface SqlParser {
  /** Loads the parser once; every other member needs it loaded. */
  load(): Promise<void>;
  /** The hint shown under a fragment that does not parse. */
  readonly syntaxHint: string;
  /** Why a name (one part of `schema.table`) is too long for the dialect; undefined when it fits. */
  nameLengthProblem(name: string): string | undefined;
  /** Why `fragment` is not exactly one `kind` on its own, safe to splice; undefined when it is. */
  fragmentProblem(fragment: string, kind: FragmentKind): SqlProblem | undefined;
  /** Why `sql` is not one or more complete statements; undefined when it is. */
  statementsProblem(sql: string): SqlProblem | undefined;
  /** The statements of a script that `statementsProblem` accepted. */
  splitStatements(sql: string): ScriptStatement[];
  /** The strongest of several locks; `on` lists the tables locked at that level. */
  strongestLock(locks: LockInfo[]): LockInfo;
  /** Why `sql` (a statement schemashift generates) does not parse, offset uncorrected; undefined when it does. */
  syntaxProblem(sql: string): SqlProblem | undefined;
  /** Whether a value expression calls a function known to be volatile (a default that rewrites the table). */
  volatility(expression: string): Volatility;
  /** The calls of an expression whose volatility only the database knows. */
  unknownCalls(expression: string): Call[];
  /** The columns whose `IS NOT NULL` a condition demands (`a IS NOT NULL AND b > 0` → a). */
  notNullColumns(condition: string): string[];
  /** What the statements of `sql` remove (`column users.legacy`, `index …`); undefined when it does not parse. */
  statementsDrops(sql: string): string[] | undefined;
  /** An expression that reads one column as it is (quoted as the dialect must). */
  columnRef(column: string): string;
  /** A validated expression with every bare reference to column `from` renamed to `to`, nothing else touched. */
  renameColumnRefs(expression: string, from: string, to: string): string;
  /** Whether a validated expression references the column; undefined when it does not parse. */
  readsColumn(expression: string, column: string): boolean | undefined;
  /** The column an index key names when it is just a column (`qty`, `"Qty"`), else undefined. */
  bareColumn(key: string): string | undefined;
  /**
   * The parts of a type's name as the parser reads it (`pg_catalog.int4` → two parts); empty when it does not parse.
   */
  typeNameParts(type: string): string[];
  /**
   * A value expression as its parse tree, for comparing two spellings: spacing and parentheses do not
   * count, every cast and every constant does (`(0.5)::integer` is not `0.5`).
   */
  comparableExpression(expression: string): string;
  readonly lint: SqlLint;
}

/** A call as people write it: `now()`, `public.next_id()`, `CURRENT_TIMESTAMP`. */
export const callText = (c: Call): string =>
  `${c.schema ? `${c.schema}.` : ''}${c.name}${c.kind === 'function' ? '()' : ''}`;
