import { parseSql } from './parser.js';

/** One expression's parse tree without positions: `(qty > 0)` and `qty>0` compare equal; casts count. */
export function comparableExpression(expression: string): string {
  const parsed = parseSql(`SELECT ${expression}`);
  if (!parsed.ok) return expression.trim();
  return JSON.stringify(parsed.result, (key, value: unknown) => (key === 'location' ? undefined : value));
}
