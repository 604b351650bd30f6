/** The pg_stat_activity columns of a Blocker row (ActivitySql), read from alias `a`. */
export const ACTIVITY_COLUMNS =
  `a.pid, a.state, a.application_name, left(regexp_replace(coalesce(a.query, ''), ` +
  `'\\s+', ' ', 'g'), 80) AS query,
  (extract(epoch FROM now() - coalesce(a.xact_start, a.state_change, a.query_start)) * 1000)::float8 AS for_ms`;
