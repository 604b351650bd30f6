/**
 * The function calls of a T-SQL expression and what SQL Server says of them as a column default.
 * Adding a NOT NULL column with a default is metadata-only when the default is a runtime constant:
 * one value for the statement, like GETDATE() or SYSDATETIME(); NEWID() and NEWSEQUENTIALID() are
 * not, and write every row ("Adding NOT NULL columns as an online operation",
 * https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql).
 */
import type { Call, Volatility } from '../parser.js';
import { nodesOf, type Node } from './tsql-ast.js';
import { nameOf, type Token } from './tsql-lexer.js';

/** Built-ins with a new value per row. */
const PER_ROW_FUNCTIONS = new Set(['newid', 'newsequentialid', 'crypt_gen_random']);

/** Built-ins that are runtime constants or deterministic: one value per statement at most. */
const RUNTIME_CONSTANT_BUILTINS = new Set([
  ...['getdate', 'getutcdate', 'sysdatetime', 'sysutcdatetime', 'sysdatetimeoffset', 'rand'],
  ...['dateadd', 'datediff', 'datediff_big', 'datepart', 'datename', 'datetrunc', 'date_bucket', 'eomonth'],
  ...['datefromparts', 'datetime2fromparts', 'datetimefromparts', 'timefromparts', 'switchoffset'],
  ...['todatetimeoffset', 'year', 'month', 'day', 'isdate', 'isnull', 'coalesce', 'nullif', 'choose'],
  ...['len', 'datalength', 'lower', 'upper', 'ltrim', 'rtrim', 'trim', 'substring', 'left', 'right'],
  ...['replace', 'replicate', 'concat', 'concat_ws', 'charindex', 'patindex', 'stuff', 'reverse', 'format'],
  ...['str', 'space', 'char', 'nchar', 'ascii', 'unicode', 'quotename', 'string_escape', 'translate'],
  ...['abs', 'round', 'floor', 'ceiling', 'power', 'sqrt', 'square', 'sign', 'exp', 'log', 'log10', 'pi'],
  ...['isjson', 'json_value', 'json_query', 'json_modify', 'json_object', 'json_array', 'isnumeric'],
  ...['hashbytes', 'checksum', 'binary_checksum', 'compress', 'decompress', 'greatest', 'least'],
  ...['suser_sname', 'suser_name', 'user_name', 'host_name', 'app_name', 'db_name', 'schema_name'],
  ...['object_id', 'db_id', 'original_login', 'session_context', 'context_info'],
  ...['count', 'count_big', 'sum', 'avg', 'min', 'max', 'string_agg', 'stdev', 'stdevp', 'var', 'varp'],
]);

function callOf(parts: Token[]): Call {
  const name = nameOf(parts[parts.length - 1] as Token);
  return parts.length > 1 ? { kind: 'function', schema: nameOf(parts[0] as Token), name } : { kind: 'function', name };
}

/** The function calls of a tree, with NEXT VALUE FOR as the call `NEXT VALUE FOR`. */
export function callsIn(node: Node): { call: Call; perRow: boolean; builtin: boolean }[] {
  const calls: { call: Call; perRow: boolean; builtin: boolean }[] = [];
  for (const n of nodesOf(node)) {
    if (n.t === 'nextvalue')
      calls.push({ call: { kind: 'function', name: 'NEXT VALUE FOR' }, perRow: true, builtin: true });
    if (n.t !== 'call') continue;
    const call = callOf(n.parts);
    const lower = call.name.toLowerCase();
    const builtin = call.schema === undefined && (PER_ROW_FUNCTIONS.has(lower) || RUNTIME_CONSTANT_BUILTINS.has(lower));
    calls.push({ call, perRow: builtin && PER_ROW_FUNCTIONS.has(lower), builtin });
  }
  return calls;
}

export function volatilityOfTree(node: Node | undefined): Volatility {
  const perRow = node === undefined ? undefined : callsIn(node).find((c) => c.perRow);
  return perRow ? { volatile: true, fn: perRow.call.name.toLowerCase() } : { volatile: false };
}

/** User functions and built-ins schemashift does not know: only the server knows whether they are per row. */
export function unknownCallsOfTree(node: Node | undefined): Call[] {
  const seen = new Set<string>();
  return (node === undefined ? [] : callsIn(node))
    .filter((c) => !c.builtin)
    .map((c) => c.call)
    .filter((call) => {
      const key = `${call.schema ?? ''}.${call.name}`.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
