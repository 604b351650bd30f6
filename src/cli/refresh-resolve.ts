/**
 * `schemashift refresh`: every view named is found and its mode decided before anything runs, so
 * that an unknown name, something that is not a materialized view, or `--concurrently always` on a
 * view that cannot be refreshed concurrently refuses the whole command (exit 2, nothing run).
 */
import type { Queryable } from '../db/connection.js';
import type { Dialect } from '../dialects/dialect.js';
import type { ViewRefreshSql } from '../dialects/view-refresh.js';
import { UsageError } from '../errors.js';
import type { ConcurrentlyMode } from './refresh-options.js';

export interface ResolvedView {
  /** `schema.name`, unquoted: how it is recorded and shown. */
  display: string;
  schema: string;
  name: string;
  /** The name as SQL (quoted where needed). */
  qualified: string;
  lockKey: number;
  concurrently: boolean;
  /** Why `auto` chose a blocking refresh. */
  blockingReason?: string;
}

interface DescribeRow {
  schema: string;
  name: string;
  materialized: boolean;
  kind: string;
  populated: boolean;
  id: string | number;
  lock_key: number;
}

type Decision = { concurrently: boolean; blockingReason?: string } | { problem: string };

/** Whether CONCURRENTLY can work on the view: populated, with a usable unique index (as validate --database decides). */
async function concurrentlyProblem(db: Queryable, dialect: Dialect, row: DescribeRow): Promise<string | undefined> {
  const display = `${row.schema}.${row.name}`;
  if (!row.populated)
    return (
      `${display} is not populated (created WITH NO DATA): REFRESH … CONCURRENTLY fails on it; ` +
      'help: refresh it once with --concurrently never (that fills it), then concurrently'
    );
  if ((await dialect.introspect.uniqueKeys(db, Number(row.id))).length > 0) return undefined;
  const { message, help } = dialect.introspect.simulate.advice.refreshNeedsUniqueIndex(display);
  return `${message}; help: ${help}`;
}

async function decide(db: Queryable, dialect: Dialect, row: DescribeRow, mode: ConcurrentlyMode): Promise<Decision> {
  if (mode === 'never') return { concurrently: false };
  const problem = await concurrentlyProblem(db, dialect, row);
  if (problem === undefined) return { concurrently: true };
  if (mode === 'always') return { problem: `--concurrently always: ${problem}` };
  return { concurrently: false, blockingReason: problem.split('; help:')[0] ?? problem };
}

async function describe(db: Queryable, sql: ViewRefreshSql, qualified: string): Promise<DescribeRow | undefined> {
  const { sql: text, params } = sql.describe(qualified);
  return (await db.query<DescribeRow>(text, params)).rows[0];
}

async function resolveOne(
  db: Queryable,
  dialect: Dialect,
  sql: ViewRefreshSql,
  given: string,
  mode: ConcurrentlyMode,
): Promise<ResolvedView | string> {
  const row = await describe(db, sql, dialect.qualified(given));
  if (!row) return `${given}: no such materialized view (searched the search_path for an unqualified name)`;
  const display = `${row.schema}.${row.name}`;
  if (!row.materialized) return `${given}: ${display} is a ${row.kind}, not a materialized view`;
  const decision = await decide(db, dialect, row, mode);
  if ('problem' in decision) return decision.problem;
  return {
    display,
    schema: row.schema,
    name: row.name,
    qualified: `${dialect.ident(row.schema)}.${dialect.ident(row.name)}`,
    lockKey: row.lock_key,
    ...decision,
  };
}

/** Every view, in the order given (a view named twice, once), or a UsageError listing every problem. */
export async function resolveViews(
  db: Queryable,
  dialect: Dialect,
  sql: ViewRefreshSql,
  views: string[],
  mode: ConcurrentlyMode,
): Promise<ResolvedView[]> {
  const resolved: ResolvedView[] = [];
  const problems: string[] = [];
  for (const given of views) {
    const result = await resolveOne(db, dialect, sql, given, mode);
    if (typeof result === 'string') problems.push(result);
    else if (!resolved.some((r) => r.display === result.display)) resolved.push(result);
  }
  if (problems.length > 0)
    throw new UsageError(
      `${problems.join('\n')}\nnothing was refreshed`,
      'name materialized views (schema.name, or a name on the search_path); --concurrently auto refreshes ' +
        'without CONCURRENTLY where it cannot work',
      'invalid-view',
    );
  return resolved;
}
