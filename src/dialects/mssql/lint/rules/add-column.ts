/**
 * ALTER TABLE … ADD of a NOT NULL column on an existing table: SQL Server's adding-required-field and
 * volatile-default rules. A runtime-constant default is metadata-only on Enterprise, Developer and Azure
 * SQL ("Adding NOT NULL columns as an online operation",
 * learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql); NEWID(), IDENTITY and LOB types are not.
 */
import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';
import { defaultConstraintName } from '../../ddl-columns.js';
import { readAlterTable, type AlterAction } from '../../tsql-script-alter.js';
import { isNewTable, statementsOf, type MssqlStatement } from '../raw-sql.js';
import { mssqlRecipes } from '../recipes.js';

type AddColumn = Extract<AlterAction, { kind: 'add_column' }>;

const PER_ROW_DEFAULT = /\b(?:newid|newsequentialid)\s*\(/i;
const LOB_TYPE =
  /^\s*(?:(?:n?varchar|varbinary)\s*\(\s*max\s*\)|(?:n?text|image|xml|geography|geometry|hierarchyid)\b)/i;

function addedColumns(ctx: LintContext): { stmt: MssqlStatement; table: string; column: AddColumn }[] {
  return statementsOf(ctx).flatMap((stmt) => {
    const alter = readAlterTable(stmt.source.sql, stmt.tokens);
    if (!alter || isNewTable(stmt, alter.table)) return [];
    return alter.actions
      .filter((a): a is AddColumn => a.kind === 'add_column')
      .map((column) => ({ stmt, table: alter.table, column }));
  });
}

/** Why adding this column writes every row; undefined when it does not. */
function writesEveryRow(c: AddColumn): string | undefined {
  if (c.identity) return 'an IDENTITY column gets a value in every row';
  if (c.default === undefined || !c.notNull) return undefined;
  if (PER_ROW_DEFAULT.test(c.default)) return `${c.default} is not a runtime constant: each row gets its own value`;
  return LOB_TYPE.test(c.type) ? `${c.type} is a LOB type: its default is written into every row` : undefined;
}

function requiredFinding(stmt: MssqlStatement, table: string, c: AddColumn): Finding {
  return sqlFinding(
    addingRequiredField,
    stmt,
    c.offset,
    `ALTER TABLE ${table} ADD ${c.column} ${c.type} NOT NULL without a DEFAULT fails on a table with rows ` +
      '(error 4901), and the running application cannot insert rows without it',
    [
      'add it nullable, fill it, then make it NOT NULL:',
      block([
        'expand:',
        `  - add_column: { table: ${table}, column: { name: ${c.column}, type: ${yamlString(c.type)} } }`,
        'migrate:',
        `  - backfill: { table: ${table}, set: { ${c.column}: "<value>" }, where: "${c.column} IS NULL" }`,
        `  - set_not_null: { table: ${table}, column: ${c.column} }`,
      ]),
      `or give it a runtime-constant default (metadata-only on Enterprise): ADD ${c.column} ${c.type} NOT NULL ` +
        `CONSTRAINT ${defaultConstraintName(table, c.column)} DEFAULT (<constant>) WITH VALUES`,
    ].join('\n'),
  );
}

function volatileFinding(stmt: MssqlStatement, table: string, c: AddColumn, why: string): Finding {
  return sqlFinding(
    volatileDefault,
    stmt,
    c.offset,
    `ALTER TABLE ${table} ADD ${c.column} writes every row of ${table} under a Sch-M lock (blocking reads and ` +
      `writes): ${why}`,
    c.identity
      ? mssqlRecipes.serialColumn(table, c.column, 'bigint', `${table}_${c.column}_seq`)
      : mssqlRecipes.volatileDefault(table, c.column, c.type, c.default ?? ''),
  );
}

export const addingRequiredField: Rule = {
  id: 'adding-required-field',
  severity: 'error',
  description: 'ADD … NOT NULL without a DEFAULT fails on a table with rows and breaks the running inserts.',
  check: (ctx) =>
    addedColumns(ctx)
      .filter(({ column: c }) => c.notNull && c.default === undefined && !c.identity)
      .map(({ stmt, table, column }) => requiredFinding(stmt, table, column)),
};

export const volatileDefault: Rule = {
  id: 'volatile-default',
  severity: 'error',
  description:
    'ADD of a NOT NULL column whose default is not a runtime constant (NEWID(), IDENTITY, a LOB) writes every row.',
  check: (ctx) =>
    addedColumns(ctx).flatMap(({ stmt, table, column }) => {
      const why = writesEveryRow(column);
      return why ? [volatileFinding(stmt, table, column, why)] : [];
    }),
};
