/**
 * StatementSimulator: what `validate --database` needs from a dialect to follow a plan's SQL
 * through the simulated schema. Reading a statement (which relation, which columns, what it
 * locks, what it changes) needs the dialect's parser, so it is the dialect's; the checks of
 * operations and the simulated state itself (src/lint/database/) are not.
 */
import type { Queryable } from '../db/connection.js';
import type { ServerInfo } from '../introspect/live-schema.js';
import type { CheckContext } from '../lint/database/context.js';
import type { Place } from '../lint/database/requirements.js';
import type { Finding } from '../lint/types.js';
import type { CompiledPlan } from '../plan/compile.js';

/** Findings' words that name the database's own statements and error codes. */
export interface DatabaseAdvice {
  /** Help for a backfill without a key to walk. */
  addBatchKey(): string;
  /** A foreign key to columns that no primary key or unique constraint covers. */
  foreignKeyTargetNotUnique(target: string, columns: string): string;
  /** A concurrent refresh of a materialized view without a unique index. */
  refreshNeedsUniqueIndex(view: string): { message: string; help: string };
}

export interface StatementSimulator {
  readonly advice: DatabaseAdvice;
  /**
   * Every statement of one SQL step, in order: checked against the state when `raw` (the plan's own
   * SQL), costed, then applied to `ctx.state`. `placeAt(offset)` says where a finding about the
   * statement starting at that offset of `sql` points. SQL that does not parse is skipped.
   */
  runStatements(ctx: CheckContext, sql: string, placeAt: (offset: number) => Place, raw: boolean): void;
  /** Relations the statements of `sql` read (CTE names aside); none when it does not parse. */
  tablesRead(sql: string): string[];
  /** Relations one query reads (CTE names aside). */
  tablesReadByQuery(sql: string): string[];
  /** Bare columns an expression reads; null when it does not parse. */
  columnsRead(expression: string, context: 'value' | 'condition'): string[] | null;
  /** Columns of the changed row a sync expression reads. */
  rowColumns(expression: string): string[];
  /** Type names a SQL step spells (column definitions, casts), to resolve on the server. */
  typeNamesIn(sql: string): string[];
  /** add_column defaults that call functions the server declares volatile. */
  volatileDefaultFindings(db: Queryable, compiled: CompiledPlan): Promise<Finding[]>;
  /** schedule_refresh steps the database cannot run (no cron extension where the plan runs). */
  scheduledJobFindings(db: Queryable, compiled: CompiledPlan): Promise<Finding[]>;
  /** Why schemashift cannot run plans on this server (too old), or undefined. */
  serverProblem(server: ServerInfo): { message: string; help: string } | undefined;
}
