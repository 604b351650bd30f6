/**
 * A default that calls functions schemashift does not know (user or extension functions, user
 * operators) is added only when the database confirms that none of them is VOLATILE: a volatile
 * default makes adding the column rewrite the whole table. The query and the guard are the
 * dialect's (`d.probes.volatileCalls`, the `add-column` action's `confirmNotVolatile`).
 */
import type { Dialect } from '../dialects/dialect.js';
import type { Call } from '../dialects/parser.js';

/** The volatile routines among `calls`, one row (`fn`) each (see `Probes.volatileCalls`). */
export function volatileCallsQuery(d: Dialect, calls: Call[]): string {
  return d.probes.volatileCalls(calls);
}

export function volatileDefaultHelp(table: string, column: string, type: string, defaultSql: string): string {
  return `add the column without a default, then \`sql: { up: "ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT ${defaultSql}" }\` for new rows, and a \`backfill: { table: ${table}, set: { ${column}: "${defaultSql}" }, where: "${column} IS NULL" }\` in migrate for existing rows (type ${type})`;
}
