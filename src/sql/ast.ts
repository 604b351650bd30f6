import { parseSql } from './parser.js';

export type AstNode = Record<string, unknown>;

/** Visit every object in a libpg-query AST, depth first, with the node-type key it sits under. */
export function walk(node: unknown, visit: (type: string, value: AstNode) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && /^[A-Z]/.test(key)) {
      visit(key, value as AstNode);
    }
    walk(value, visit);
  }
}

/**
 * Qualify every bare reference to `column` in a SQL value expression with `qualifier`
 * (e.g. NEW.client_id inside a trigger). Uses the parser's locations (byte offsets), so string
 * literals and other names are never touched. See row-expression.ts to qualify every column.
 */
export function qualifyColumnRefs(expression: string, column: string, qualifier: string): string {
  const prefix = 'SELECT ';
  const parsed = parseSql(prefix + expression);
  if (!parsed.ok) throw new Error(`internal: expression was validated but does not parse: ${parsed.error.message}`);
  const spots: number[] = [];
  walk(parsed.result, (type, value) => {
    if (type !== 'ColumnRef') return;
    const fields = value.fields as { String?: { sval?: string } }[] | undefined;
    if (fields?.length === 1 && fields[0]?.String?.sval === column) spots.push((value.location as number) - prefix.length);
  });
  let bytes = Buffer.from(expression);
  for (const at of spots.sort((a, b) => b - a)) bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(`${qualifier}.`), bytes.subarray(at)]);
  return bytes.toString();
}
