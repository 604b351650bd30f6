/** What a plan's value expression says about columns, read from its parse tree. */
import { walk } from './ast.js';
import { parseSql } from './parser.js';

type Fields = { String?: { sval?: string } }[];

/** Whether a (validated) expression references the column; undefined when it does not parse. */
export function readsColumn(expression: string, column: string): boolean | undefined {
  const parsed = parseSql(`SELECT ${expression}`);
  if (!parsed.ok) return undefined;
  let found = false;
  walk(parsed.result, (type, node) => {
    const fields = node.fields as Fields | undefined;
    if (type === 'ColumnRef' && fields?.length === 1 && fields[0]?.String?.sval === column) found = true;
  });
  return found;
}

/** The column an index key names when it is just a column (`qty`, `"Qty"`), else undefined. */
export function bareColumn(key: string): string | undefined {
  const parsed = parseSql(`SELECT ${key}`);
  if (!parsed.ok) return undefined;
  type Target = { ResTarget?: { val?: { ColumnRef?: { fields?: Fields } } } }[];
  const target = (parsed.result.stmts?.[0]?.stmt as { SelectStmt?: { targetList?: Target } } | undefined)?.SelectStmt
    ?.targetList;
  const fields = target?.length === 1 ? target[0]?.ResTarget?.val?.ColumnRef?.fields : undefined;
  return fields?.length === 1 ? fields[0]?.String?.sval : undefined;
}
