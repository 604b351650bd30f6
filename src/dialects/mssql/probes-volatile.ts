/**
 * Which user functions among a fragment's calls may return another value on each call. SQL Server
 * has no volatility markers: the nearest is determinism, OBJECTPROPERTY(id, 'IsDeterministic'),
 * which is 1 only for a schema-bound function the server proved deterministic
 * (https://learn.microsoft.com/sql/relational-databases/user-defined-functions/deterministic-and-nondeterministic-functions).
 * Anything else (0, or NULL when it cannot tell) is reported, conservatively. Built-ins are not in
 * sys.objects: the fragment reader knows the per-row ones (NEWID()); SQL Server has no user operators.
 */
import type { CalledRoutine } from '../actions-table.js';
import { literal } from './sql-names.js';

/** Scalar, inline and multi-statement table-valued functions, T-SQL and CLR. */
const FUNCTION_TYPES = "o.type IN ('FN', 'IF', 'TF', 'FS', 'FT')";

/**
 * A qualified name in its schema; a bare one in every schema it can resolve to: the caller's
 * default schema (SCHEMA_ID()), then dbo.
 */
function matches(c: CalledRoutine): string {
  const schemas =
    c.schema === undefined
      ? "o.schema_id IN (SCHEMA_ID(), SCHEMA_ID(N'dbo'))"
      : `o.schema_id = SCHEMA_ID(${literal(c.schema)})`;
  return `(o.name = ${literal(c.name)} AND ${schemas})`;
}

/** One row (`fn`, the function's bracketed two-part name) per non-deterministic function among `calls`. */
export function volatileCallsSql(calls: CalledRoutine[]): string {
  const functions = calls.filter((c) => c.kind === 'function').map(matches);
  if (functions.length === 0) return 'SELECT CAST(NULL AS nvarchar(300)) AS fn WHERE 1 = 0';
  return (
    "SELECT QUOTENAME(SCHEMA_NAME(o.schema_id)) + N'.' + QUOTENAME(o.name) AS fn FROM sys.objects AS o " +
    `WHERE ${FUNCTION_TYPES} AND COALESCE(OBJECTPROPERTY(o.object_id, 'IsDeterministic'), 0) = 0 ` +
    `AND (${functions.join(' OR ')})`
  );
}
