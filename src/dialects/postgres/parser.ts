/** PostgreSQL's parser (libpg-query) behind the neutral SqlParser. */
import { fragmentProblem } from './sql/fragment.js';
import { checkStatements, ensureSqlParser, parseSql } from './sql/parser.js';
import { strongestLock } from './sql/statements.js';
import { unknownCalls, volatilityOf } from './sql/volatility.js';
import { bareColumn, readsColumn } from './sql/column-expression.js';
import { renameColumnRefs } from './sql/column-refs.js';
import { statementsDrops } from './sql/statement-drops.js';
import type { SqlParser, SqlProblem } from '../parser.js';
import { typeNameParts } from './definition-shapes.js';
import { quoteIdent } from './names.js';
import { comparableExpression } from './sql/comparable-expression.js';
import { postgresLint } from './lint/lint.js';
import { notNullColumns } from './not-null-columns.js';
import { scriptStatements } from './script-statements.js';

/** libpg-query's wording for text that does not parse, as opposed to a fragment of the wrong shape. */
const SYNTAX_MESSAGE = /syntax error|unterminated|does not parse|end of input/;

function classified(problem: SqlProblem | undefined): SqlProblem | undefined {
  if (!problem || !SYNTAX_MESSAGE.test(problem.message)) return problem;
  return { ...problem, syntax: true };
}

/** PostgreSQL truncates longer names silently (NAMEDATALEN - 1); we refuse them instead. */
const MAX_NAME_BYTES = 63;

function nameLengthProblem(name: string): string | undefined {
  const bytes = Buffer.byteLength(name);
  return bytes > MAX_NAME_BYTES
    ? `\`${name}\` is ${bytes} bytes long; PostgreSQL names are at most ${MAX_NAME_BYTES} bytes`
    : undefined;
}

export const postgresParser: SqlParser = {
  load: ensureSqlParser,
  nameLengthProblem,
  syntaxHint: 'this text is parsed with the PostgreSQL parser; fix the syntax at the position shown',
  fragmentProblem: (fragment, kind) => classified(fragmentProblem(fragment, kind)),
  statementsProblem: (sql) => classified(checkStatements(sql)),
  splitStatements: scriptStatements,
  strongestLock,
  syntaxProblem(sql) {
    const parsed = parseSql(sql);
    return parsed.ok ? undefined : parsed.error;
  },
  volatility: volatilityOf,
  unknownCalls,
  notNullColumns,
  statementsDrops,
  columnRef: quoteIdent,
  renameColumnRefs,
  readsColumn,
  bareColumn,
  typeNameParts,
  comparableExpression,
  lint: postgresLint,
};
