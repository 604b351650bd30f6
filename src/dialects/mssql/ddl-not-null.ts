/**
 * The NOT NULL recipe in T-SQL. The helper CHECK maps directly (WITH NOCHECK, then WITH CHECK CHECK
 * CONSTRAINT), but unlike PostgreSQL 12+ a trusted CHECK (c IS NOT NULL) does not let SQL Server
 * skip the scan of ALTER COLUMN … NOT NULL: the final step reads every row. Online (Enterprise,
 * Developer, Azure) it holds Sch-M only at the start and end; elsewhere for the whole scan.
 * https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql ("WITH ( ONLINE = ON | OFF)")
 */
import type { ActionRenderer } from '../actions.js';
import type { NotNullAction } from '../actions-shadow.js';
import { ident, literal, objectId, qualified } from './sql-names.js';
import { mssqlLock } from './ddl-locks.js';
import { mssqlProbes as probes } from './ddl-probes.js';
import { alterColumnSql } from './ddl-not-null-type.js';
import { toNamedMarker } from './sync-trigger-sql.js';

const bit = (condition: string): string => `SELECT CAST(CASE WHEN ${condition} THEN 1 ELSE 0 END AS bit)`;

const columnIs = (table: string, column: string, nullable: 0 | 1): string =>
  `EXISTS (SELECT 1 FROM sys.columns WHERE object_id = ${objectId(table)} AND name = ${literal(column)} ` +
  `AND is_nullable = ${nullable})`;

const checkExists = (table: string, check: string, trusted: boolean): string =>
  `EXISTS (SELECT 1 FROM sys.check_constraints WHERE parent_object_id = ${objectId(table)} ` +
  `AND name = ${literal(check)}${trusted ? ' AND is_not_trusted = 0 AND is_disabled = 0' : ''})`;

export const SCAN_NOTE =
  '-- reads every row: a trusted CHECK does not spare ALTER COLUMN … NOT NULL its scan; ONLINE = ON ' +
  '(Enterprise, Developer, Azure) holds Sch-M only briefly, other editions hold it for the scan';

/**
 * NOT NULL and CHECK constraints are checked before an AFTER trigger runs: while the sync trigger fills this column for the
 * old application version, whose INSERTs leave it out, NOT NULL would refuse those rows (PostgreSQL's
 * BEFORE trigger fills the column first). Refused unless the column has a DEFAULT.
 */
function filledByTriggerCheck(table: string, column: string): string {
  const marker = literal(toNamedMarker(column));
  const filled =
    `EXISTS (SELECT 1 FROM sys.triggers WHERE parent_id = ${objectId(table)} AND is_disabled = 0 ` +
    `AND CHARINDEX(${marker}, OBJECT_DEFINITION(object_id)) > 0)`;
  const defaulted =
    'EXISTS (SELECT 1 FROM sys.default_constraints AS k JOIN sys.columns AS c ON c.object_id = k.parent_object_id ' +
    `AND c.column_id = k.parent_column_id WHERE k.parent_object_id = ${objectId(table)} AND c.name = ${literal(column)})`;
  const message =
    `${table}.${column} is filled by an enabled sync trigger for the old application version, whose INSERTs leave it ` +
    'out: SQL Server checks NOT NULL and CHECK constraints before AFTER triggers run, so those INSERTs would fail; ' +
    'make it NOT NULL ' +
    'after contract removes the trigger, or give it a DEFAULT first';
  return `IF ${filled} AND NOT ${defaulted} THROW 50000, ${literal(message)}, 1;`;
}

/**
 * ALTER COLUMN refuses a column an index uses unless it is varchar, nvarchar or varbinary of the same
 * size (ALTER TABLE, "ALTER COLUMN"): said with the index's name instead of error 5074.
 */
function indexCheck(table: string, column: string): string {
  const index =
    'SELECT TOP (1) x.name FROM sys.index_columns AS ic JOIN sys.indexes AS x ON x.object_id = ic.object_id ' +
    `AND x.index_id = ic.index_id WHERE ic.object_id = ${objectId(table)} ` +
    `AND ic.column_id = COLUMNPROPERTY(${objectId(table)}, ${literal(column)}, 'ColumnId')`;
  const variable = ['varchar', 'nvarchar', 'varbinary'].map((t) => `@c_type NOT LIKE N'[[]${t}](%'`).join(' AND ');
  const message = `CONCAT(${literal(`${table}.${column} cannot be made NOT NULL while the index `)}, @index, ${literal(
    ' uses it (SQL Server alters only var-length columns under an index); drop the index first, build it again after',
  )})`;
  return [
    `DECLARE @index sysname = (${index}), @message nvarchar(2048);`,
    `IF @index IS NOT NULL AND ${variable} BEGIN SET @message = ${message}; THROW 50000, @message, 1; END;`,
  ].join('\n');
}

/**
 * ALTER COLUMN also refuses a column a CHECK uses; the helper CHECK (exactly `([c] IS NOT NULL)`, as
 * add-not-null-check wrote it) says nothing NOT NULL will not, so it goes in the same transaction.
 */
function dropHelperChecks(table: string, column: string): string {
  const definition = literal(`(${ident(column)} IS NOT NULL)`);
  return [
    'DECLARE @helper sysname, @drop_helper nvarchar(max);',
    `WHILE 1 = 1 BEGIN SET @helper = (SELECT TOP (1) name FROM sys.check_constraints WHERE parent_object_id = ${objectId(table)} ` +
      `AND definition = ${definition}); IF @helper IS NULL BREAK; ` +
      `SET @drop_helper = ${literal(`ALTER TABLE ${qualified(table)} DROP CONSTRAINT `)} + QUOTENAME(@helper); ` +
      'EXEC sys.sp_executesql @drop_helper; END;',
  ].join('\n');
}

export const notNullDdl: ActionRenderer<NotNullAction> = {
  'add-not-null-check': (a) => ({
    sql:
      `${filledByTriggerCheck(a.table, a.column)}\n` +
      `IF NOT ${checkExists(a.table, a.check, false)} AND NOT ${columnIs(a.table, a.column, 0)}\n` +
      `ALTER TABLE ${qualified(a.table)} WITH NOCHECK ADD CONSTRAINT ${ident(a.check)} CHECK (${ident(a.column)} IS NOT NULL)`,
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: bit(`${columnIs(a.table, a.column, 0)} OR ${checkExists(a.table, a.check, false)}`),
  }),
  // Reads every row under Sch-M (see ddl-table-constraints.ts); skipped once the column is NOT NULL.
  'validate-not-null-check': (a) => ({
    sql:
      `IF ${checkExists(a.table, a.check, false)}\n` +
      `ALTER TABLE ${qualified(a.table)} WITH CHECK CHECK CONSTRAINT ${ident(a.check)}`,
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: bit(`${columnIs(a.table, a.column, 0)} OR ${checkExists(a.table, a.check, true)}`),
  }),
  'set-not-null': (a) => ({
    sql: [
      SCAN_NOTE,
      filledByTriggerCheck(a.table, a.column),
      `IF ${columnIs(a.table, a.column, 1)}`,
      'BEGIN',
      alterColumnSql(a.table, a.column, 'NOT NULL', {
        online: true,
        before: [indexCheck(a.table, a.column), dropHelperChecks(a.table, a.column)],
      }),
      'END',
    ].join('\n'),
    lock: mssqlLock('Sch-M', [a.table]),
    // In the runner's transaction: the helper CHECKs come back if the ALTER fails; it is the last statement.
    transactional: true,
    probe: bit(columnIs(a.table, a.column, 0)),
  }),
  'drop-not-null-check': (a) => ({
    sql: `ALTER TABLE ${qualified(a.table)} DROP CONSTRAINT IF EXISTS ${ident(a.check)}`,
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: probes.constraintAbsent(a.table, a.check),
  }),
  // Making a column nullable reads no row: metadata only, under a short Sch-M.
  'drop-not-null': (a) => ({
    sql: `IF ${columnIs(a.table, a.column, 0)}\nBEGIN\n${alterColumnSql(a.table, a.column, 'NULL', { online: false })}\nEND`,
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: bit(columnIs(a.table, a.column, 1)),
  }),
};
