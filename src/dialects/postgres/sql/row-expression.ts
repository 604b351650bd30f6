/**
 * Expressions written over one table's row (sync_from.expression, change_type.using …) and
 * evaluated in a row trigger, where every column must be read from NEW. The parser finds every
 * column reference, so string literals, function names and keywords are never touched.
 */
import { charOffset, spliceAtBytes, walk, type AstNode } from './ast.js';
import { parseSql, type SqlSyntaxError } from './parser.js';

const PREFIX = 'SELECT ';

type Fields = { String?: { sval?: string }; A_Star?: unknown }[];

interface ColumnSpot {
  column: string;
  /** Byte offset of the reference inside the expression. */
  at: number;
}

/** What cannot be read from one row, with its offset in the expression; undefined when all can. */
function unsupported(type: string, node: AstNode): { message: string; at: number } | undefined {
  const at = Number(node.location ?? PREFIX.length) - PREFIX.length;
  if (type === 'SubLink') return { message: 'a subquery cannot be evaluated for one row', at };
  if (type === 'ParamRef') return { message: 'a $n parameter has no value there', at };
  if (type !== 'ColumnRef') return undefined;
  const fields = (node.fields as Fields | undefined) ?? [];
  if (fields.some((f) => f.A_Star !== undefined))
    return { message: 'a * reference cannot be read as one value of the row', at };
  if (fields.length !== 1) {
    const name = fields.map((f) => f.String?.sval ?? '?').join('.');
    return {
      message:
        `\`${name}\` is a qualified reference; write the table's columns by their bare name (the trigger ` +
        `reads them from the row being written)`,
      at,
    };
  }
  return undefined;
}

function analyse(expression: string): { spots: ColumnSpot[] } | { problem: SqlSyntaxError } {
  const parsed = parseSql(PREFIX + expression);
  if (!parsed.ok)
    return { problem: { message: parsed.error.message, offset: Math.max(0, parsed.error.offset - PREFIX.length) } };
  const spots: ColumnSpot[] = [];
  let problem: SqlSyntaxError | undefined;
  walk(parsed.result, (type, node) => {
    const bad = problem ? undefined : unsupported(type, node);
    if (bad) problem = { message: bad.message, offset: charOffset(expression, bad.at) };
    if (type !== 'ColumnRef' || bad) return;
    const [field] = node.fields as Fields;
    spots.push({ column: field?.String?.sval ?? '', at: Number(node.location) - PREFIX.length });
  });
  return problem ? { problem } : { spots };
}

/** Why `expression` cannot be evaluated over a single row (subquery, qualified name, `*`, `$1`), with its offset. */
export function rowExpressionProblem(expression: string): SqlSyntaxError | undefined {
  const result = analyse(expression);
  return 'problem' in result ? result.problem : undefined;
}

/** The distinct bare column names the expression reads. */
export function rowColumns(expression: string): string[] {
  const result = analyse(expression);
  return 'spots' in result ? [...new Set(result.spots.map((s) => s.column))] : [];
}

/**
 * The expression with every column reference read from `record` (`NEW.product`). Throws on an
 * expression `rowExpressionProblem` refuses: callers validate first. The result is re-parsed to
 * prove that every reference, and nothing else, was qualified.
 */
export function overRecord(expression: string, record: 'NEW' | 'OLD'): string {
  const result = analyse(expression);
  if ('problem' in result) throw new Error(`internal: sync expression was not validated: ${result.problem.message}`);
  const qualified = spliceAtBytes(
    expression,
    result.spots.map((s) => ({ at: s.at, length: 0, insert: `${record}.` })),
  );
  assertQualified(qualified, record, result.spots.length);
  return qualified;
}

function assertQualified(text: string, record: string, expected: number): void {
  const parsed = parseSql(PREFIX + text);
  let qualified = 0;
  let other = 0;
  if (parsed.ok) {
    walk(parsed.result, (type, node) => {
      if (type !== 'ColumnRef') return;
      const fields = node.fields as Fields;
      if (fields.length === 2 && fields[0]?.String?.sval === record.toLowerCase()) qualified++;
      else other++;
    });
  }
  if (!parsed.ok || qualified !== expected || other !== 0)
    throw new Error(`internal: qualifying the columns of \`${text}\` with ${record} went wrong`);
}
