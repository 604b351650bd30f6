/**
 * The seed's first diagnostic: the slowest queries of the last day, from Query Store. The seed reads
 * `sys.query_store_query_stats`, which does not exist; the figures live in
 * sys.query_store_runtime_stats, one row per plan per collection interval (durations in
 * microseconds), so they are summed per query here, weighted by executions.
 * https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-query-store-runtime-stats-transact-sql
 */
import { ok, type DoctorCheck, type DoctorContext, type DoctorFinding } from '../../doctor/types.js';
import { asMssqlServer, atLeast } from './doctor-capabilities.js';

/** A query averaging longer than this holds its locks that long: listed as a warning. */
export const SLOW_QUERY_MS = 1000;
/** How many queries the finding lists. */
export const SLOWEST_QUERIES = 10;

export const QUERY_STORE_STATE_SQL = 'SELECT actual_state_desc AS state FROM sys.database_query_store_options';

/** `$1`: how many. Durations in ms; the last 24 hours. */
export const SLOWEST_QUERIES_SQL = `WITH recent AS (
  SELECT p.query_id, SUM(rs.count_executions) AS executions,
    SUM(rs.avg_duration * rs.count_executions) AS total_us, MAX(rs.max_duration) AS max_us
  FROM sys.query_store_runtime_stats AS rs
  JOIN sys.query_store_plan AS p ON p.plan_id = rs.plan_id
  WHERE rs.last_execution_time >= DATEADD(HOUR, -24, SYSDATETIMEOFFSET())
  GROUP BY p.query_id
)
SELECT TOP ($1) r.query_id AS query_id, CONVERT(float, r.executions) AS executions,
  CONVERT(float, r.total_us / NULLIF(r.executions, 0) / 1000.0) AS avg_ms, CONVERT(float, r.max_us / 1000.0) AS max_ms,
  LEFT(LTRIM(REPLACE(REPLACE(REPLACE(qt.query_sql_text, NCHAR(13), N' '), NCHAR(10), N' '), NCHAR(9), N' ')), 200)
    AS query
FROM recent AS r
JOIN sys.query_store_query AS q ON q.query_id = r.query_id
JOIN sys.query_store_query_text AS qt ON qt.query_text_id = q.query_text_id
ORDER BY r.total_us / NULLIF(r.executions, 0) DESC`;

export interface SlowQueryRow {
  query_id: number;
  executions: number;
  avg_ms: number | null;
  max_ms: number | null;
  query: string | null;
}

const ms = (value: number | null): string => `${Math.round(value ?? 0)} ms`;

export function slowQueriesFinding(state: string | undefined, rows: SlowQueryRow[]): DoctorFinding {
  if (state === undefined || state === 'OFF' || state === 'ERROR') {
    return ok(
      `Query Store is ${state ?? 'OFF'} in this database: no query figures to report ` +
        `(ALTER DATABASE CURRENT SET QUERY_STORE = ON records them)`,
    );
  }
  const details = rows.map((r) => ({
    queryId: r.query_id,
    executions: r.executions,
    avgMs: r.avg_ms,
    maxMs: r.max_ms,
    query: r.query,
  }));
  if (rows.length === 0) return ok('Query Store recorded no query in the last 24 hours');
  const slow = rows.filter((r) => (r.avg_ms ?? 0) > SLOW_QUERY_MS);
  if (slow.length === 0)
    return ok(`the slowest query of the last 24 hours averages ${ms(rows[0]?.avg_ms ?? 0)}`, details);
  return {
    status: 'warn',
    finding:
      `${slow.length} query(ies) averaged over ${ms(SLOW_QUERY_MS)} in the last 24 hours: ` +
      slow
        .slice(0, 3)
        .map((r) => `#${r.query_id} ${ms(r.avg_ms)} avg, ${ms(r.max_ms)} max, ${r.executions}×: ${r.query ?? '?'}`)
        .join('; '),
    fix:
      'each holds its locks as long as it runs, and a DDL step waits for them: schedule the migration away from ' +
      'them, and look at their plans (sys.query_store_plan) for a missing index',
    details,
  };
}

async function slowestQueries(ctx: DoctorContext): Promise<DoctorFinding> {
  if (!atLeast(asMssqlServer(ctx.server), 13)) return ok('Query Store needs SQL Server 2016 or later');
  const { rows: state } = await ctx.db.query<{ state: string }>(QUERY_STORE_STATE_SQL);
  const current = state[0]?.state;
  if (current === undefined || current === 'OFF' || current === 'ERROR') return slowQueriesFinding(current, []);
  const { rows } = await ctx.db.query<SlowQueryRow>(SLOWEST_QUERIES_SQL, [SLOWEST_QUERIES]);
  return slowQueriesFinding(current, rows);
}

export const QUERY_STORE_CHECK: DoctorCheck = {
  id: 'slowest-queries',
  title: 'slowest queries (Query Store)',
  run: slowestQueries,
};
