import { postgresRecipes } from './recipes.js';
import type { SqlLint } from '../../parser.js';
import { quoteIdent, quoteQualified } from '../names.js';
import { normaliseTable } from './raw-sql.js';
import { rawStatements } from './raw-statements.js';
import { POSTGRES_RULES } from './rules/index.js';

/** What the operations generate when they drop or rename a table, column, index or view. */
const GENERATED_REMOVAL = /\b(DROP\s+(COLUMN|TABLE|INDEX|VIEW|MATERIALIZED\s+VIEW)|RENAME\s+(COLUMN|TO)\b)/i;

export const postgresLint: SqlLint = {
  rules: POSTGRES_RULES,
  rawStatements,
  normaliseTable,
  removesOldPath: (sql) => GENERATED_REMOVAL.test(sql),
  dropsTrigger: (sql) => /^\s*DROP TRIGGER/i.test(sql),
  recipes: postgresRecipes,
  countRowsWhere: (table, condition) => `SELECT count(*) FROM ${quoteQualified(table)} WHERE ${condition}`,
  anyNull: (columns) => columns.map((c) => `${quoteIdent(c)} IS NULL`).join(' OR '),
};
