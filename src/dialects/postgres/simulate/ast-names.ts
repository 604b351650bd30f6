/** Names out of libpg-query parse trees, spelled as plans spell them (`schema.name`, unquoted). */
import { quoteIdent } from '../names.js';
import type { AstNode } from '../sql/ast.js';
import { walk } from '../sql/ast.js';
import { parseSql } from '../sql/parser.js';

type StringNode = { String?: { sval?: string } };

/** `schema.name` or `name` of a RangeVar. */
export function rangeVarName(rangeVar: unknown): string | undefined {
  const rv = rangeVar as { schemaname?: string; relname?: string } | undefined;
  if (!rv?.relname) return undefined;
  return rv.schemaname ? `${rv.schemaname}.${rv.relname}` : rv.relname;
}

export function stringList(list: unknown): string[] {
  return Array.isArray(list) ? (list as StringNode[]).map((i) => i.String?.sval ?? '') : [];
}

/** A TypeName as text the server can resolve with to_regtype (typmods left out). */
export function typeNameText(typeName: unknown): string | undefined {
  const t = typeName as { names?: unknown; arrayBounds?: unknown[] } | undefined;
  const names = stringList(t?.names);
  if (names.length === 0) return undefined;
  return `${names.map((n) => quoteIdent(n)).join('.')}${t?.arrayBounds?.length ? '[]' : ''}`;
}

/** Every type named by a column definition in a SQL script (to resolve them in one go). */
export function typeNamesIn(sql: string): string[] {
  const parsed = parseSql(sql);
  if (!parsed.ok) return [];
  const found: string[] = [];
  walk(parsed.result, (type, node) => {
    if (type !== 'ColumnDef') return;
    const text = typeNameText(node.typeName);
    if (text !== undefined) found.push(text);
  });
  return found;
}

/**
 * The bare column names an expression reads, or null when it has a subquery (whose names may
 * belong to other tables) or table-qualified references we cannot attribute.
 */
export function columnsRead(expression: string, context: 'value' | 'condition'): string[] | null {
  const parsed = parseSql(`${context === 'value' ? 'SELECT ' : 'SELECT 1 WHERE '}${expression}`);
  if (!parsed.ok) return null;
  const columns: string[] = [];
  let opaque = false;
  walk(parsed.result, (type, node: AstNode) => {
    if (type === 'SubLink' || type === 'RangeVar') opaque = true;
    if (type !== 'ColumnRef') return;
    const fields = node.fields as StringNode[] | undefined;
    const name = fields?.length === 1 ? fields[0]?.String?.sval : undefined;
    if (name !== undefined) columns.push(name);
  });
  return opaque ? null : [...new Set(columns)];
}
