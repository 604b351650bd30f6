/** What T-SQL statements remove, worded as the PostgreSQL dialect words it: `column t.c`, `constraint c on t`. */
import { isSymbol, isWord, type Token } from './tsql-lexer.js';
import { readAlterTable } from './tsql-script-alter.js';
import { readName, tableAt, tableText } from './tsql-script-read.js';
import { readDataChange } from './tsql-script-shapes.js';
import type { TsqlStatement } from './tsql-script-split.js';

const KINDS: Record<string, string> = { PROC: 'procedure' };

/** The comma-separated names after `DROP <kind> [IF EXISTS]`; an index as `i ON t` or `t.i`. */
function droppedNames(tokens: Token[]): string[] {
  const kind = (tokens[1] as Token).value;
  const word = KINDS[kind] ?? kind.toLowerCase();
  const names: string[] = [];
  let at = isWord(tokens[2], 'IF') && isWord(tokens[3], 'EXISTS') ? 4 : 2;
  while (at < tokens.length) {
    const name = readName(tokens, at);
    if (!name) break;
    at = name.next;
    const single = kind === 'INDEX' ? (name.parts[name.parts.length - 1] ?? '') : tableText(name.parts);
    names.push(`${word} ${single}`);
    if (isWord(tokens[at], 'ON')) at = tableAt(tokens, at + 1)?.next ?? tokens.length;
    if (!isSymbol(tokens[at], ',')) break;
    at += 1;
  }
  return names;
}

function statementDrops(sql: string, tokens: Token[]): string[] {
  const [first, second] = tokens;
  if (isWord(first, 'DROP') && second?.kind === 'word') return droppedNames(tokens);
  if (isWord(first, 'TRUNCATE') && isWord(second, 'TABLE')) {
    const table = tableAt(tokens, 2);
    return table ? [`every row of table ${table.table}`] : [];
  }
  const alter = readAlterTable(sql, tokens);
  if (alter) {
    return alter.actions.flatMap((a) => {
      if (a.kind === 'drop_column') return [`column ${alter.table}.${a.name}`];
      return a.kind === 'drop_constraint' ? [`constraint ${a.name} on ${alter.table}`] : [];
    });
  }
  const change = readDataChange(tokens);
  return change?.verb === 'DELETE' && change.table ? [`rows of table ${change.table} (DELETE)`] : [];
}

/** What the statements remove, in order. */
export function scriptDrops(sql: string, statements: TsqlStatement[]): string[] {
  return statements.flatMap((s) => statementDrops(sql, s.tokens));
}
