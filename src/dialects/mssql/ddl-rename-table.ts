/**
 * rename_table in T-SQL: sp_rename gives the table its new name and a view under the old name keeps
 * the old application version reading and writing, in one transaction (no statement finds neither).
 * `SELECT *` of one table, without joins, aggregates, DISTINCT or TOP, is an updatable view: INSERT
 * (omitted columns take their defaults, IDENTITY its next value), UPDATE, DELETE, MERGE and OUTPUT go
 * through it to the table, and the table's triggers fire ("Updatable Views", CREATE VIEW,
 * https://learn.microsoft.com/sql/t-sql/statements/create-view-transact-sql#updatable-views).
 * As in PostgreSQL, the view's `*` is expanded when it is created: columns added later are not in it.
 * What the old name no longer takes (it is a view): SET IDENTITY_INSERT, TRUNCATE TABLE, index hints
 * (WITH (INDEX(…)); lock hints such as NOLOCK still pass to the table), full-text predicates, and DDL.
 * CREATE VIEW must be alone in its batch, so it runs through sys.sp_executesql, its text built from
 * QUOTENAME'd names only. The table's grants and denies (object and column) are copied to the view.
 */
import type { ActionRenderer } from '../actions.js';
import type { RenameTableAction } from '../actions-rename-table.js';
import { splitQualified } from '../dialect.js';
import { literal, objectId, qualified } from './sql-names.js';
import { mssqlLock } from './ddl-locks.js';
import { atomically, bit, execBuilt, inSchemaOf, renameObjectSql, schemaOfSql, throwSql } from './ddl-meta-sql.js';
import { dependentsGuardSql } from './ddl-create-table-dependents.js';

/** The extended property that marks the view as rename_table's (checked before rollback drops it). */
const MARK = 'schemashift_rename_table';

type Rename = { table: string; to: string };

/** The renamed table, in the old name's schema (as qualified as the plan's name). */
export const renamedTable = (a: Rename): string => inSchemaOf(a.table, a.to);

const isTable = (name: string): string => `ISNULL(OBJECTPROPERTY(${objectId(name)}, 'IsUserTable'), 0) = 1`;

/** `view` is a view that reads `table` (rename_table writes a two-part name, so it is bound by id). */
const isViewOf = (view: string, table: string): string =>
  `EXISTS (SELECT 1 FROM sys.views AS v JOIN sys.sql_expression_dependencies AS d ON d.referencing_id = v.object_id ` +
  `WHERE v.object_id = ${objectId(view)} AND d.referenced_id = ${objectId(table)})`;

const markOf = (view: string): string =>
  `(SELECT CAST(value AS nvarchar(4000)) FROM sys.extended_properties WHERE class = 1 AND major_id = ` +
  `${objectId(view)} AND minor_id = 0 AND name = ${literal(MARK)})`;

/**
 * Only SELECT, INSERT, UPDATE, DELETE and REFERENCES mean the same on a view; state W is GRANT … WITH
 * GRANT OPTION. STRING_AGG takes a literal separator only.
 */
function copyPermissionsSql(): string {
  const statement =
    `CASE p.state WHEN 'D' THEN N'DENY ' ELSE N'GRANT ' END + p.permission_name + ` +
    `CASE WHEN p.minor_id = 0 THEN N'' ELSE N' (' + QUOTENAME(COL_NAME(p.major_id, p.minor_id)) + N')' END + ` +
    `N' ON ' + @view + N' TO ' + QUOTENAME(USER_NAME(p.grantee_principal_id)) + ` +
    `CASE p.state WHEN 'W' THEN N' WITH GRANT OPTION' ELSE N'' END + N';'`;
  return (
    `SELECT @sql = STRING_AGG(CAST(${statement} AS nvarchar(max)), N' ') FROM sys.database_permissions AS p ` +
    `WHERE p.class = 1 AND p.major_id = @table AND p.state IN ('G', 'W', 'D') ` +
    `AND p.permission_name IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'REFERENCES');\n` +
    'IF @sql IS NOT NULL EXEC sys.sp_executesql @sql'
  );
}

function renameBehindViewSql(a: Rename): string {
  const to = renamedTable(a);
  const old = splitQualified(a.table).name;
  return atomically([
    `DECLARE @schema sysname = ${schemaOfSql(a.table)}, @table int, @view nvarchar(520), @sql nvarchar(max)`,
    `IF @schema IS NULL OR NOT ${isTable(a.table)} ${throwSql(literal(`${a.table} is not a table: nothing to rename`))}`,
    renameObjectSql(literal(qualified(a.table)), a.to, 'OBJECT'),
    `SET @table = OBJECT_ID(QUOTENAME(@schema) + N'.' + QUOTENAME(${literal(a.to)}))`,
    `SET @view = QUOTENAME(@schema) + N'.' + QUOTENAME(${literal(old)})`,
    execBuilt(
      '@sql',
      `N'CREATE VIEW ' + @view + N' AS SELECT * FROM ' + QUOTENAME(@schema) + N'.' + QUOTENAME(${literal(a.to)})`,
    ),
    `EXEC sys.sp_addextendedproperty @name = ${literal(MARK)}, @value = ${literal(`the old name of ${to}`)}, ` +
      `@level0type = N'SCHEMA', @level0name = @schema, @level1type = N'VIEW', @level1name = ${literal(old)}`,
    `SET @sql = NULL`,
    copyPermissionsSql(),
  ]);
}

/** Before rollback or contract drops the view at the old name: it must still be the one rename_table made. */
function ownViewGuardSql(a: Rename): string {
  const to = renamedTable(a);
  const notOurs = `NOT ${isViewOf(a.table, to)} OR ISNULL(${markOf(a.table)}, N'') <> ${literal(`the old name of ${to}`)}`;
  const message =
    `${a.table} is no longer the view rename_table left over ${to}: it is not dropped; find who replaced it, ` +
    'drop or rename that view yourself if it may go, then run again';
  return `IF ${notOurs} ${throwSql(literal(message))}`;
}

export const renameTableDdl: ActionRenderer<RenameTableAction> = {
  // sp_rename takes Sch-M on the table; the view is new. Schema-bound views on the table make sp_rename fail.
  'rename-table-behind-view': (a) => ({
    sql: renameBehindViewSql(a),
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: bit(`${isTable(renamedTable(a))} AND ${isViewOf(a.table, renamedTable(a))}`),
  }),
  // A view or procedure someone built on the old name would break silently: refused, naming it.
  'drop-old-name-view': (a) => ({
    sql: atomically([ownViewGuardSql(a), dependentsGuardSql(a.table, 'view'), `DROP VIEW ${qualified(a.table)}`]),
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: bit(`NOT ${isViewOf(a.table, renamedTable(a))}`),
  }),
  // Modules that use the old name read the table again once it has its name back: no dependents guard.
  'rename-table-back': (a) => ({
    sql: atomically([
      ownViewGuardSql(a),
      `DROP VIEW ${qualified(a.table)}`,
      renameObjectSql(literal(qualified(renamedTable(a))), splitQualified(a.table).name, 'OBJECT'),
    ]),
    lock: mssqlLock('Sch-M', [a.table, renamedTable(a)]),
    transactional: true,
    probe: bit(`${isTable(a.table)} AND ${objectId(renamedTable(a))} IS NULL`),
  }),
};
