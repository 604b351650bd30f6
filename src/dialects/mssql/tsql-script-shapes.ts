/** CREATE INDEX, data changes (UPDATE, DELETE, INSERT, MERGE) and sp_rename, read from their tokens. */
import { isSymbol, isWord, nameOf, type Token } from './tsql-lexer.js';
import { readName, skipParens, tableAt, tableText, textBetween, topLevel, withOptions } from './tsql-script-read.js';

export interface CreateIndex {
  name: string;
  table: string;
  unique: boolean;
  clustered: boolean;
  online: boolean;
  resumable: boolean;
  /** The key list as written, without its parentheses: `customer_id, created_at DESC`. */
  keys: string;
}

const INDEX_WORDS = ['UNIQUE', 'CLUSTERED', 'NONCLUSTERED', 'COLUMNSTORE', 'XML', 'SPATIAL', 'PRIMARY'];

export function readCreateIndex(sql: string, tokens: Token[]): CreateIndex | undefined {
  if (!isWord(tokens[0], 'CREATE')) return undefined;
  let at = 1;
  while (isWord(tokens[at], ...INDEX_WORDS)) at += 1;
  const words = tokens.slice(1, at);
  const name = tokens[at + 1];
  if (!isWord(tokens[at], 'INDEX') || !name || !isWord(tokens[at + 2], 'ON')) return undefined;
  const table = tableAt(tokens, at + 3);
  if (!table) return undefined;
  const options = withOptions(tokens, table.next);
  const close = skipParens(tokens, table.next);
  return {
    name: nameOf(name),
    table: table.table,
    unique: words.some((w) => isWord(w, 'UNIQUE')),
    clustered: words.some((w) => isWord(w, 'CLUSTERED')),
    online: options.get('ONLINE') === 'ON',
    resumable: options.get('RESUMABLE') === 'ON',
    keys: close > table.next ? textBetween(sql, tokens, table.next + 1, close - 2) : '',
  };
}

export interface DataChange {
  verb: 'UPDATE' | 'DELETE' | 'INSERT' | 'MERGE';
  /** The target as written; undefined for a table variable. */
  table?: string;
  /** TOP (n): the number, or NaN when it is a variable or an expression; undefined without TOP. */
  top?: number;
  where: boolean;
  /** INSERT … VALUES / DEFAULT VALUES: only the rows written out. */
  values: boolean;
  offset: number;
}

/** The number of TOP (n) / TOP n at `at`, and the index after it. */
function readTop(tokens: Token[], at: number): { top?: number; next: number } {
  if (!isWord(tokens[at], 'TOP')) return { next: at };
  const paren = isSymbol(tokens[at + 1], '(');
  const value = tokens[at + (paren ? 2 : 1)];
  const closed = !paren || isSymbol(tokens[at + 3], ')');
  const top = value?.kind === 'number' && closed && /^\d+$/.test(value.text) ? Number(value.text) : Number.NaN;
  const next = paren ? skipParens(tokens, at + 1) : at + 2;
  return { top, next: isWord(tokens[next], 'PERCENT') ? next + 1 : next };
}

/** UPDATE/DELETE/INSERT/MERGE, also after a WITH common table expression; undefined for other statements. */
export function readDataChange(tokens: Token[]): DataChange | undefined {
  let start = 0;
  if (isWord(tokens[0], 'WITH')) {
    start = topLevel(tokens, 1).find((t) => isWord(t.token, 'UPDATE', 'DELETE', 'INSERT', 'MERGE'))?.index ?? -1;
  }
  const verbToken = tokens[start];
  if (start < 0 || !isWord(verbToken, 'UPDATE', 'DELETE', 'INSERT', 'MERGE')) return undefined;
  if (isWord(verbToken, 'UPDATE') && isWord(tokens[start + 1], 'STATISTICS')) return undefined;
  const verb = (verbToken as Token).value as DataChange['verb'];
  const { top, next } = readTop(tokens, start + 1);
  const at = isWord(tokens[next], 'INTO', 'FROM') ? next + 1 : next;
  const target = readName(tokens, at);
  const rest = topLevel(tokens, at);
  const change: DataChange = {
    verb,
    where: rest.some((t) => isWord(t.token, 'WHERE')),
    values:
      verb === 'INSERT' &&
      rest.some((t) => isWord(t.token, 'VALUES')) &&
      !rest.some((t) => isWord(t.token, 'SELECT', 'EXEC', 'EXECUTE')),
    offset: (verbToken as Token).offset,
  };
  if (target) change.table = tableText(target.parts);
  if (top !== undefined) change.top = top;
  return change;
}

export interface Rename {
  /** As given to sp_rename: `dbo.orders.client_id`, `orders`. */
  object: string;
  newName: string;
  /** OBJECT when not given; COLUMN, INDEX, DATABASE, USERDATATYPE, STATISTICS. */
  type: string;
  offset: number;
}

const RENAME_ARGS = ['@OBJNAME', '@NEWNAME', '@OBJTYPE'];

/** `EXEC [sys.]sp_rename 'a.b', 'c', 'COLUMN'`, with positional or named arguments; undefined otherwise. */
export function readRename(tokens: Token[]): Rename | undefined {
  if (!isWord(tokens[0], 'EXEC', 'EXECUTE')) return undefined;
  const proc = readName(tokens, 1);
  if (!proc || proc.parts[proc.parts.length - 1]?.toLowerCase() !== 'sp_rename') return undefined;
  const args = new Map<string, string>();
  let position = 0;
  for (let i = proc.next; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (isSymbol(token, ',')) continue;
    let key = RENAME_ARGS[position];
    if (token.kind === 'variable' && isSymbol(tokens[i + 1], '=')) {
      key = token.value.toUpperCase();
      i += 2;
    }
    const value = tokens[i];
    if (key && value?.kind === 'string') args.set(key, value.value);
    position += 1;
  }
  const object = args.get('@OBJNAME');
  const newName = args.get('@NEWNAME');
  if (object === undefined || newName === undefined) return undefined;
  return {
    object,
    newName,
    type: (args.get('@OBJTYPE') ?? 'OBJECT').toUpperCase(),
    offset: (tokens[0] as Token).offset,
  };
}

/** The table a rename touches and the object's own last name: `dbo.orders.client_id` → dbo.orders, client_id. */
export function renamedParts(rename: Rename): { table: string; name: string } {
  const parts = rename.object.split('.').map((p) => p.replace(/^\[(.*)\]$/, '$1'));
  const name = parts[parts.length - 1] ?? '';
  if (rename.type === 'COLUMN' || rename.type === 'INDEX' || rename.type === 'STATISTICS') {
    return { table: tableText(parts.slice(0, -1)), name };
  }
  return { table: tableText(parts), name };
}
