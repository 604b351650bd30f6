/**
 * T-SQL quoting for the DDL renderers (private until src/dialects/mssql/names.ts is merged):
 * identifiers in brackets with `]` doubled, strings as N'…' with `'` doubled.
 */
import { splitQualified } from '../dialect.js';

export function ident(name: string): string {
  return `[${name.replaceAll(']', ']]')}]`;
}

export function qualified(name: string): string {
  const parts = splitQualified(name);
  return parts.schema === undefined ? ident(parts.name) : `${ident(parts.schema)}.${ident(parts.name)}`;
}

export function literal(value: string): string {
  return `N'${value.replaceAll("'", "''")}'`;
}

export const identList = (names: string[]): string => names.map(ident).join(', ');

/** OBJECT_ID of a table as the plan writes it (unqualified: the session's default schema). */
export const objectId = (table: string): string => `OBJECT_ID(${literal(qualified(table))})`;
