/**
 * Structural refusals over split statements: a module (procedure, function, trigger, view, schema)
 * must be alone in its batch, and two statements must not run together without `;`. T-SQL lets `;`
 * be left out, but then only a full grammar could tell where one statement ends; a statement hiding
 * behind another would get the wrong lock and escape the lint, so it is refused instead.
 */
import { isWord, type Token } from './tsql-lexer.js';
import { tableAt, topLevel } from './tsql-script-read.js';
import { TsqlScriptProblem, type TsqlStatement } from './tsql-script-split.js';

const MODULES = ['PROC', 'PROCEDURE', 'FUNCTION', 'TRIGGER', 'VIEW'];

/** `CREATE PROCEDURE`, `CREATE OR ALTER VIEW`, `ALTER TRIGGER`, `CREATE SCHEMA`; undefined for other statements. */
export function moduleOf(tokens: Token[]): string | undefined {
  const [first, second, third, fourth] = tokens;
  if (isWord(first, 'CREATE') && isWord(second, 'OR') && isWord(third, 'ALTER') && isWord(fourth, ...MODULES)) {
    return `CREATE OR ALTER ${fourth?.value ?? ''}`;
  }
  if (isWord(first, 'CREATE', 'ALTER') && isWord(second, ...MODULES)) return `${first?.value} ${second?.value}`;
  if (isWord(first, 'CREATE') && isWord(second, 'SCHEMA')) return 'CREATE SCHEMA';
  return undefined;
}

/** SQL Server error 111: these must be the only statement of their batch (a body runs to the next GO). */
function checkModules(statements: TsqlStatement[]): void {
  statements.forEach((statement, i) => {
    const module = moduleOf(statement.tokens);
    if (!module) return;
    const sameBatch = statements.filter((s) => s.batch === statement.batch);
    if (sameBatch.length === 1) return;
    const other = sameBatch.find((s) => s !== statement) as TsqlStatement;
    const before = other.offset < statement.offset;
    throw new TsqlScriptProblem(
      before
        ? `${module} must be the first statement in its batch, and a statement comes before it`
        : `${module} must be the only statement in its batch: SQL Server reads everything up to the next GO as ` +
            'part of it',
      before ? statement.offset : (statements[i + 1] ?? other).offset,
      `put GO on a line of its own ${before ? 'before' : 'after'} the ${module} statement`,
    );
  });
}

/** Words that begin a statement; found at the top level inside another statement, they mean a missing `;`. */
const STATEMENT_WORDS = [
  'ALTER',
  'BACKUP',
  'BEGIN',
  'COMMIT',
  'CREATE',
  'DECLARE',
  'DELETE',
  'DENY',
  'DROP',
  'EXEC',
  'EXECUTE',
  'GRANT',
  'IF',
  'INSERT',
  'MERGE',
  'PRINT',
  'RAISERROR',
  'RESTORE',
  'RETURN',
  'REVOKE',
  'ROLLBACK',
  'SELECT',
  'SET',
  'THROW',
  'TRUNCATE',
  'UPDATE',
  'USE',
  'WAITFOR',
  'WHILE',
];

/** Statements whose own grammar never nests another statement at the top level (apart from the exceptions below). */
const CHECKED = [
  'ALTER',
  'CREATE',
  'DROP',
  'DELETE',
  'INSERT',
  'UPDATE',
  'MERGE',
  'SELECT',
  'EXEC',
  'EXECUTE',
  'TRUNCATE',
  'DECLARE',
  'SET',
  'WITH',
  'COMMIT',
  'ROLLBACK',
];

/**
 * After these words, these statement words are part of the statement: `ON DELETE` (a foreign key),
 * `THEN UPDATE` (MERGE), `UNION SELECT`, `UPDATE SET` (MERGE), `FOR SELECT` (a cursor), `WITH ROLLBACK`
 * (ALTER DATABASE).
 */
const JOINING: Record<string, readonly string[]> = {
  ON: ['DELETE', 'UPDATE'],
  THEN: ['UPDATE', 'DELETE', 'INSERT'],
  UNION: ['SELECT'],
  ALL: ['SELECT'],
  EXCEPT: ['SELECT'],
  INTERSECT: ['SELECT'],
  UPDATE: ['SET'],
  FOR: ['SELECT', 'UPDATE'],
  WITH: ['ROLLBACK'],
  OR: ['ALTER'],
};

/** The words a statement's own grammar puts at its top level, by its first word. */
function ownWords(tokens: Token[]): Set<number> {
  const own = new Set<number>();
  const top = topLevel(tokens, 1);
  const firstAfter = (from: number, ...words: string[]) =>
    top.find((t) => t.index > from && isWord(t.token, ...words))?.index;
  const verb = (at: number | undefined): void => {
    if (at === undefined) return;
    own.add(at);
    const clause = isWord(tokens[at], 'UPDATE')
      ? firstAfter(at, 'SET')
      : isWord(tokens[at], 'INSERT')
        ? firstAfter(at, 'SELECT', 'EXEC', 'EXECUTE')
        : undefined;
    if (clause !== undefined) own.add(clause);
  };
  const first = tokens[0] as Token;
  if (isWord(first, 'UPDATE', 'INSERT')) verb(0);
  if (isWord(first, 'WITH')) verb(firstAfter(0, 'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE'));
  if (isWord(first, 'ALTER') && isWord(tokens[1], 'TABLE', 'INDEX', 'DATABASE')) {
    // ALTER TABLE t ALTER COLUMN / DROP … / SET (…); ALTER INDEX i ON t SET (…); ALTER DATABASE d SET …
    const named = tableAt(tokens, 2);
    const afterOn = isWord(tokens[named?.next ?? 0], 'ON') ? tableAt(tokens, (named?.next ?? 0) + 1) : undefined;
    const at = (afterOn ?? named)?.next;
    if (at !== undefined) own.add(at);
  }
  return own;
}

/** Refuses `UPDATE t SET a = 1 DELETE FROM t` and the like: a second statement without its `;`. */
function checkSeparators(statement: TsqlStatement): void {
  const { tokens } = statement;
  if (!isWord(tokens[0], ...CHECKED) || moduleOf(tokens)) return;
  const own = ownWords(tokens);
  for (const { token, index } of topLevel(tokens, 1)) {
    if (!isWord(token, ...STATEMENT_WORDS) || own.has(index)) continue;
    const previous = tokens[index - 1];
    if (previous?.kind === 'word' && JOINING[previous.value]?.includes(token.value)) continue;
    if (isWord(token, 'IF') && isWord(tokens[index + 1], 'EXISTS')) continue;
    throw new TsqlScriptProblem(
      `${token.value} starts a second statement inside the ${(tokens[0] as Token).value} statement`,
      token.offset,
      'end each statement with `;` (or GO on a line of its own) so that each one is read and locked on its own',
    );
  }
}

/**
 * `IF c stmt; ELSE stmt` and `END TRY; BEGIN CATCH` are valid T-SQL, but split at their `;` the second half
 * cannot run on its own (as it must when the statements get steps of their own).
 */
function checkDanglingHalves(statement: TsqlStatement): void {
  const [first, second] = statement.tokens;
  if (!isWord(first, 'ELSE') && !(isWord(first, 'BEGIN') && isWord(second, 'CATCH'))) return;
  const what = isWord(first, 'ELSE') ? 'ELSE' : 'BEGIN CATCH';
  throw new TsqlScriptProblem(
    `${what} is cut off from its ${what === 'ELSE' ? 'IF' : 'BEGIN TRY … END TRY'} by a \`;\``,
    (first as Token).offset,
    what === 'ELSE'
      ? 'wrap each branch in BEGIN … END and leave out the `;` before ELSE'
      : 'leave out the `;` between END TRY and BEGIN CATCH',
  );
}

/** Throws TsqlScriptProblem when the split statements are refused. */
export function checkStructure(statements: TsqlStatement[]): void {
  checkModules(statements);
  statements.forEach(checkDanglingHalves);
  statements.forEach(checkSeparators);
}
