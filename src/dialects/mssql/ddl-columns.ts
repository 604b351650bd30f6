/**
 * add-column and drop-column in T-SQL. Adding a NOT NULL column with a runtime-constant default is
 * metadata-only on Enterprise, Developer and Azure SQL ("Adding NOT NULL columns as an online
 * operation", ALTER TABLE); otherwise it writes every row under the statement's Sch-M.
 */
import type { Rendered, Unsupported } from '../actions.js';
import type { AddColumnAction, DropColumnAction } from '../actions-table.js';
import { splitQualified } from '../dialect.js';
import { ident, literal, objectId, qualified } from './sql-names.js';
import { mssqlLock } from './ddl-locks.js';
import { mssqlProbes as probes } from './ddl-probes.js';

const LOB_TYPE =
  /^\s*(?:(?:n?varchar|varbinary)\s*\(\s*max\s*\)|(?:n?text|image|xml|geography|geometry|hierarchyid)\b)/i;
const PER_ROW_DEFAULT = /\b(?:newid|newsequentialid)\s*\(/i;

/** The default constraint's name: SQL Server would otherwise invent one (DF__t__c__1A2B3C). */
export const defaultConstraintName = (table: string, column: string): string =>
  `DF_${splitQualified(table).name}_${column}`;

/** Why adding this column may write every row (a note in the SQL), or undefined when it is metadata-only. */
export function sizeOfDataReason(a: AddColumnAction): string | undefined {
  if (a.default === undefined) return undefined;
  // On one line: the note is a `--` comment, which a line break in the type would end.
  if (LOB_TYPE.test(a.type)) return `${a.type.replace(/\s+/g, ' ')} is a LOB type: every row is written`;
  if (PER_ROW_DEFAULT.test(a.default)) return 'the default is not a runtime constant: every row is written';
  const calls = (a.confirmNotVolatile ?? []).map((c) => c.name);
  if (calls.length > 0) return `every row is written unless ${calls.join(', ')} return one value per statement`;
  if (!a.notNull) return 'WITH VALUES on a nullable column: metadata-only is documented for NOT NULL columns only';
  return 'metadata-only on Enterprise, Developer and Azure SQL if the row stays within 8,060 bytes; Standard edition writes every row';
}

/** MS_Description is where SQL Server tools read a column's comment; unqualified: the default schema. */
export function columnCommentSql(table: string, column: string, comment: string): string {
  const { schema, name } = splitQualified(table);
  return [
    `DECLARE @schema sysname = ${schema === undefined ? 'SCHEMA_NAME()' : literal(schema)};`,
    `EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = ${literal(comment)},`,
    `@level0type = N'SCHEMA', @level0name = @schema, @level1type = N'TABLE', @level1name = ${literal(name)},`,
    `@level2type = N'COLUMN', @level2name = ${literal(column)}`,
  ].join('\n');
}

/** WITH VALUES: existing rows get the default, as PostgreSQL gives them, even when the column is nullable. */
export function addColumn(a: AddColumnAction): Rendered {
  const parts = [
    `ALTER TABLE ${qualified(a.table)} ADD ${ident(a.column)} ${a.type} ${a.notNull ? 'NOT NULL' : 'NULL'}`,
  ];
  if (a.default !== undefined) {
    parts.push(`CONSTRAINT ${ident(defaultConstraintName(a.table, a.column))} DEFAULT (${a.default}) WITH VALUES`);
  }
  const note = sizeOfDataReason(a);
  const comment = a.comment === undefined ? [] : [columnCommentSql(a.table, a.column, a.comment)];
  return {
    sql: [...(note === undefined ? [] : [`-- ${note}`]), [parts.join(' '), ...comment].join(';\n')].join('\n'),
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: probes.columnExists(a.table, a.column),
  };
}

/**
 * The column's default constraint goes first (DROP COLUMN refuses a column that has one). Dropping is
 * metadata-only under a short Sch-M; the space is reclaimed by the next clustered index rebuild.
 */
export function dropColumn(a: DropColumnAction): Rendered | Unsupported {
  if (a.cascade) {
    return {
      unsupported:
        'SQL Server has no DROP COLUMN … CASCADE: an index, constraint or schema-bound view on the column makes the drop fail',
      instead: 'drop what depends on the column in earlier steps, then drop the column without cascade',
    };
  }
  const table = qualified(a.table);
  const findDefault =
    `SELECT @default = d.name FROM sys.default_constraints AS d JOIN sys.columns AS c ` +
    `ON c.object_id = d.parent_object_id AND c.column_id = d.parent_column_id ` +
    `WHERE d.parent_object_id = ${objectId(a.table)} AND c.name = ${literal(a.column)}`;
  return {
    sql: [
      'DECLARE @default sysname, @drop_default nvarchar(max)',
      findDefault,
      // EXEC (…) concatenates only literals and variables, so the statement is built in a variable first.
      `SET @drop_default = ${literal(`ALTER TABLE ${table} DROP CONSTRAINT `)} + QUOTENAME(@default)`,
      'IF @default IS NOT NULL EXEC sys.sp_executesql @drop_default',
      `ALTER TABLE ${table} DROP COLUMN IF EXISTS ${ident(a.column)}`,
    ].join(';\n'),
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: probes.columnAbsent(a.table, a.column),
  };
}
