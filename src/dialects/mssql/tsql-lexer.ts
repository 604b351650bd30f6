/**
 * T-SQL tokens: what the fragment checker and the script splitter read. No T-SQL parser that can be
 * trusted exists for Node (see DEPENDENCIES.md), so schemashift reads T-SQL with its own lexer and
 * a deliberately small grammar: text it cannot read is refused, never guessed at.
 */

export type TokenKind =
  /** A regular identifier or keyword: `orders`, `SELECT`, `#temp`. */
  | 'word'
  /** `[name]` or `"name"`; `value` holds the name with its escapes undone. */
  | 'quoted'
  /** `'text'` or `N'text'`; `value` holds the text with `''` undone. */
  | 'string'
  /** `12`, `1.5`, `.5`, `1e3`, `0x1F`, `$12.50`. */
  | 'number'
  /** `@name` or `@@name`. */
  | 'variable'
  /** An operator or punctuation: `(`, `)`, `,`, `.`, `;`, `=`, `<>`, `+=`, `::`… */
  | 'symbol';

export interface Token {
  kind: TokenKind;
  /** Exactly as written. */
  text: string;
  /** For `word`: upper case. For `quoted` and `string`: the content. Otherwise the text. */
  value: string;
  /** Character offset in the source. */
  offset: number;
  /** A `string` written N'…'. */
  unicode?: boolean;
  /** Whitespace or a comment came right before it (or it is the first token). */
  spaced: boolean;
}

export class TsqlLexError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const WORD_START = /[\p{L}_#@]/u;
const WORD_PART = /[\p{L}\p{Nd}_#@$]/u;
const TWO_CHAR_SYMBOLS = new Set([
  '<>',
  '!=',
  '!<',
  '!>',
  '<=',
  '>=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '^=',
  '|=',
  '::',
]);
const ONE_CHAR_SYMBOLS = new Set([...'(),.;=<>+-*/%&|^~!:']);

/** The end of a `/* … *\/` comment starting at `start` (T-SQL nests them). */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth += 1;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else i += 1;
  }
  throw new TsqlLexError('a /* comment is not closed', start);
}

/** The end of a text closed by `close`, where `close` written twice stands for itself. */
function closedEnd(sql: string, start: number, close: string, what: string): { end: number; value: string } {
  let value = '';
  let i = start;
  for (;;) {
    const at = sql.indexOf(close, i);
    if (at < 0) throw new TsqlLexError(`${what} is not closed`, start - 1);
    value += sql.slice(i, at);
    if (sql[at + 1] === close) {
      value += close;
      i = at + 2;
    } else return { end: at + 1, value };
  }
}

const NUMBER = /^(?:0[xX][0-9A-Fa-f]*|\$?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;

/** Every token of `sql`; comments and whitespace are skipped. Throws TsqlLexError on unclosed text. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let spaced = true;
  const push = (token: Omit<Token, 'spaced'>): void => {
    tokens.push({ ...token, spaced });
    spaced = false;
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    if (/\s/u.test(c)) {
      i += 1;
      spaced = true;
    } else if (sql.startsWith('--', i)) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
      spaced = true;
    } else if (sql.startsWith('/*', i)) {
      i = blockCommentEnd(sql, i);
      spaced = true;
    } else if (c === "'" || ((c === 'N' || c === 'n') && sql[i + 1] === "'")) {
      const unicode = c !== "'";
      const { end, value } = closedEnd(sql, i + (unicode ? 2 : 1), "'", 'a string');
      push({ kind: 'string', text: sql.slice(i, end), value, offset: i, ...(unicode ? { unicode } : {}) });
      i = end;
    } else if (c === '[') {
      const { end, value } = closedEnd(sql, i + 1, ']', 'a [bracketed] name');
      push({ kind: 'quoted', text: sql.slice(i, end), value, offset: i });
      i = end;
    } else if (c === '"') {
      const { end, value } = closedEnd(sql, i + 1, '"', 'a "quoted" name');
      push({ kind: 'quoted', text: sql.slice(i, end), value, offset: i });
      i = end;
    } else if (
      /[0-9]/.test(c) ||
      (c === '.' && /[0-9]/.test(sql[i + 1] ?? '')) ||
      (c === '$' && /[0-9.]/.test(sql[i + 1] ?? ''))
    ) {
      const text = (NUMBER.exec(sql.slice(i)) as RegExpExecArray)[0];
      push({ kind: 'number', text, value: text, offset: i });
      i += text.length;
    } else if (c === '@') {
      let end = i + (sql[i + 1] === '@' ? 2 : 1);
      while (end < sql.length && WORD_PART.test(sql[end] as string)) end += 1;
      push({ kind: 'variable', text: sql.slice(i, end), value: sql.slice(i, end), offset: i });
      i = end;
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < sql.length && WORD_PART.test(sql[end] as string)) end += 1;
      const text = sql.slice(i, end);
      push({ kind: 'word', text, value: text.toUpperCase(), offset: i });
      i = end;
    } else if (TWO_CHAR_SYMBOLS.has(sql.slice(i, i + 2))) {
      push({ kind: 'symbol', text: sql.slice(i, i + 2), value: sql.slice(i, i + 2), offset: i });
      i += 2;
    } else if (ONE_CHAR_SYMBOLS.has(c)) {
      push({ kind: 'symbol', text: c, value: c, offset: i });
      i += 1;
    } else {
      throw new TsqlLexError(`T-SQL has no token starting with ${JSON.stringify(c)}`, i);
    }
  }
  return tokens;
}

/** The token is the keyword `word` (case-insensitive), never a quoted name. */
export const isWord = (t: Token | undefined, ...words: string[]): boolean =>
  t !== undefined && t.kind === 'word' && words.includes(t.value);

export const isSymbol = (t: Token | undefined, ...symbols: string[]): boolean =>
  t !== undefined && t.kind === 'symbol' && symbols.includes(t.value);

/** A name as SQL Server reads it: a regular identifier or a quoted one's content. */
export const nameOf = (t: Token): string => (t.kind === 'quoted' ? t.value : t.text);
