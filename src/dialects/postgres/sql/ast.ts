import { parseSql } from './parser.js';

export type AstNode = Record<string, unknown>;

/** A scalar field of a libpg-query AST node (a name, a number, a flag) as text; '' when absent (or not a scalar). */
export function astText(value: unknown): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

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

/** Character offset in `text` of a UTF-8 byte offset (the scanner and the parser count bytes). */
export function charOffset(text: string, byteOffset: number): number {
  return Buffer.from(text, 'utf8').subarray(0, Math.max(0, byteOffset)).toString('utf8').length;
}

/**
 * Apply edits at the parser's locations, which are BYTE offsets: each replaces `length` bytes at
 * `at` with `insert`. Applied last first, so earlier offsets stay right.
 */
export function spliceAtBytes(text: string, edits: { at: number; length: number; insert: string }[]): string {
  let bytes = Buffer.from(text, 'utf8');
  for (const e of [...edits].sort((a, b) => b.at - a.at)) {
    bytes = Buffer.concat([bytes.subarray(0, e.at), Buffer.from(e.insert, 'utf8'), bytes.subarray(e.at + e.length)]);
  }
  return bytes.toString('utf8');
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
    if (fields?.length === 1 && fields[0]?.String?.sval === column)
      spots.push((value.location as number) - prefix.length);
  });
  return spliceAtBytes(
    expression,
    spots.map((at) => ({ at, length: 0, insert: `${qualifier}.` })),
  );
}
