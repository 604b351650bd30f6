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

/**
 * A qualified name that may already be quoted SQL (`"my.schema"."t"`, `public."a.b"`: as the runner
 * passes names it resolved, whose parts may hold a dot), requoted part by part. A name that is not
 * such SQL (no quoted part, or a part that is neither quoted nor a plain identifier) is read as
 * quoteQualified reads it.
 */
export function quoteQualifiedSql(name: string): string {
  const parts = quotedSqlParts(name);
  return parts ? parts.map(quoteIdent).join('.') : quoteQualified(name);
}

const PLAIN_PART = /^[A-Za-z_][A-Za-z0-9_$]*/;

function quotedSqlParts(name: string): string[] | undefined {
  const parts: string[] = [];
  let quoted = false;
  let rest = name;
  for (;;) {
    if (rest.startsWith('"')) {
      const match = /^"((?:[^"]|"")*)"/.exec(rest);
      if (!match) return undefined;
      parts.push((match[1] as string).replaceAll('""', '"'));
      rest = rest.slice(match[0].length);
      quoted = true;
    } else {
      const match = PLAIN_PART.exec(rest);
      if (!match) return undefined;
      parts.push(match[0]);
      rest = rest.slice(match[0].length);
    }
    if (rest === '') break;
    if (!rest.startsWith('.')) return undefined;
    rest = rest.slice(1);
  }
  return quoted && parts.length <= 2 ? parts : undefined;
}

export function quoteLiteral(value: string): string {
  const escaped = value.replaceAll("'", "''");
  return value.includes('\\') ? `E'${escaped.replaceAll('\\', '\\\\')}'` : `'${escaped}'`;
}

export const postgresNames: DialectNames = { ident: quoteIdent, qualified: quoteQualified, literal: quoteLiteral };
