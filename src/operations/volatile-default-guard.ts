/**
 * A default that calls functions schemashift does not know (user or extension functions, user
 * operators) is added only when the database confirms that none of them is VOLATILE: a volatile
 * default makes ADD COLUMN rewrite the whole table under ACCESS EXCLUSIVE.
 */
import type { Dialect } from '../dialects/dialect.js';
import { dollarQuote } from '../sql/plpgsql-function.js';
import { callText, type Call } from '../sql/volatility.js';

/**
 * A query listing the VOLATILE functions and operators among `calls`, one row (`fn`) each, for
 * every overload the name can resolve to (conservative): a qualified name in its schema, a bare
 * one among those visible on the search_path.
 */
export function volatileCallsQuery(d: Dialect, calls: Call[]): string {
  const where = (c: Call, name: string, visible: string, namespace: string) =>
    c.schema === undefined ? `(${name} = ${d.literal(c.name)} AND ${visible})` : `(${name} = ${d.literal(c.name)} AND ${namespace} = (SELECT oid FROM pg_namespace WHERE nspname = ${d.literal(c.schema)}))`;
  const functions = calls.filter((c) => c.kind === 'function').map((c) => where(c, 'p.proname', 'pg_function_is_visible(p.oid)', 'p.pronamespace'));
  const operators = calls.filter((c) => c.kind === 'operator').map((c) => where(c, 'o.oprname', 'pg_operator_is_visible(o.oid)', 'o.oprnamespace'));
  const parts = [
    ...(functions.length > 0 ? [`SELECT p.oid::regprocedure::text AS fn FROM pg_proc p WHERE p.provolatile = 'v' AND (${functions.join(' OR ')})`] : []),
    ...(operators.length > 0 ? [`SELECT o.oid::regoperator::text AS fn FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode WHERE p.provolatile = 'v' AND (${operators.join(' OR ')})`] : []),
  ];
  return parts.length > 0 ? parts.join(' UNION ALL ') : `SELECT NULL::text AS fn WHERE false`;
}

export function volatileDefaultHelp(table: string, column: string, type: string, defaultSql: string): string {
  return `add the column without a default, then \`sql: { up: "ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT ${defaultSql}" }\` for new rows, and a \`backfill: { table: ${table}, set: { ${column}: "${defaultSql}" }, where: "${column} IS NULL" }\` in migrate for existing rows (type ${type})`;
}

/** A DO block, run in the ADD COLUMN's transaction before it, that refuses volatile calls. */
export function volatileDefaultGuardSql(d: Dialect, table: string, column: string, calls: Call[]): string {
  const message = `the default of ${table}.${column} calls a VOLATILE function: adding the column would rewrite the whole table under ACCESS EXCLUSIVE; `;
  const hint = `add ${column} without a default, SET DEFAULT for new rows, and backfill existing rows in batches (the plan said default_volatility, but pg_proc disagrees about ${calls.map(callText).join(', ')})`;
  const body = [
    '',
    'DECLARE volatile_calls text;',
    'BEGIN',
    `  SELECT string_agg(fn, ', ') INTO volatile_calls FROM (${volatileCallsQuery(d, calls)}) AS v;`,
    '  IF volatile_calls IS NOT NULL THEN',
    `    RAISE EXCEPTION USING MESSAGE = ${d.literal(message)} || volatile_calls, HINT = ${d.literal(hint)};`,
    '  END IF;',
    'END',
    '',
  ].join('\n');
  return `DO ${dollarQuote(body)}`;
}
