/**
 * The T-SQL lint behind the neutral SqlLint. Table names compare case-insensitively with `dbo.` left
 * out (normaliseTable): SQL Server's default collations are case-insensitive, and `dbo` is the default schema.
 */
import type { SqlLint } from '../../parser.js';
import { ident, qualified } from '../sql-names.js';
import { normaliseTable } from './raw-sql.js';
import { rawStatements } from './raw-statements.js';
import { mssqlRecipes } from './recipes.js';
import { MSSQL_RULES } from './rules/index.js';

/** What the SQL Server operations generate when they drop or rename a table, column, index or view. */
const GENERATED_REMOVAL = /\b(DROP\s+(COLUMN|TABLE|INDEX|VIEW)\b|sp_rename\b)/i;

export const mssqlLint: SqlLint = {
  rules: MSSQL_RULES,
  rawStatements,
  normaliseTable,
  removesOldPath: (sql) => GENERATED_REMOVAL.test(sql),
  dropsTrigger: (sql) => /^\s*DROP\s+TRIGGER\b/i.test(sql),
  recipes: mssqlRecipes,
  countRowsWhere: (table, condition) => `SELECT COUNT_BIG(*) FROM ${qualified(table)} WHERE (${condition})`,
  anyNull: (columns) => columns.map((c) => `${ident(c)} IS NULL`).join(' OR '),
};
