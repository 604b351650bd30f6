/**
 * T-SQL names and literals. A name is left bare only when it is a regular identifier in its plainest
 * form (ASCII letter or `_`, then ASCII letters, digits, `_`) and not a reserved keyword; everything
 * else is bracket-quoted with `]` doubled, which is always safe. Mixed case is left bare: brackets do
 * not change how SQL Server compares names (the collation decides), so quoting would gain nothing.
 */
import { splitQualified, type DialectNames } from '../dialect.js';
import { RESERVED_KEYWORDS } from './keywords.js';

/** sysname: nvarchar(128). A longer name fails on the server with error 103. */
export const MAX_IDENTIFIER_LENGTH = 128;

const BARE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkLength(name: string): void {
  if (name.length === 0) throw new Error('internal: an empty SQL Server identifier');
  if (name.length > MAX_IDENTIFIER_LENGTH) {
    throw new Error(`SQL Server names are at most ${MAX_IDENTIFIER_LENGTH} characters: ${name.slice(0, 40)}…`);
  }
}

/** Always in brackets (`]` doubled): the form every generated statement uses, whatever the name. */
export function bracketIdent(name: string): string {
  checkLength(name);
  return `[${name.replaceAll(']', ']]')}]`;
}

/** `schema.name` or `name`, each part in brackets; an absent schema stays absent. */
export function bracketQualified(name: string): string {
  const parts = splitQualified(name);
  return parts.schema === undefined
    ? bracketIdent(parts.name)
    : `${bracketIdent(parts.schema)}.${bracketIdent(parts.name)}`;
}

export function quoteIdent(name: string): string {
  checkLength(name);
  if (BARE_IDENTIFIER.test(name) && !RESERVED_KEYWORDS.has(name.toLowerCase())) return name;
  return bracketIdent(name);
}

/** `schema.name` or `name`, kept as given: an absent schema stays absent (the user's default schema). */
export function quoteQualified(name: string): string {
  const parts = splitQualified(name);
  return parts.schema === undefined ? quoteIdent(parts.name) : `${quoteIdent(parts.schema)}.${quoteIdent(parts.name)}`;
}

/** A Unicode string literal: without the N prefix, characters outside the database code page become `?`. */
export function quoteLiteral(value: string): string {
  return `N'${value.replaceAll("'", "''")}'`;
}

export const mssqlNames: DialectNames = { ident: quoteIdent, qualified: quoteQualified, literal: quoteLiteral };
