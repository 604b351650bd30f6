/** Small readers over the tokens of one T-SQL statement: names, parenthesised lists, WITH (…) options. */
import { isSymbol, isWord, nameOf, type Token } from './tsql-lexer.js';

export interface NameRead {
  /** The parts as SQL Server reads them (brackets undone): `dbo`, `orders`. */
  parts: string[];
  /** Index of the first token after the name. */
  next: number;
}

const isNamePart = (t: Token | undefined): t is Token => t !== undefined && (t.kind === 'word' || t.kind === 'quoted');

/** A one- to four-part name starting at token `i` (`db..t` keeps its empty part); undefined when none is there. */
export function readName(tokens: Token[], i: number): NameRead | undefined {
  const parts: string[] = [];
  let at = i;
  let expectPart = true;
  for (;;) {
    const token = tokens[at];
    if (expectPart && isNamePart(token)) {
      parts.push(nameOf(token));
      expectPart = false;
    } else if (isSymbol(token, '.') && parts.length > 0) {
      if (expectPart) parts.push('');
      expectPart = true;
    } else break;
    at += 1;
  }
  if (parts.length === 0) return undefined;
  return { parts, next: expectPart ? at - 1 : at };
}

/** `schema.table` or `table` as the plan writes it: server and database parts left out. */
export const tableText = (parts: string[]): string =>
  parts
    .slice(-2)
    .filter((p) => p !== '')
    .join('.');

/** The table named at token `i`, or undefined. */
export function tableAt(tokens: Token[], i: number): { table: string; next: number } | undefined {
  const read = readName(tokens, i);
  return read ? { table: tableText(read.parts), next: read.next } : undefined;
}

/** Index just after the `)` that closes the `(` at `i` (or `i` itself when no `(` is there). */
export function skipParens(tokens: Token[], i: number): number {
  if (!isSymbol(tokens[i], '(')) return i;
  let depth = 0;
  for (let at = i; at < tokens.length; at += 1) {
    if (isSymbol(tokens[at], '(')) depth += 1;
    else if (isSymbol(tokens[at], ')')) depth -= 1;
    if (depth === 0) return at + 1;
  }
  return tokens.length;
}

/** The tokens at paren depth 0 from `from`, with their indexes. */
export function topLevel(tokens: Token[], from = 0): { token: Token; index: number }[] {
  const out: { token: Token; index: number }[] = [];
  let depth = 0;
  tokens.forEach((token, index) => {
    if (index < from) return;
    if (isSymbol(token, '(')) depth += 1;
    else if (isSymbol(token, ')')) depth -= 1;
    else if (depth === 0) out.push({ token, index });
  });
  return out;
}

/** The index of the first top-level keyword `word` at or after `from`, or -1. */
export function topLevelWord(tokens: Token[], word: string, from = 0): number {
  return topLevel(tokens, from).find((t) => isWord(t.token, word))?.index ?? -1;
}

/**
 * The options of the first top-level `WITH ( name = value, … )` at or after `from`, names upper case;
 * a value is its first token upper case (`ONLINE = ON (WAIT_AT_LOW_PRIORITY …)` → ON).
 */
export function withOptions(tokens: Token[], from: number): Map<string, string> {
  const options = new Map<string, string>();
  const at = topLevel(tokens, from).find((t) => isWord(t.token, 'WITH') && isSymbol(tokens[t.index + 1], '('));
  if (!at) return options;
  const end = skipParens(tokens, at.index + 1) - 1;
  let depth = 0;
  for (let i = at.index + 2; i < end; i += 1) {
    const token = tokens[i] as Token;
    if (isSymbol(token, '(')) depth += 1;
    else if (isSymbol(token, ')')) depth -= 1;
    else if (depth === 0 && token.kind === 'word' && isSymbol(tokens[i + 1], '=')) {
      options.set(token.value, (tokens[i + 2]?.text ?? '').toUpperCase());
    }
  }
  return options;
}

/** The source text from token `from` to token `to` (inclusive). */
export function textBetween(sql: string, tokens: Token[], from: number, to: number): string {
  const first = tokens[from];
  const last = tokens[to];
  if (!first || !last) return '';
  return sql.slice(first.offset, last.offset + last.text.length);
}
