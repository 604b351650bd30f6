/** The safe recipes SQL Server's messages offer, in T-SQL, ready to paste into a plan. */
import type { PlanRecipes } from '../../parser.js';
import { defaultConstraintName } from '../ddl-columns.js';
import { quoteIdent, quoteQualified } from '../names.js';

/** `ALTER TABLE t ADD CONSTRAINT DF_t_c DEFAULT (…) FOR c`: SQL Server keeps a default as a named constraint. */
const addDefault = (table: string, column: string, defaultSql: string): string =>
  `ALTER TABLE ${quoteQualified(table)} ADD CONSTRAINT ${quoteIdent(defaultConstraintName(table, column))} ` +
  `DEFAULT (${defaultSql}) FOR ${quoteIdent(column)}`;

export const mssqlRecipes: PlanRecipes = {
  serialColumn: (table, column, base, sequence) =>
    `add it as \`type: ${base}\` without a default, then \`sql: { up: "CREATE SEQUENCE ${quoteQualified(sequence)} ` +
    `AS ${base} START WITH 1; ${addDefault(table, column, `NEXT VALUE FOR ${quoteQualified(sequence)}`)}" }\` for ` +
    `new rows; NEXT VALUE FOR is not allowed with TOP, so fill existing rows in \`sql\` steps by key range ` +
    `(UPDATE ${quoteQualified(table)} SET ${quoteIdent(column)} = NEXT VALUE FOR ${quoteQualified(sequence)} ` +
    `WHERE ${quoteIdent(column)} IS NULL AND <key> BETWEEN … AND …), then set_not_null; ` +
    'an IDENTITY column cannot be added to a table with rows without writing every row',
  setDefaultLater: (table, column, defaultSql) => `\`sql: { up: "${addDefault(table, column, defaultSql)}" }\``,
  volatileDefault: (table, column, type, defaultSql) =>
    `add the column as NULL without a default, then \`sql: { up: "${addDefault(table, column, defaultSql)}" }\` ` +
    `for new rows, and a \`backfill: { table: ${table}, set: { ${column}: "${defaultSql}" }, where: ` +
    `"${quoteIdent(column)} IS NULL" }\` in migrate for existing rows (type ${type})`,
  attachUnique: (table, name, index) =>
    `SQL Server cannot attach index ${quoteIdent(index)} to a constraint: keep the unique index as the ` +
    `enforcement, or ALTER TABLE ${quoteQualified(table)} ADD CONSTRAINT ${quoteIdent(name)} UNIQUE (…) ` +
    'WITH (ONLINE = ON), which builds a second index',
  throttleQuery: "SELECT COUNT_BIG(*) FROM sys.dm_tran_locks WHERE request_status = N'WAIT'",
};
