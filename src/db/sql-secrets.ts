/**
 * Other sessions' statements (pg_stat_activity.query, sys.dm_exec_sql_text) can hold secrets:
 * `ALTER ROLE … PASSWORD '…'`, `CREATE USER MAPPING … OPTIONS (password '…')`, connection strings
 * and URLs. Before such text is shown, stored or put in JSON it goes through activityQueryText: every
 * quoted value that follows a password-like word is masked, every URL's userinfo and `password=`
 * is masked, dollar-quoted bodies (DO blocks, functions) are scrubbed the same way, and the result
 * is capped. A literal cut off by a length cap runs to the end of the text, so it is masked too.
 */
import { redact } from './secrets.js';

const MASK = '****';

/** Words after which the next quoted value is taken to be a secret. */
const SECRET_WORD = /password|passwd|pwd|secret/i;
/** A dollar-quoted body that is code, not a value. */
const PLPGSQL_BODY = /^\s*(?:BEGIN|DECLARE|<<)/i;

/** A quoted identifier that is the option's name (`"password" '…'`), not its value. */
const SECRET_NAME = /^(?:ssl)?(?:password|passwd|pwd|secret)$/i;

/** How much of it is shown after scrubbing. */
export const ACTIVITY_QUERY_SHOWN_CHARS = 80;

interface Quoted {
  end: number;
  /** The opening and closing delimiters, kept around a mask. */
  open: string;
  close: string;
  body: string;
  kind: 'literal' | 'identifier' | 'dollar';
}

/** Where a quote opened at `start` by `quote` closes (-1: never); backslashes escape in E'' strings. */
function closingQuote(text: string, start: number, quote: string, backslashes: boolean): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (backslashes && c === '\\') i++;
    else if (c === quote) {
      if (text[i + 1] !== quote) return i;
      i++;
    }
  }
  return -1;
}

const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

function quotedAt(text: string, i: number): Quoted | null {
  const c = text[i];
  if (c === "'" || c === '"') {
    const escaped = c === "'" && /[eE]/.test(text[i - 1] ?? '') && !/[A-Za-z0-9_]/.test(text[i - 2] ?? '');
    const at = closingQuote(text, i, c, escaped);
    const end = at < 0 ? text.length : at + 1;
    const close = at < 0 ? '' : c;
    return {
      end,
      open: c,
      close,
      body: text.slice(i + 1, end - close.length),
      kind: c === "'" ? 'literal' : 'identifier',
    };
  }
  if (c === '$' && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
    const tag = DOLLAR_TAG.exec(text.slice(i))?.[0];
    if (!tag) return null;
    const closeAt = text.indexOf(tag, i + tag.length);
    const end = closeAt < 0 ? text.length : closeAt + tag.length;
    const close = closeAt < 0 ? '' : tag;
    return { end, open: tag, close, body: text.slice(i + tag.length, end - close.length), kind: 'dollar' };
  }
  return null;
}

function commentEnd(text: string, i: number): number {
  if (text.startsWith('--', i)) {
    const nl = text.indexOf('\n', i);
    return nl < 0 ? text.length : nl;
  }
  if (text.startsWith('/*', i)) {
    const close = text.indexOf('*/', i + 2);
    return close < 0 ? text.length : close + 2;
  }
  return i;
}

/** One quoted value, masked when what precedes it names a secret, else with its inner secrets scrubbed. */
function scrubQuoted(q: Quoted, context: string, maskAll: boolean): string {
  const masked = `${q.open}${MASK}${q.close}`;
  const kept = `${q.open}${q.body}${q.close}`;
  // A quoted identifier after the word is its value (`password "x"`), unless it is the word itself.
  if (q.kind === 'identifier') return SECRET_WORD.test(context) && !SECRET_NAME.test(q.body) ? masked : kept;
  if (SECRET_WORD.test(context)) return masked;
  // A PL/pgSQL body (DO, a function) is scrubbed as SQL; any other value of such a statement is masked.
  if (q.kind === 'dollar' && PLPGSQL_BODY.test(q.body)) return `${q.open}${scrubSqlSecrets(q.body)}${q.close}`;
  return maskAll ? masked : kept;
}

/**
 * `sql` with the secrets it may hold masked: in a statement that mentions a password-like word
 * anywhere, every string value (a literal holding a statement, `EXECUTE '… PASSWORD ''x'''`, too). `context` is the text since the last `,`, `(`, `;` or
 * string literal: a quoted value is a secret when its context holds a password-like word (so
 * `PASSWORD 'x'`, `password 'x'`, `"password" 'x'`, `password = "x"`, but not `user 'x'` next to it).
 */
export function scrubSqlSecrets(sql: string): string {
  let out = '';
  let context = '';
  const maskAll = SECRET_WORD.test(sql);
  for (let i = 0; i < sql.length;) {
    const afterComment = commentEnd(sql, i);
    if (afterComment > i) {
      out += ' ';
      i = afterComment;
      continue;
    }
    const q = quotedAt(sql, i);
    if (q) {
      out += scrubQuoted(q, context, maskAll);
      context = q.kind === 'identifier' ? `${context}"${q.body}"` : '';
      i = q.end;
      continue;
    }
    const c = sql[i] as string;
    out += c;
    context = c === ',' || c === '(' || c === ';' ? '' : context + c;
    i++;
  }
  return redact(out);
}

/** Another session's statement as it may be shown and stored: secrets masked, whitespace collapsed, capped. */
export function activityQueryText(raw: string | null | undefined, maxChars = ACTIVITY_QUERY_SHOWN_CHARS): string {
  const text = scrubSqlSecrets(raw ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}
