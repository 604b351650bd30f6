/**
 * What T-SQL statements remove, worded as the PostgreSQL dialect words it: `column t.c`, `constraint c on t`.
 * Statements nest (IF … BEGIN … END, BEGIN TRY … END CATCH, WHILE), so every statement at any depth is
 * read; a module's body (CREATE PROCEDURE, TRIGGER…) does not run when it is created and is left out.
 * Undefined means it cannot be told: dynamic SQL whose text is not readable, ALTER TABLE … SWITCH, a DROP
 * of a kind not known here.
 */
import { isSymbol, isWord, type Token } from './tsql-lexer.js';
import { readAlterTable } from './tsql-script-alter.js';
import { execDrops, type ReadScript } from './tsql-script-dynamic.js';
import { readName, tableAt, tableText } from './tsql-script-read.js';
import { readDataChange } from './tsql-script-shapes.js';
import type { TsqlStatement } from './tsql-script-split.js';
import { moduleOf } from './tsql-script-structure.js';

type Drops = string[] | undefined;

const KINDS: Record<string, string> = { PROC: 'procedure' };
const DROPPABLE = new Set([
  ...['TABLE', 'VIEW', 'INDEX', 'TRIGGER', 'FUNCTION', 'PROCEDURE', 'PROC', 'SEQUENCE', 'SYNONYM', 'TYPE'],
  ...['SCHEMA', 'STATISTICS', 'DEFAULT', 'RULE', 'USER', 'ROLE', 'LOGIN', 'DATABASE', 'ASSEMBLY', 'AGGREGATE'],
]);

/** Words that end a statement nested without its `;` (besides `;`, END and ELSE). */
const STATEMENT_WORDS = [
  ...['ALTER', 'BEGIN', 'BREAK', 'CLOSE', 'COMMIT', 'CONTINUE', 'CREATE', 'DEALLOCATE', 'DECLARE', 'DELETE'],
  ...['DENY', 'DROP', 'EXEC', 'EXECUTE', 'FETCH', 'GOTO', 'GRANT', 'IF', 'INSERT', 'MERGE', 'OPEN', 'PRINT'],
  ...['RAISERROR', 'RETURN', 'REVOKE', 'ROLLBACK', 'SELECT', 'SET', 'THROW', 'TRUNCATE', 'UPDATE', 'USE'],
  ...['WAITFOR', 'WHILE'],
];

/** Index just past the nested statement starting at `start`; `own` is where its own grammar puts a statement word. */
function statementEnd(tokens: Token[], start: number, own: number): number {
  let depth = 0;
  let cases = 0;
  for (let i = start + 1; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (isSymbol(token, '(')) depth += 1;
    else if (isSymbol(token, ')')) depth -= 1;
    else if (depth > 0) continue;
    else if (isWord(token, 'CASE')) cases += 1;
    else if (isWord(token, 'END') && cases > 0) cases -= 1;
    else if (isSymbol(token, ';') || isWord(token, 'END', 'ELSE')) return i;
    else if (i === own || (isWord(token, 'IF') && isWord(tokens[i + 1], 'EXISTS'))) continue;
    else if (isWord(token, 'DELETE', 'UPDATE') && isWord(tokens[i - 1], 'ON')) continue;
    else if (isWord(token, ...STATEMENT_WORDS)) return i;
  }
  return tokens.length;
}

/** The comma-separated names after `DROP <kind> [IF EXISTS]` at `at`; an index as `i ON t` or `t.i`. */
function droppedNames(tokens: Token[], at: number): { names: string[]; next: number } {
  const kind = (tokens[at + 1] as Token).value;
  const word = KINDS[kind] ?? kind.toLowerCase();
  const names: string[] = [];
  let i = isWord(tokens[at + 2], 'IF') && isWord(tokens[at + 3], 'EXISTS') ? at + 4 : at + 2;
  while (i < tokens.length) {
    const name = readName(tokens, i);
    if (!name) break;
    i = name.next;
    const single = kind === 'INDEX' ? (name.parts[name.parts.length - 1] ?? '') : tableText(name.parts);
    names.push(`${word} ${single}`);
    if (isWord(tokens[i], 'ON')) i = tableAt(tokens, i + 1)?.next ?? tokens.length;
    if (!isSymbol(tokens[i], ',')) break;
    i += 1;
  }
  return { names, next: i };
}

function alterDrops(sql: string, tokens: Token[]): Drops {
  const alter = readAlterTable(sql, tokens);
  if (!alter) return [];
  if (alter.actions.some((a) => a.kind === 'other' && a.word === 'SWITCH')) return undefined;
  return alter.actions.flatMap((a) => {
    if (a.kind === 'drop_column') return [`column ${alter.table}.${a.name}`];
    return a.kind === 'drop_constraint' ? [`constraint ${a.name} on ${alter.table}`] : [];
  });
}

/** The index of the word right after `ALTER TABLE name [WITH CHECK|NOCHECK]`: its action (ADD, DROP, SET…). */
function alterActionAt(tokens: Token[], at: number): number {
  const name = readName(tokens, at + 2);
  const next = name?.next ?? at + 2;
  return isWord(tokens[next], 'WITH') && isWord(tokens[next + 1], 'CHECK', 'NOCHECK') ? next + 2 : next;
}

/** Words before DELETE that make it part of another statement: `ON DELETE`, `GRANT DELETE`, MERGE's `THEN DELETE`. */
const NOT_A_DELETE = ['ON', 'THEN', 'GRANT', 'DENY', 'REVOKE', 'FOR', 'AFTER', 'OF'];

/** What the nested statement at `at` removes, and where reading goes on. */
function dropsAt(sql: string, tokens: Token[], at: number, batch: Token[], readScript: ReadScript) {
  const token = tokens[at];
  const next = tokens[at + 1];
  if (isWord(token, 'ALTER') && isWord(next, 'TABLE')) {
    const end = statementEnd(tokens, at, alterActionAt(tokens, at));
    return { drops: alterDrops(sql, tokens.slice(at, end)), next: end };
  }
  if (isWord(token, 'DROP') && next?.kind === 'word') {
    if (!DROPPABLE.has(next.value)) return { drops: undefined, next: at + 1 };
    const { names, next: after } = droppedNames(tokens, at);
    return { drops: names, next: after };
  }
  if (isWord(token, 'TRUNCATE') && isWord(next, 'TABLE')) {
    const table = tableAt(tokens, at + 2);
    return { drops: table ? [`every row of table ${table.table}`] : undefined, next: table?.next ?? at + 2 };
  }
  if (isWord(token, 'DELETE') && !isWord(tokens[at - 1], ...NOT_A_DELETE) && !isSymbol(tokens[at - 1], ',')) {
    const end = statementEnd(tokens, at, -1);
    const change = readDataChange(tokens.slice(at, end));
    return { drops: change?.table ? [`rows of table ${change.table} (DELETE)`] : [], next: end };
  }
  if (isWord(token, 'EXEC', 'EXECUTE')) {
    const end = statementEnd(tokens, at, -1);
    return { drops: execDrops(tokens.slice(at, end), batch, readScript), next: end };
  }
  return { drops: [], next: at + 1 };
}

/** What one top-level statement removes, nested statements included. */
function statementDrops(sql: string, tokens: Token[], batch: Token[], readScript: ReadScript): Drops {
  if (moduleOf(tokens)) return [];
  const drops: string[] = [];
  let depth = 0;
  for (let at = 0; at < tokens.length;) {
    if (isSymbol(tokens[at], '(')) depth += 1;
    else if (isSymbol(tokens[at], ')')) depth -= 1;
    if (depth > 0 || isSymbol(tokens[at], ')')) {
      at += 1;
      continue;
    }
    const read = dropsAt(sql, tokens, at, batch, readScript);
    if (!read.drops) return undefined;
    drops.push(...read.drops);
    at = Math.max(read.next, at + 1);
  }
  return drops;
}

/** Stands for the `;` that ends each statement when a batch's statements are read as one token list. */
const END: Token = { kind: 'symbol', text: ';', value: ';', offset: -1, spaced: true };

/** What the statements remove, in order; undefined when something they remove cannot be told. */
export function scriptDrops(sql: string, statements: TsqlStatement[], readScript: ReadScript): Drops {
  const drops: string[] = [];
  for (const statement of statements) {
    const batch = statements.filter((s) => s.batch === statement.batch).flatMap((s) => [...s.tokens, END]);
    const read = statementDrops(sql, statement.tokens, batch, readScript);
    if (!read) return undefined;
    drops.push(...read);
  }
  return drops;
}
