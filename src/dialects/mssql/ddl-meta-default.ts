/**
 * set_default / drop_default in T-SQL. A SQL Server default is a named constraint: the live one
 * (sys.default_constraints, any name) is dropped through dynamic SQL built with QUOTENAME, then the
 * new one is added under the name add_column gives (DF_<table>_<column>). With `replaces`, the
 * expected and target defaults are first added in the same transaction and read back, so they are
 * compared as the server prints them (`0` is stored as `((0))`), as PostgreSQL's guard does.
 */
import type { Rendered } from '../actions.js';
import type { SetColumnDefaultAction } from '../actions-meta.js';
import { ident, literal, objectId, qualified } from './sql-names.js';
import { mssqlLock } from './ddl-locks.js';
import { defaultConstraintName } from './ddl-columns.js';
import { atomically, bit, execBuilt, throwSql } from './ddl-meta-sql.js';
import { DRIFT_MESSAGE, mssqlDriftGuardSql } from './ddl-meta-guard.js';

const columnId = (table: string, column: string): string =>
  `COLUMNPROPERTY(${objectId(table)}, ${literal(column)}, 'ColumnId')`;

const liveDefault = (table: string, column: string): string =>
  `FROM sys.default_constraints WHERE parent_object_id = ${objectId(table)} AND parent_column_id = ${columnId(table, column)}`;

/** Adds the default as `name`, reads how the server stores it into `variable`, and (when `keep` is false) drops it again. */
function printed(a: SetColumnDefaultAction, expression: string | null, variable: string, keep: boolean): string[] {
  if (expression === null) return [];
  const name = ident(defaultConstraintName(a.table, a.column));
  return [
    `ALTER TABLE ${qualified(a.table)} ADD CONSTRAINT ${name} DEFAULT (${expression}) FOR ${ident(a.column)}`,
    `SELECT ${variable} = definition ${liveDefault(a.table, a.column)}`,
    ...(keep ? [] : [`ALTER TABLE ${qualified(a.table)} DROP CONSTRAINT ${name}`]),
  ];
}

function setDefaultSql(a: SetColumnDefaultAction): string {
  const dropLive = execBuilt(
    '@sql',
    `${literal(`ALTER TABLE ${qualified(a.table)} DROP CONSTRAINT `)} + QUOTENAME(@default)`,
  );
  const guard =
    a.replaces === undefined
      ? []
      : [
          ...printed(a, a.replaces.value, '@expected', false),
          ...printed(a, a.default, '@target', true),
          mssqlDriftGuardSql({
            subject: `the default of ${a.table}.${a.column}`,
            live: '@live',
            expected: '@expected',
            target: '@target',
            targetOk: a.replaces.targetOk,
            none: 'none',
          }),
        ];
  return atomically([
    `DECLARE @default sysname, @live nvarchar(max), @expected nvarchar(max), @target nvarchar(max), @sql nvarchar(max), ${DRIFT_MESSAGE} nvarchar(2048)`,
    `IF ${columnId(a.table, a.column)} IS NULL ${throwSql(literal(`${a.table} has no column ${a.column}`))}`,
    `SELECT @default = name, @live = definition ${liveDefault(a.table, a.column)}`,
    `IF @default IS NOT NULL BEGIN\n${dropLive};\nEND`,
    ...(a.replaces === undefined ? printed(a, a.default, '@target', true) : guard),
  ]);
}

/**
 * Done when the live default is the plan's text as SQL Server stores it for a constant (`((0))`) or
 * a call (`(getdate())`); any other spelling reads as not done, and the step's guard then tells a
 * change already made from drift.
 */
function defaultProbe(a: SetColumnDefaultAction): string {
  if (a.default === null) {
    return bit(
      `${columnId(a.table, a.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 ${liveDefault(a.table, a.column)})`,
    );
  }
  const spellings = [`(${a.default})`, `((${a.default}))`].map(literal).join(', ');
  return bit(
    `EXISTS (SELECT 1 ${liveDefault(a.table, a.column)} AND definition COLLATE Latin1_General_BIN2 IN (${spellings}))`,
  );
}

/** ALTER TABLE … ADD/DROP CONSTRAINT takes Sch-M on the table for the (catalog-only) change. */
export function setColumnDefault(a: SetColumnDefaultAction): Rendered {
  return {
    sql: setDefaultSql(a),
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: defaultProbe(a),
  };
}
