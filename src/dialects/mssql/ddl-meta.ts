/**
 * Table metadata in T-SQL: column defaults (ddl-meta-default.ts), comments as the MS_Description
 * extended property, constraint names by sp_rename. Catalog-only changes: no scan, no rewrite.
 */
import type { ActionRenderer, Rendered } from '../actions.js';
import type { MetaAction, RenameConstraintAction, SetCommentAction } from '../actions-meta.js';
import { literal, objectId } from './sql-names.js';
import { mssqlLock } from './ddl-locks.js';
import { atomically, bit, renameObjectSql, schemaOfSql, throwSql } from './ddl-meta-sql.js';
import { describeSql } from './ddl-create-table-sql.js';
import { DRIFT_MESSAGE, mssqlDriftGuardSql } from './ddl-meta-guard.js';
import { setColumnDefault } from './ddl-meta-default.js';

const textOrNull = (value: string | null): string => (value === null ? 'NULL' : literal(value));

/** Where the comment lives: the table itself (minor_id 0) or the column's id. */
function describedSql(table: string, column: string | undefined): string {
  const minor = column === undefined ? '0' : `COLUMNPROPERTY(${objectId(table)}, ${literal(column)}, 'ColumnId')`;
  return `sys.extended_properties WHERE class = 1 AND major_id = ${objectId(table)} AND minor_id = ${minor} AND name = N'MS_Description'`;
}

/** The comment as stored (sql_variant, read as text), NULL when there is none. */
export const liveCommentSql = (table: string, column?: string): string =>
  `(SELECT CAST(value AS nvarchar(max)) FROM ${describedSql(table, column)})`;

const subjectExists = (table: string, column: string | undefined): string =>
  column === undefined
    ? `ISNULL(OBJECTPROPERTY(${objectId(table)}, 'IsUserTable'), 0) = 1`
    : `COLUMNPROPERTY(${objectId(table)}, ${literal(column)}, 'ColumnId') IS NOT NULL`;

function setCommentSql(a: SetCommentAction): string {
  const subject = `the comment on ${a.column === undefined ? `table ${a.table}` : `column ${a.table}.${a.column}`}`;
  const change =
    a.comment === null
      ? `IF @live IS NOT NULL ${describeSql('drop', a.table, null, a.column)}`
      : `IF @live IS NULL ${describeSql('add', a.table, a.comment, a.column)}\n` +
        `ELSE ${describeSql('update', a.table, a.comment, a.column)}`;
  const guard =
    a.replaces === undefined
      ? []
      : [
          `SET @expected = ${textOrNull(a.replaces.value)}`,
          `SET @target = ${textOrNull(a.comment)}`,
          mssqlDriftGuardSql({
            subject,
            live: '@live',
            expected: '@expected',
            target: '@target',
            targetOk: a.replaces.targetOk,
            none: 'no comment',
          }),
        ];
  return atomically([
    `DECLARE @schema sysname = ${schemaOfSql(a.table)}, @live nvarchar(max), @expected nvarchar(max), ` +
      `@target nvarchar(max), ${DRIFT_MESSAGE} nvarchar(2048)`,
    `IF NOT (${subjectExists(a.table, a.column)}) ${throwSql(literal(`${subject}: there is no such ${a.column === undefined ? 'table' : 'column'}`))}`,
    `SET @live = ${liveCommentSql(a.table, a.column)}`,
    ...guard,
    change,
  ]);
}

/**
 * The extended property procedures change catalog rows of the table; Sch-M is assumed (not measured
 * here): the application waits at most for the short transaction.
 */
function setComment(a: SetCommentAction): Rendered {
  const live = liveCommentSql(a.table, a.column);
  const matches =
    a.comment === null ? `${live} IS NULL` : `${live} COLLATE Latin1_General_BIN2 = ${literal(a.comment)}`;
  return {
    sql: setCommentSql(a),
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: bit(`${subjectExists(a.table, a.column)} AND ${matches}`),
  };
}

const CONSTRAINT_TYPES = `type IN ('C', 'D', 'F', 'PK', 'UQ')`;

const constraintOf = (table: string, name: string): string =>
  `EXISTS (SELECT 1 FROM sys.objects WHERE parent_object_id = ${objectId(table)} AND name = ${literal(name)} AND ${CONSTRAINT_TYPES})`;

/**
 * sp_rename takes the constraint as schema.constraint (a constraint's name is unique in its schema);
 * it is found through its table, so only that table's constraint is renamed. A PRIMARY KEY or UNIQUE
 * constraint's index is renamed with it (sp_rename, Remarks).
 */
function renameConstraint(a: RenameConstraintAction): Rendered {
  return {
    sql: atomically([
      `DECLARE @constraint nvarchar(520) = (SELECT QUOTENAME(SCHEMA_NAME(schema_id)) + N'.' + QUOTENAME(name) ` +
        `FROM sys.objects WHERE parent_object_id = ${objectId(a.table)} AND name = ${literal(a.from)} AND ${CONSTRAINT_TYPES})`,
      `IF @constraint IS NULL ${throwSql(literal(`${a.table} has no constraint ${a.from} to rename`))}`,
      renameObjectSql('@constraint', a.to, 'OBJECT'),
    ]),
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: bit(`${constraintOf(a.table, a.to)} AND NOT ${constraintOf(a.table, a.from)}`),
  };
}

export const metaDdl: ActionRenderer<MetaAction> = {
  'set-column-default': setColumnDefault,
  'set-comment': setComment,
  'set-replica-identity': () => ({
    unsupported:
      'SQL Server has no replica identity: transactional replication and CDC identify rows by the primary key ' +
      '(CDC with @supports_net_changes by the primary key or the unique index named in @index_name)',
    instead: 'remove the step; give the table a primary key, or name the unique index when enabling CDC in raw sql',
  }),
  'rename-constraint': renameConstraint,
};
