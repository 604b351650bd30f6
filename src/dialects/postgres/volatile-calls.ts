/**
 * Which of the routines a default calls are VOLATILE: read by `validate --database` and by the
 * guard that runs before ADD COLUMN (a volatile default rewrites the whole table).
 */
import { callText } from './sql/volatility.js';
import { dollarQuote } from './sql/plpgsql-function.js';
import type { CalledRoutine } from '../actions-table.js';
import { quoteLiteral as literal } from './names.js';

type Visibility = { name: string; visible: string; namespace: string };
const FUNCTION: Visibility = {
  name: 'p.proname',
  visible: 'pg_function_is_visible(p.oid)',
  namespace: 'p.pronamespace',
};
const OPERATOR: Visibility = {
  name: 'o.oprname',
  visible: 'pg_operator_is_visible(o.oid)',
  namespace: 'o.oprnamespace',
};

function matches(c: CalledRoutine, v: Visibility): string {
  if (c.schema === undefined) return `(${v.name} = ${literal(c.name)} AND ${v.visible})`;
  const schemaOid = `(SELECT oid FROM pg_namespace WHERE nspname = ${literal(c.schema)})`;
  return `(${v.name} = ${literal(c.name)} AND ${v.namespace} = ${schemaOid})`;
}

/**
 * A query listing the VOLATILE functions and operators among `calls`, one row (`fn`) each, for
 * every overload the name can resolve to (conservative): a qualified name in its schema, a bare
 * one among those visible on the search_path.
 */
export function volatileCallsQuery(calls: CalledRoutine[]): string {
  const functions = calls.filter((c) => c.kind === 'function').map((c) => matches(c, FUNCTION));
  const operators = calls.filter((c) => c.kind === 'operator').map((c) => matches(c, OPERATOR));
  const parts: string[] = [];
  if (functions.length > 0) {
    parts.push(
      'SELECT p.oid::regprocedure::text AS fn FROM pg_proc p ' +
        `WHERE p.provolatile = 'v' AND (${functions.join(' OR ')})`,
    );
  }
  if (operators.length > 0) {
    parts.push(
      'SELECT o.oid::regoperator::text AS fn FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode ' +
        `WHERE p.provolatile = 'v' AND (${operators.join(' OR ')})`,
    );
  }
  return parts.length > 0 ? parts.join(' UNION ALL ') : `SELECT NULL::text AS fn WHERE false`;
}

/** A DO block, run in the ADD COLUMN's transaction before it, that refuses volatile calls. */
export function volatileDefaultGuardSql(table: string, column: string, calls: CalledRoutine[]): string {
  const message =
    `the default of ${table}.${column} calls a VOLATILE function: ` +
    'adding the column would rewrite the whole table under ACCESS EXCLUSIVE; ';
  const hint =
    `add ${column} without a default, SET DEFAULT for new rows, and backfill existing rows in batches ` +
    `(the plan said default_volatility, but pg_proc disagrees about ${calls.map(callText).join(', ')})`;
  const body = [
    '',
    'DECLARE volatile_calls text;',
    'BEGIN',
    `  SELECT string_agg(fn, ', ') INTO volatile_calls FROM (${volatileCallsQuery(calls)}) AS v;`,
    '  IF volatile_calls IS NOT NULL THEN',
    `    RAISE EXCEPTION USING MESSAGE = ${literal(message)} || volatile_calls, HINT = ${literal(hint)};`,
    '  END IF;',
    'END',
    '',
  ].join('\n');
  return `DO ${dollarQuote(body)}`;
}
