import { parseSql } from './parser.js';
import { callText, type Call, type Volatility } from '../../parser.js';
import { walk, type AstNode } from './ast.js';

/** Functions whose value changes per row: as a column default they force a full table rewrite. */
const VOLATILE_FUNCTIONS = new Set([
  'random',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'setval',
  'txid_current',
  'statement_timestamp',
  'random_normal',
  'pg_current_xact_id',
  'gen_random_bytes',
  'currval',
  'lastval',
]);

/**
 * Built-in functions that are IMMUTABLE or STABLE in every overload (checked against pg_proc of
 * PostgreSQL 12–17): as a default they are evaluated once. Any other function is unknown.
 */
const NON_VOLATILE_BUILTINS = new Set([
  'now',
  'transaction_timestamp',
  'current_setting',
  'current_database',
  'current_schema',
  'version',
  'lower',
  'upper',
  'initcap',
  'md5',
  'length',
  'char_length',
  'btrim',
  'ltrim',
  'rtrim',
  'replace',
  'substr',
  'substring',
  'left',
  'right',
  'repeat',
  'lpad',
  'rpad',
  'concat',
  'concat_ws',
  'format',
  'to_char',
  'to_date',
  'to_timestamp',
  'to_number',
  'date_trunc',
  'date_part',
  'make_date',
  'make_time',
  'make_timestamp',
  'make_timestamptz',
  'make_interval',
  'timezone',
  'abs',
  'round',
  'trunc',
  'floor',
  'ceil',
  'ceiling',
  'power',
  'sqrt',
  'mod',
  'sign',
  'int2',
  'int4',
  'int8',
  'float4',
  'float8',
  'numeric',
  'text',
  'array_fill',
  'array_length',
  'jsonb_build_object',
  'jsonb_build_array',
  'json_build_object',
  'json_build_array',
  'to_jsonb',
  'to_json',
  'row_to_json',
  'pg_backend_pid',
  'inet_client_addr',
  'encode',
  'decode',
  'sha256',
  'sha512',
]);

/** Operators that exist only as built-ins with IMMUTABLE or STABLE functions. */
const BUILTIN_OPERATORS = new Set([
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '||',
  '=',
  '<>',
  '!=',
  '<',
  '>',
  '<=',
  '>=',
  '~',
  '!~',
  '~*',
  '!~*',
  '~~',
  '!~~',
  '~~*',
  '!~~*',
  '->',
  '->>',
  '#>',
  '#>>',
  '@>',
  '<@',
  '?',
  '?|',
  '?&',
  '&&',
  '|/',
  '||/',
  '@',
  '&',
  '|',
  '#',
  '<<',
  '>>',
  '-|-',
  'BETWEEN',
  'NOT BETWEEN',
  'BETWEEN SYMMETRIC',
  'NOT BETWEEN SYMMETRIC',
]);

export type { Call, Volatility } from '../../parser.js';

export { callText };

type Names = { String?: { sval?: string } }[] | undefined;

function callsIn(expression: string): Call[] | undefined {
  const parsed = parseSql(`SELECT ${expression}`);
  if (!parsed.ok) return undefined;
  const calls: Call[] = [];
  const add = (kind: Call['kind'], names: Names) => {
    const parts = (names ?? []).map((n) => n.String?.sval ?? '');
    const name = parts[parts.length - 1] ?? '';
    const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
    calls.push(schema === undefined ? { kind, name } : { kind, schema, name });
  };
  walk(parsed.result, (type, node: AstNode) => {
    if (type === 'FuncCall') add('function', node.funcname as Names);
    if (type === 'A_Expr' && Array.isArray(node.name)) add('operator', node.name as Names);
  });
  return calls;
}

/** Whether a SQL value expression calls a function known to be volatile. */
export function volatilityOf(expression: string): Volatility {
  const known = (callsIn(expression) ?? []).find(
    (c) =>
      c.kind === 'function' &&
      (c.schema ?? 'pg_catalog') === 'pg_catalog' &&
      VOLATILE_FUNCTIONS.has(c.name.toLowerCase()),
  );
  return known ? { volatile: true, fn: known.name.toLowerCase() } : { volatile: false };
}

function isKnownBuiltin(call: Call): boolean {
  if ((call.schema ?? 'pg_catalog') !== 'pg_catalog') return false;
  return call.kind === 'function'
    ? NON_VOLATILE_BUILTINS.has(call.name) || VOLATILE_FUNCTIONS.has(call.name)
    : BUILTIN_OPERATORS.has(call.name);
}

/**
 * The functions and operators of an expression whose volatility only the database knows (user
 * functions, extension functions, user operators): without it they must be treated as volatile.
 */
export function unknownCalls(expression: string): Call[] {
  const seen = new Set<string>();
  return (callsIn(expression) ?? []).filter((c) => {
    const key = `${c.kind}:${callText(c)}`;
    if (isKnownBuiltin(c) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
