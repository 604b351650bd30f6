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
 * (e.g. NEW.client_id inside a trigger). Uses the parser's locations, so string literals and
 * other names are never touched.
 */
export function qualifyColumnRefs(expression: string, column: string, qualifier: string): string {
  const prefix = 'SELECT ';
  const parsed = parseSql(prefix + expression);
  if (!parsed.ok) throw new Error(`internal: expression was validated but does not parse: ${parsed.error.message}`);
  const spots: { at: number; length: number }[] = [];
  walk(parsed.result, (type, value) => {
    if (type !== 'ColumnRef') return;
    const fields = value.fields as { String?: { sval?: string } }[] | undefined;
    if (fields?.length !== 1 || fields[0]?.String?.sval !== column) return;
    const at = (value.location as number) - prefix.length;
    const length = expression.slice(at).startsWith('"') ? expression.slice(at).indexOf('"', 1) + 1 : column.length;
    spots.push({ at, length });
  });
  let out = expression;
  for (const spot of spots.sort((a, b) => b.at - a.at)) {
    const original = out.slice(spot.at, spot.at + spot.length);
    out = `${out.slice(0, spot.at)}${qualifier}.${original}${out.slice(spot.at + spot.length)}`;
  }
  return out;
}
