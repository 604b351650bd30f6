/**
 * Private quoting for the backfill, activity and state parts until the dialect's shared names.ts
 * lands: identifiers always bracket-quoted (`]` doubled), strings as N'…' (`'` doubled).
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
