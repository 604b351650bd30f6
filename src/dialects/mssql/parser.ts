/**
 * SQL Server's side of the neutral SqlParser: schemashift's own T-SQL reader (lexer plus a deliberately
 * small grammar for plan fragments, a statement splitter and classifier for raw scripts). No T-SQL
 * parser that can be trusted exists for Node, so text outside what these read is refused, never guessed.
 */
import type { SqlParser } from '../parser.js';
import { mssqlLint } from './lint/lint.js';
import { tsqlFragments } from './tsql-fragments.js';
import { tsqlScripts } from './tsql-script.js';

export const mssqlParser: SqlParser = {
  load: () => Promise.resolve(),
  ...tsqlFragments,
  ...tsqlScripts,
  lint: mssqlLint,
};
