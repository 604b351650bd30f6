/**
 * The shadow_clean gate's count: rows of a shadow-read mismatch table (schemashift.shadow_mismatches,
 * or another of its shape) recorded in the last `sinceMs`. `at` is written with SYSUTCDATETIME(), so
 * the window is measured in UTC; a datetimeoffset `at` compares correctly too (the datetime2 bound
 * converts with offset +00:00).
 */
import { literal, qualified } from './sql-names.js';

/** DATEADD takes an int: at most 2,147,483,647 of the unit. */
const MAX_INT = 2_147_483_647;

/** SQL: the instant `sinceMs` milliseconds ago, whole seconds and milliseconds apart so a long window fits an int. */
export function windowStartSql(sinceMs: number): string {
  if (!Number.isSafeInteger(sinceMs) || sinceMs < 0)
    throw new Error(`internal: a mismatch window must be a whole number of milliseconds, not ${sinceMs}`);
  if (sinceMs <= MAX_INT) {
    return sinceMs % 1000 === 0
      ? `DATEADD(second, -${sinceMs / 1000}, SYSUTCDATETIME())`
      : `DATEADD(millisecond, -${sinceMs}, SYSUTCDATETIME())`;
  }
  const seconds = Math.floor(sinceMs / 1000);
  if (seconds > MAX_INT)
    throw new Error(`a mismatch window of ${sinceMs} ms is longer than SQL Server's DATEADD takes`);
  const millis = sinceMs % 1000;
  const bySeconds = `DATEADD(second, -${seconds}, SYSUTCDATETIME())`;
  return millis === 0 ? bySeconds : `DATEADD(millisecond, -${millis}, ${bySeconds})`;
}

/** One row, one int column: COUNT(*) is an int (COUNT_BIG would arrive as text through the driver). */
export function mismatchCountSql(table: string, sinceMs: number, repository?: string): string {
  const narrow = repository === undefined ? '' : ` AND [repository] = ${literal(repository)}`;
  return `SELECT COUNT(*) AS mismatches FROM ${qualified(table)} WHERE [at] > ${windowStartSql(sinceMs)}${narrow}`;
}
