import type { SessionSettings, SessionSql, SettingScope } from '../session.js';

function settings(values: SessionSettings, scope: SettingScope): string {
  const set = scope === 'transaction' ? 'SET LOCAL' : 'SET';
  const parts: string[] = [];
  const { lockTimeoutMs, statementTimeoutMs, synchronousCommit } = values;
  if (lockTimeoutMs !== undefined) parts.push(`${set} lock_timeout = '${lockTimeoutMs}ms'`);
  if (statementTimeoutMs !== undefined) parts.push(`${set} statement_timeout = '${statementTimeoutMs}ms'`);
  if (synchronousCommit !== undefined) parts.push(`${set} synchronous_commit = ${synchronousCommit ? 'on' : 'off'}`);
  return parts.join('; ');
}

export const postgresSession: SessionSql = {
  settings,
  transaction: {
    begin: 'BEGIN',
    beginReadOnly: 'BEGIN TRANSACTION READ ONLY',
    readOnly: 'SET TRANSACTION READ ONLY',
    commit: 'COMMIT',
    rollback: 'ROLLBACK',
  },
  connectionCheck: {
    serverVersion: "SELECT current_setting('server_version_num')::int AS v",
    // PostgreSQL 14+: the server notices a vanished client within a second even mid-statement.
    enable: (version) => (version >= 140000 ? "SET client_connection_check_interval = '1s'" : undefined),
  },
  invalidIndex: (qualifiedIndex) => ({
    sql: 'SELECT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass($1) AND NOT indisvalid) AS invalid',
    params: [qualifiedIndex],
  }),
  dropInvalidIndex: (qualifiedIndex) => `DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedIndex}`,
  invalidIndexMessage: (index) =>
    `index ${index} is INVALID (a CONCURRENTLY build failed earlier): dropping it to build it again`,
};
