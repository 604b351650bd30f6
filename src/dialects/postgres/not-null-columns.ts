import { walk } from './sql/ast.js';
import { parseSql } from './sql/parser.js';

/** Columns whose `col IS NOT NULL` a condition (a CHECK expression) demands. */
export function notNullColumns(condition: string): string[] {
  if (!/\bNOT\s+NULL\b|\bNOTNULL\b/i.test(condition)) return [];
  const parsed = parseSql(`SELECT 1 WHERE ${condition}`);
  if (!parsed.ok) return [];
  const columns: string[] = [];
  walk(parsed.result, (type, node) => {
    if (type !== 'NullTest' || node.nulltesttype !== 'IS_NOT_NULL') return;
    const arg = node.arg as { ColumnRef?: { fields?: { String?: { sval?: string } }[] } } | undefined;
    const fields = arg?.ColumnRef?.fields ?? [];
    const last = fields[fields.length - 1]?.String?.sval;
    if (last) columns.push(last);
  });
  return columns;
}
