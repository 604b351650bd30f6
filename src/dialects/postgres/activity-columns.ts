/**
 * How much of another session's statement is read: more than is shown, so that the secrets in it are
 * scrubbed (activityQueryText) before it is cut to its shown length.
 */
export const ACTIVITY_QUERY_READ_CHARS = 2000;

/** The pg_stat_activity columns of a Blocker row (ActivitySql), read from alias `a`. */
export const ACTIVITY_COLUMNS = `a.pid, a.state, a.application_name, left(a.query, ${ACTIVITY_QUERY_READ_CHARS}) AS query,
  (extract(epoch FROM now() - coalesce(a.xact_start, a.state_change, a.query_start)) * 1000)::float8 AS for_ms`;
