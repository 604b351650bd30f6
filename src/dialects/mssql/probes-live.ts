/**
 * Reading the row of probes-definition.ts: the FOR JSON text (the driver hands nvarchar(max) over
 * as a string), arrays of `{"name": …}`, and comparisons as SQL Server makes them: names without
 * case (the default collations), SQL fragments as read by the T-SQL fragment reader, so the
 * server's `([status]=(1))` and a plan's `status = 1` are the same condition.
 */
import { tsqlFragments } from './tsql-fragments.js';

export type Live = Record<string, unknown>;

/** The `def` value as an object: parsed when it is the JSON text FOR JSON returns. */
export function liveObject(live: unknown): Live {
  if (typeof live === 'string') {
    const parsed: unknown = JSON.parse(live);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Live) : {};
  }
  return typeof live === 'object' && live !== null ? (live as Live) : {};
}

/** The names of a FOR JSON array of `{"name": …}` (NULL, for no row, is none). */
export function namesOf(value: unknown): string[] {
  return Array.isArray(value) ? value.map((v) => String((v as { name?: unknown }).name)) : [];
}

export const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export function sameNames(plan: string[], live: string[]): boolean {
  return plan.length === live.length && plan.every((p, i) => sameName(p, live[i] ?? ''));
}

export function show(value: unknown): string {
  if (Array.isArray(value)) return `(${value.map(show).join(', ')})`;
  const scalar = value as string | number | boolean | null | undefined;
  return scalar === null || scalar === undefined ? 'none' : String(scalar);
}

/** Two T-SQL expressions read the same (parentheses, brackets and the case of keywords aside). */
export function sameExpression(a: string, b: string): boolean {
  return tsqlFragments.comparableExpression(a) === tsqlFragments.comparableExpression(b);
}

/** A catalog text column as a string, undefined when NULL. */
export const textOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
