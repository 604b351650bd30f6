import { parseSql } from './parser.js';
import { walk } from './ast.js';

/** Functions whose value changes per row: as a column default they force a full table rewrite. */
const VOLATILE_FUNCTIONS = new Set([
  'random', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4', 'uuidv4', 'uuidv7',
  'clock_timestamp', 'timeofday', 'nextval', 'setval', 'txid_current', 'statement_timestamp',
  'random_normal', 'pg_current_xact_id', 'gen_random_bytes',
]);

export type Volatility = { volatile: false } | { volatile: true; fn: string };

/** Whether a SQL value expression calls a function known to be volatile. */
export function volatilityOf(expression: string): Volatility {
  const parsed = parseSql(`SELECT ${expression}`);
  if (!parsed.ok) return { volatile: false };
  let found: string | undefined;
  walk(parsed.result, (type, value) => {
    if (type !== 'FuncCall' || found) return;
    const names = (value.funcname as { String?: { sval?: string } }[] | undefined) ?? [];
    const last = names[names.length - 1]?.String?.sval?.toLowerCase();
    if (last && VOLATILE_FUNCTIONS.has(last)) found = last;
  });
  return found ? { volatile: true, fn: found } : { volatile: false };
}
