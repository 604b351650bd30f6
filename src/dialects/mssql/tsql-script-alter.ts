/** ALTER TABLE read into its actions: what each adds, alters, drops or (re)checks, with offsets for messages. */
import { isSymbol, isWord, nameOf, type Token } from './tsql-lexer.js';
import { readName, tableText, textBetween, withOptions } from './tsql-script-read.js';

export type ConstraintType = 'check' | 'foreign_key' | 'primary_key' | 'unique' | 'default' | 'other';

export type AlterAction =
  | {
      kind: 'add_column';
      column: string;
      offset: number;
      type: string;
      notNull: boolean;
      /** The DEFAULT expression as written. */
      default?: string;
      identity: boolean;
    }
  | {
      kind: 'add_constraint';
      name?: string;
      type: ConstraintType;
      offset: number;
      checksRows: boolean;
      /** PRIMARY KEY / UNIQUE: the index is built WITH (ONLINE = ON). */
      online: boolean;
      /** The table a FOREIGN KEY references. */
      references?: string;
    }
  | { kind: 'alter_column'; column: string; offset: number; type: string; notNull: boolean; online: boolean }
  | { kind: 'drop_column' | 'drop_constraint'; name: string; offset: number }
  | { kind: 'check_constraint'; names: string[]; offset: number; checksRows: boolean }
  | { kind: 'other'; offset: number; word: string };

export interface AlterTable {
  table: string;
  actions: AlterAction[];
}

/** The top-level, comma-separated items of tokens[from..]. */
function items(tokens: Token[], from: number): Token[][] {
  const out: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens.slice(from)) {
    if (isSymbol(token, '(')) depth += 1;
    else if (isSymbol(token, ')')) depth -= 1;
    if (depth === 0 && isSymbol(token, ',')) out.push([]);
    else out[out.length - 1]?.push(token);
  }
  return out.filter((item) => item.length > 0);
}

/** Index of the first top-level token of `item` that is one of `words`, or the item's length. */
function firstTop(item: Token[], from: number, words: string[]): number {
  let depth = 0;
  for (let i = from; i < item.length; i += 1) {
    if (isSymbol(item[i], '(')) depth += 1;
    else if (isSymbol(item[i], ')')) depth -= 1;
    else if (depth === 0 && isWord(item[i], ...words)) return i;
  }
  return item.length;
}

const COLUMN_OPTIONS = [
  'NULL',
  'NOT',
  'DEFAULT',
  'CONSTRAINT',
  'PRIMARY',
  'UNIQUE',
  'CHECK',
  'REFERENCES',
  'FOREIGN',
  'IDENTITY',
  'COLLATE',
  'SPARSE',
  'ROWGUIDCOL',
  'WITH',
  'MASKED',
  'ENCRYPTED',
  'GENERATED',
  'HIDDEN',
  'FILESTREAM',
  'PERSISTED',
];

const notNullIn = (item: Token[]): boolean => item.some((t, i) => isWord(t, 'NOT') && isWord(item[i + 1], 'NULL'));

function addColumn(sql: string, item: Token[]): AlterAction {
  const typeEnd = firstTop(item, 1, COLUMN_OPTIONS);
  const at = firstTop(item, 1, ['DEFAULT']);
  const action: AlterAction = {
    kind: 'add_column',
    column: nameOf(item[0] as Token),
    offset: (item[0] as Token).offset,
    type: textBetween(sql, item, 1, typeEnd - 1),
    notNull: notNullIn(item),
    identity: item.some((t) => isWord(t, 'IDENTITY')),
  };
  if (at < item.length) action.default = textBetween(sql, item, at + 1, firstTop(item, at + 1, COLUMN_OPTIONS) - 1);
  return action;
}

const CONSTRAINT_TYPES: Record<string, ConstraintType> = {
  CHECK: 'check',
  FOREIGN: 'foreign_key',
  PRIMARY: 'primary_key',
  UNIQUE: 'unique',
  DEFAULT: 'default',
};

function addItem(sql: string, item: Token[], noCheck: boolean): AlterAction {
  const first = item[0] as Token;
  const named = isWord(first, 'CONSTRAINT');
  const typeWord = item[named ? 2 : 0];
  if (!named && !isWord(typeWord, ...Object.keys(CONSTRAINT_TYPES))) return addColumn(sql, item);
  const type = typeWord?.kind === 'word' ? (CONSTRAINT_TYPES[typeWord.value] ?? 'other') : 'other';
  // PRIMARY KEY and UNIQUE build an index over every row whatever NOCHECK says; CHECK and FOREIGN KEY scan unless NOCHECK.
  const checksRows =
    type === 'primary_key' || type === 'unique' || ((type === 'check' || type === 'foreign_key') && !noCheck);
  const online = withOptions(item, 0).get('ONLINE') === 'ON';
  const action: AlterAction = { kind: 'add_constraint', type, offset: first.offset, checksRows, online };
  if (named && item[1]) action.name = nameOf(item[1]);
  const references = item.findIndex((t) => isWord(t, 'REFERENCES'));
  const referenced = references < 0 ? undefined : readName(item, references + 1);
  if (referenced) action.references = tableText(referenced.parts);
  return action;
}

function dropItems(tokens: Token[], from: number): AlterAction[] {
  let kind: 'drop_column' | 'drop_constraint' = 'drop_constraint';
  return items(tokens, from).flatMap((item): AlterAction[] => {
    let i = 0;
    if (isWord(item[i], 'COLUMN', 'CONSTRAINT')) kind = isWord(item[i], 'COLUMN') ? 'drop_column' : 'drop_constraint';
    if (isWord(item[i], 'COLUMN', 'CONSTRAINT')) i += 1;
    if (isWord(item[i], 'IF') && isWord(item[i + 1], 'EXISTS')) i += 2;
    const name = item[i];
    if (!name || isWord(name, 'PERIOD', 'WITH')) return [{ kind: 'other', offset: item[0]?.offset ?? 0, word: 'DROP' }];
    return [{ kind, name: nameOf(name), offset: name.offset }];
  });
}

function alterColumn(sql: string, tokens: Token[], at: number): AlterAction {
  const name = tokens[at + 2] as Token;
  const rest = tokens.slice(at + 3);
  const typeEnd = firstTop(rest, 0, COLUMN_OPTIONS);
  return {
    kind: 'alter_column',
    column: nameOf(name),
    offset: (tokens[at] as Token).offset,
    type: isWord(rest[0], 'ADD', 'DROP') ? '' : textBetween(sql, rest, 0, typeEnd - 1),
    notNull: notNullIn(rest),
    online: withOptions(tokens, at).get('ONLINE') === 'ON',
  };
}

/** `ALTER TABLE t …` read into actions; undefined for any other statement. */
export function readAlterTable(sql: string, tokens: Token[]): AlterTable | undefined {
  if (!isWord(tokens[0], 'ALTER') || !isWord(tokens[1], 'TABLE')) return undefined;
  const name = readName(tokens, 2);
  if (!name) return undefined;
  let at = name.next;
  let mode: string | undefined;
  if (isWord(tokens[at], 'WITH') && isWord(tokens[at + 1], 'CHECK', 'NOCHECK')) {
    mode = tokens[at + 1]?.value;
    at += 2;
  }
  const word = tokens[at];
  const table = tableText(name.parts);
  const offset = word?.offset ?? 0;
  if (isWord(word, 'ADD'))
    return { table, actions: items(tokens, at + 1).map((i) => addItem(sql, i, mode === 'NOCHECK')) };
  if (isWord(word, 'ALTER') && isWord(tokens[at + 1], 'COLUMN') && tokens[at + 2]) {
    return { table, actions: [alterColumn(sql, tokens, at)] };
  }
  if (isWord(word, 'DROP')) return { table, actions: dropItems(tokens, at + 1) };
  if (isWord(word, 'CHECK', 'NOCHECK') && isWord(tokens[at + 1], 'CONSTRAINT')) {
    const names = items(tokens, at + 2).map((i) => (i[0] ? nameOf(i[0]) : ''));
    const checksRows = isWord(word, 'CHECK') && mode === 'CHECK';
    return { table, actions: [{ kind: 'check_constraint', names, offset, checksRows }] };
  }
  return { table, actions: [{ kind: 'other', offset, word: word?.value ?? '' }] };
}
