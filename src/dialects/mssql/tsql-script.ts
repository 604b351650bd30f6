/**
 * Raw T-SQL scripts (`sql` steps) behind the neutral SqlParser: split on `;` and GO, refused where the
 * reading would be a guess, each statement labelled with its lock. The fragment checks are
 * tsql-fragments.ts; the lint of dangerous statements is lint/.
 */
import type { SqlParser, SqlProblem } from '../parser.js';
import { isWord, type Token } from './tsql-lexer.js';
import { describeStatement } from './tsql-script-classify.js';
import { scriptDrops } from './tsql-script-drops.js';
import { strongestTsqlLock } from './tsql-script-locks.js';
import { problemOf, splitScript, TsqlScriptProblem, type TsqlStatement } from './tsql-script-split.js';
import { checkStructure } from './tsql-script-structure.js';

/** The statements of a script that passes the structural checks; throws TsqlScriptProblem or TsqlLexError. */
export function checkedStatements(sql: string): TsqlStatement[] {
  const statements = splitScript(sql);
  checkStructure(statements);
  return statements;
}

function asProblem(error: unknown): SqlProblem {
  const problem = problemOf(error);
  if (!problem) throw error;
  return problem;
}

function statementsProblem(sql: string): SqlProblem | undefined {
  try {
    checkedStatements(sql);
    return undefined;
  } catch (error) {
    return asProblem(error);
  }
}

/** The words a statement schemashift generates may begin with. */
const GENERATED_STARTS = [
  'ALTER',
  'BEGIN',
  'COMMIT',
  'CREATE',
  'DECLARE',
  'DELETE',
  'DROP',
  'EXEC',
  'EXECUTE',
  'IF',
  'INSERT',
  'MERGE',
  'PRINT',
  'RAISERROR',
  'ROLLBACK',
  'SELECT',
  'SET',
  'THROW',
  'TRUNCATE',
  'UPDATE',
  'WAITFOR',
  'WHILE',
  'WITH',
];

/** Generated SQL: lexes, nests, and every statement begins with a keyword we know. */
function syntaxProblem(sql: string): SqlProblem | undefined {
  try {
    for (const statement of splitScript(sql)) {
      const first = statement.tokens[0] as Token;
      if (!isWord(first, ...GENERATED_STARTS)) {
        throw new TsqlScriptProblem(`a statement cannot begin with ${first.text}`, first.offset, undefined, true);
      }
    }
    return undefined;
  } catch (error) {
    return asProblem(error);
  }
}

/** What a script removes (dynamic SQL read through this same function); undefined when it cannot be told. */
function statementsDrops(sql: string): string[] | undefined {
  try {
    return scriptDrops(sql, checkedStatements(sql), statementsDrops);
  } catch (error) {
    if (problemOf(error)) return undefined;
    throw error;
  }
}

export const tsqlScripts: Pick<
  SqlParser,
  'statementsProblem' | 'splitStatements' | 'strongestLock' | 'syntaxProblem' | 'statementsDrops'
> = {
  statementsProblem,
  splitStatements: (sql) => checkedStatements(sql).map((s) => describeStatement(sql, s)),
  strongestLock: strongestTsqlLock,
  syntaxProblem,
  statementsDrops,
};

export { splitBatches } from './tsql-script-split.js';
