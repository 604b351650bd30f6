/** Raw T-SQL statements described in neutral terms for the plan-level lint rules. */
import type { ColumnChange, Destruction, RawStatement } from '../../../lint/types.js';
import type { CompiledPlan } from '../../../plan/compile.js';
import type { Plan } from '../../../plan/types.js';
import { isSymbol, isWord } from '../tsql-lexer.js';
import { readAlterTable } from '../tsql-script-alter.js';
import { readName, tableAt, tableText } from '../tsql-script-read.js';
import { readRename } from '../tsql-script-shapes.js';
import { isNewTable, normaliseTable, statementsOf, type MssqlStatement } from './raw-sql.js';

/** The names after `DROP TABLE|INDEX [IF EXISTS]`: tables as written, indexes by their own name. */
function droppedNames(stmt: MssqlStatement, index: boolean): string[] {
  const { tokens } = stmt;
  const names: string[] = [];
  let at = isWord(tokens[2], 'IF') ? 4 : 2;
  for (let name = readName(tokens, at); name; name = readName(tokens, at)) {
    names.push(index ? (name.parts[name.parts.length - 1] ?? '') : tableText(name.parts));
    at = isWord(tokens[name.next], 'ON') ? (tableAt(tokens, name.next + 1)?.next ?? tokens.length) : name.next;
    if (!isSymbol(tokens[at], ',')) break;
    at += 1;
  }
  return names;
}

function destructions(stmt: MssqlStatement): Destruction[] {
  const [first, second] = stmt.tokens;
  if (isWord(first, 'DROP') && isWord(second, 'TABLE', 'INDEX')) {
    const index = isWord(second, 'INDEX');
    const names = droppedNames(stmt, index);
    if (!index && names.every((n) => isNewTable(stmt, n))) return [];
    return [{ what: index ? 'index' : 'table', statement: `DROP ${index ? 'INDEX' : 'TABLE'}`, names }];
  }
  if (isWord(first, 'TRUNCATE') && isWord(second, 'TABLE')) {
    const table = tableAt(stmt.tokens, 2)?.table ?? '';
    return isNewTable(stmt, table) ? [] : [{ what: 'rows', statement: 'TRUNCATE TABLE', tables: [table] }];
  }
  const alter = readAlterTable(stmt.source.sql, stmt.tokens);
  if (!alter || isNewTable(stmt, alter.table)) return [];
  return alter.actions.flatMap((a): Destruction[] =>
    a.kind === 'drop_column'
      ? [{ what: 'column', statement: 'DROP COLUMN', table: alter.table, column: a.name, offset: a.offset }]
      : [],
  );
}

/** Raw SQL that takes away something the old application version uses: a drop, a rename, a truncate. */
function removesOldPath(stmt: MssqlStatement): boolean {
  const [first, second] = stmt.tokens;
  if (isWord(first, 'DROP')) return !isWord(second, 'TRIGGER', 'FUNCTION', 'PROC', 'PROCEDURE');
  if (isWord(first, 'TRUNCATE') || readRename(stmt.tokens)) return true;
  return readAlterTable(stmt.source.sql, stmt.tokens)?.actions.some((a) => a.kind === 'drop_column') ?? false;
}

function columnChanges(stmt: MssqlStatement): ColumnChange[] {
  const alter = readAlterTable(stmt.source.sql, stmt.tokens);
  if (!alter || isNewTable(stmt, alter.table)) return [];
  const table = normaliseTable(alter.table);
  return alter.actions.flatMap((a): ColumnChange[] => {
    if (a.kind === 'add_column') {
      return [{ change: 'add', table, column: a.column, offset: a.offset, hasDefault: a.default !== undefined }];
    }
    if (a.kind === 'drop_column')
      return [{ change: 'drop', table, column: a.name, offset: a.offset, hasDefault: false }];
    return [];
  });
}

export function rawStatements(plan: Plan, compiled: CompiledPlan): RawStatement[] {
  return statementsOf({ plan, compiled }).map((stmt) => ({
    source: stmt.source,
    stepId: stmt.stepId,
    text: stmt.text,
    start: stmt.offset,
    removesOldPath: removesOldPath(stmt),
    destroys: destructions(stmt),
    columnChanges: columnChanges(stmt),
  }));
}
