/**
 * Session and transaction statements for SQL Server. Every script here must reach the server as a
 * batch (Queryable.exec), never through query(): the driver sends a query with sp_executesql, and a
 * SET run inside sp_executesql is undone when that call returns (SET statements, "Considerations").
 */
import type { BoundSql, SessionSettings, SessionSql, SettingScope } from '../session.js';
import { quoteLiteral } from './names.js';

function milliseconds(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`internal: ${value} is not a timeout in ms`);
  return value;
}

/**
 * `SET LOCK_TIMEOUT` only: SQL Server has no transaction-scoped setting, so `scope` changes nothing
 * and the value holds for the session until the next attempt sets it again. 0 means no limit, as for
 * PostgreSQL's lock_timeout (SQL Server's 0 would mean "never wait": -1 is its "wait forever").
 * statementTimeoutMs has no server-side setting: the client enforces it (requestTimeoutMs below).
 * synchronousCommit is left alone: delayed durability needs a database option and a COMMIT clause,
 * and a commit that stays fully durable is the safe side.
 */
function settings(values: SessionSettings, _scope: SettingScope): string {
  if (values.lockTimeoutMs === undefined) return '';
  const ms = milliseconds(values.lockTimeoutMs);
  return `SET LOCK_TIMEOUT ${ms === 0 ? -1 : ms}`;
}

/**
 * The statement timeout as the mssql driver's `requestTimeout` (0: none). When it expires the driver
 * cancels the request (a TDS attention), the server stops the statement and rolls back the statement
 * (not an open transaction), and the request fails with code ETIMEOUT (errors.ts: statementTimeout).
 */
export function requestTimeoutMs(values: SessionSettings): number {
  return values.statementTimeoutMs === undefined ? 0 : milliseconds(values.statementTimeoutMs);
}

/**
 * A paused resumable index build (sys.index_resumable_operations, state 1 = paused; SQL Server 2017+)
 * is the leftover of an interrupted online build. An index name is unique per table, not per schema:
 * the first paused build of that name among the schema's tables is the one meant.
 */
const PAUSED_BUILD = `FROM sys.index_resumable_operations AS r JOIN sys.objects AS o ON o.object_id = r.object_id
 WHERE r.state = 1 AND r.name = PARSENAME($1, 1) AND o.schema_id = SCHEMA_ID(COALESCE(PARSENAME($1, 2), SCHEMA_NAME()))`;

function invalidIndex(qualifiedIndex: string): BoundSql {
  return {
    sql: `SELECT CAST(CASE WHEN EXISTS (SELECT 1 ${PAUSED_BUILD}) THEN 1 ELSE 0 END AS bit) AS invalid`,
    params: [qualifiedIndex],
  };
}

/** ALTER INDEX … ABORT needs the table, found by name: the statement is built from catalog names. */
function dropInvalidIndex(qualifiedIndex: string): string {
  const literal = quoteLiteral(qualifiedIndex);
  // A function: a string replacement would read `$'` or `$&` in the name as a pattern.
  const build = PAUSED_BUILD.replaceAll('$1', () => literal);
  return [
    'DECLARE @abort nvarchar(max);',
    `SELECT TOP (1) @abort = N'ALTER INDEX ' + QUOTENAME(r.name) + N' ON ' + QUOTENAME(SCHEMA_NAME(o.schema_id)) + N'.' + QUOTENAME(o.name) + N' ABORT'`,
    `${build};`,
    'IF @abort IS NOT NULL EXEC sys.sp_executesql @abort;',
  ].join('\n');
}

export const mssqlSession: SessionSql = {
  settings,
  transaction: {
    begin: 'BEGIN TRANSACTION',
    // SQL Server has no read-only transaction. A query meant to read runs in a transaction that always
    // ends in ROLLBACK, so a write is undone, not refused; XACT_ABORT makes any error end it at once.
    // The statements such a query may contain are checked when the plan is loaded.
    beginReadOnly: 'SET XACT_ABORT ON; BEGIN TRANSACTION',
    readOnly: 'SET XACT_ABORT ON',
    commit: 'COMMIT TRANSACTION',
    // XACT_ABORT or a severe error may have ended the transaction already (error 3903 otherwise).
    rollback: 'IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION',
  },
  connectionCheck: {
    serverVersion: "SELECT CAST(SERVERPROPERTY('ProductMajorVersion') AS int) AS v",
    // Nothing to turn on: the server ends the session of a vanished client once TCP keep-alive notices.
    enable: () => undefined,
  },
  invalidIndex,
  dropInvalidIndex,
  invalidIndexMessage: (index) =>
    `index ${index} has a paused resumable build (an online build was interrupted earlier): aborting it to build it again`,
};
