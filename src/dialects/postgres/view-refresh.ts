/**
 * REFRESH MATERIALIZED VIEW for `schemashift refresh`. Two refreshes of one view are kept apart by a
 * session advisory lock of class VIEW_REFRESH_LOCK_CLASS (the runner's is RUNNER_LOCK_CLASS), object
 * a hash of the view's schema-qualified name: stable when replace_materialized_view swaps a new
 * view in under the same name, which an OID would not be.
 */
import type { ViewRefreshSql } from '../view-refresh.js';
import { ACTIVITY_QUERY_READ_CHARS } from './activity-columns.js';

export const VIEW_REFRESH_LOCK_CLASS = 0x5c4e3a03;

/**
 * The lock's object for a view, from an SQL text expression of its `schema.name` (unquoted, as the
 * catalog spells them). pg_cron's job (cron-refresh.ts) takes the same lock: both use this.
 */
export const viewRefreshLockKey = (qualifiedNameExpression: string): string =>
  `hashtext(${qualifiedNameExpression}) & 2147483647`;

const DESCRIBE_SQL = `SELECT n.nspname::text AS schema, c.relname::text AS name, c.relkind = 'm' AS materialized,
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
    WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' WHEN 'S' THEN 'sequence'
    WHEN 'i' THEN 'index' WHEN 'I' THEN 'partitioned index' ELSE 'relation' END AS kind,
  c.relispopulated AS populated, c.oid::int8 AS id,
  ${viewRefreshLockKey("n.nspname || '.' || c.relname")} AS lock_key
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass($1)`;

const HOLDER_SQL =
  `SELECT a.pid, a.usename::text AS user, host(a.client_addr) AS client, a.application_name,
  a.query_start AS since, a.state, left(a.query, ${ACTIVITY_QUERY_READ_CHARS}) AS query
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = ` +
  `current_database())
  AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 2`;

export const postgresViewRefresh: ViewRefreshSql = {
  describe: (qualifiedView) => ({ sql: DESCRIBE_SQL, params: [qualifiedView] }),
  tryLock: (key) => ({ sql: 'SELECT pg_try_advisory_lock($1, $2) AS ok', params: [VIEW_REFRESH_LOCK_CLASS, key] }),
  unlock: (key) => ({ sql: 'SELECT pg_advisory_unlock($1, $2)', params: [VIEW_REFRESH_LOCK_CLASS, key] }),
  holder: (key) => ({ sql: HOLDER_SQL, params: [VIEW_REFRESH_LOCK_CLASS, key] }),
  serverTime: 'SELECT clock_timestamp() AS now',
  refresh: (qualifiedView, concurrently) =>
    `REFRESH MATERIALIZED VIEW ${concurrently ? 'CONCURRENTLY ' : ''}${qualifiedView}`,
  lockLevel: (concurrently) => (concurrently ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE'),
  countRows: (qualifiedView) => `SELECT count(*)::int8 AS n FROM ${qualifiedView}`,
};
