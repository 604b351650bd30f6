/**
 * The sys.dm_exec_sessions columns of a Blocker row (ActivitySql), read from alias `s`, with the
 * joins they need: the running statement, or else the last one the session sent (an idle session
 * in a transaction has no request), and when its oldest open transaction began.
 */
/** Read long: the text is masked (passwords) before it is cut for display, so a cut cannot split a secret. */
export const ACTIVITY_QUERY_READ_CHARS = 2000;

export const SESSION_COLUMNS =
  `s.session_id AS pid, s.status AS state, s.program_name AS application_name, ` +
  `LEFT(LTRIM(REPLACE(REPLACE(REPLACE(COALESCE(t.text, N''), NCHAR(13), N' '), NCHAR(10), N' '), ` +
  `NCHAR(9), N' ')), ${ACTIVITY_QUERY_READ_CHARS}) AS query, ` +
  `CONVERT(float, DATEDIFF_BIG(millisecond, COALESCE(x.began, s.last_request_start_time), SYSDATETIME())) AS for_ms`;

export const SESSION_JOINS = [
  'OUTER APPLY (SELECT TOP (1) r.sql_handle FROM sys.dm_exec_requests AS r WHERE r.session_id = s.session_id) AS r',
  'OUTER APPLY (SELECT TOP (1) c.most_recent_sql_handle FROM sys.dm_exec_connections AS c ' +
    'WHERE c.session_id = s.session_id AND c.parent_connection_id IS NULL) AS c',
  'OUTER APPLY sys.dm_exec_sql_text(COALESCE(r.sql_handle, c.most_recent_sql_handle)) AS t',
  'OUTER APPLY (SELECT MIN(a.transaction_begin_time) AS began FROM sys.dm_tran_session_transactions AS st ' +
    'JOIN sys.dm_tran_active_transactions AS a ON a.transaction_id = st.transaction_id ' +
    'WHERE st.session_id = s.session_id) AS x',
].join('\n  ');

/** Session ids given as JSON text (`$n`): OPENJSON needs database compatibility level 130 or later. */
export function sessionIds(param: string): string {
  return `(SELECT CONVERT(int, j.value) FROM OPENJSON(${param}) AS j)`;
}

/**
 * Lock requests on the table (`$1`, its object_id) in this database: on the table itself, or on
 * its rows, keys and pages (resource_associated_entity_id is then a hobt_id of one of its indexes).
 */
export const ON_TABLE =
  `l.resource_database_id = DB_ID() AND ((l.resource_type = N'OBJECT' AND l.resource_associated_entity_id = $1) ` +
  `OR (l.resource_type IN (N'KEY', N'RID', N'PAGE', N'HOBT') AND l.resource_associated_entity_id IN ` +
  `(SELECT p.hobt_id FROM sys.partitions AS p WHERE p.object_id = $1)))`;
