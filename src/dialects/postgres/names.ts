import { splitQualified, type DialectNames } from '../dialect.js';
import { NON_UNRESERVED_KEYWORDS } from './keywords.js';

const BARE_IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;

export function quoteIdent(name: string): string {
  if (BARE_IDENTIFIER.test(name) && !NON_UNRESERVED_KEYWORDS.has(name)) return name;
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteQualified(name: string): string {
  const parts = splitQualified(name);
  return parts.schema === undefined ? quoteIdent(parts.name) : `${quoteIdent(parts.schema)}.${quoteIdent(parts.name)}`;
}

export function quoteLiteral(value: string): string {
  const escaped = value.replaceAll("'", "''");
  return value.includes('\\') ? `E'${escaped.replaceAll('\\', '\\\\')}'` : `'${escaped}'`;
}

export const postgresNames: DialectNames = { ident: quoteIdent, qualified: quoteQualified, literal: quoteLiteral };
