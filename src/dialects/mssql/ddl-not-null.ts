/**
 * The NOT NULL recipe in T-SQL. The helper CHECK is added WITH NOCHECK (no scan: it stops new NULLs at
 * once). It is not validated: WITH CHECK CHECK CONSTRAINT would read every row under Sch-M on every
 * edition, and unlike PostgreSQL 12+ a trusted CHECK (c IS NOT NULL) does not let SQL Server skip the
 * scan of ALTER COLUMN … NOT NULL anyway. So the one scan is the final step's: online (Enterprise,
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

/** `any`: by that name; `enabled`: and enforced for new rows (trusted or not). */
const checkExists = (table: string, check: string, state: 'any' | 'enabled'): string =>
  `EXISTS (SELECT 1 FROM sys.check_constraints WHERE parent_object_id = ${objectId(table)} ` +
  `AND name = ${literal(check)}${state === 'enabled' ? ' AND is_disabled = 0' : ''})`;

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
 * ALTER COLUMN also refuses a column any CHECK reads (error 5074). The plan's own helper CHECK says
 * nothing NOT NULL will not: dropped by its name in the same transaction. Any other CHECK reading the
 * column is someone else's: refused by name, never dropped.
 */
function otherChecksCheck(table: string, column: string, helper: string | undefined): string {
  const t = objectId(table);
  const col = `COLUMNPROPERTY(${t}, ${literal(column)}, 'ColumnId')`;
  const reads =
    `(k.parent_column_id = ${col} OR EXISTS (SELECT 1 FROM sys.sql_expression_dependencies AS e ` +
    `WHERE e.referencing_id = k.object_id AND e.referenced_id = ${t} AND e.referenced_minor_id = ${col}))`;
  const others =
    `SELECT STRING_AGG(CAST(k.name AS nvarchar(max)), N', ') FROM sys.check_constraints AS k ` +
    `WHERE k.parent_object_id = ${t} AND ${reads}${helper === undefined ? '' : ` AND k.name <> ${literal(helper)}`}`;
  const message = `CONCAT(${literal(`${table}.${column} cannot be made NOT NULL while the CHECK constraint(s) `)}, @checks, ${literal(
    ' read it (SQL Server refuses ALTER COLUMN on a column a CHECK uses, error 5074); drop them before this step ' +
      'and add them again after it in raw sql steps, or keep a validated CHECK (column IS NOT NULL) as the NOT NULL ' +
      'guarantee instead',
  )})`;
  return [
    `DECLARE @checks nvarchar(max) = (${others}), @checks_message nvarchar(2048);`,
    `IF @checks IS NOT NULL BEGIN SET @checks_message = ${message}; THROW 50000, @checks_message, 1; END;`,
  ].join('\n');
}

function dropHelperCheckSql(table: string, helper: string | undefined): string[] {
  if (helper === undefined) return [];
  return [`IF ${checkExists(table, helper, 'any')} ALTER TABLE ${qualified(table)} DROP CONSTRAINT ${ident(helper)};`];
}

/**
 * No scan here (see the header): the helper CHECK, added WITH NOCHECK, is only confirmed in place, so
 * no new row can be NULL; rows already NULL make set-not-null's ALTER COLUMN fail (error 515) and roll back.
 */
const NO_SCAN_NOTE =
  '-- SQL Server: no scan here. WITH CHECK CHECK CONSTRAINT would read every row under Sch-M (blocking reads and ' +
  'writes) on every edition, and ALTER COLUMN … NOT NULL scans again anyway (a trusted CHECK does not spare it): ' +
  'the one scan is the set-not-null step, ONLINE where the edition allows. This only confirms the helper CHECK stops new NULLs.';

function confirmCheckSql(a: Extract<NotNullAction, { kind: 'validate-not-null-check' }>): string {
  const message =
    `${a.table}.${a.column}: the helper CHECK ${a.check} is missing or disabled; run the add-not-null-check ` +
    'step again (or re-enable it with ALTER TABLE … CHECK CONSTRAINT), then resume';
  return [
    NO_SCAN_NOTE,
    `IF NOT ${columnIs(a.table, a.column, 0)} AND NOT ${checkExists(a.table, a.check, 'enabled')}`,
    `THROW 50000, ${literal(message)}, 1`,
  ].join('\n');
}

export const notNullDdl: ActionRenderer<NotNullAction> = {
  'add-not-null-check': (a) => ({
    sql:
      `${filledByTriggerCheck(a.table, a.column)}\n` +
      `IF NOT ${checkExists(a.table, a.check, 'any')} AND NOT ${columnIs(a.table, a.column, 0)}\n` +
      `ALTER TABLE ${qualified(a.table)} WITH NOCHECK ADD CONSTRAINT ${ident(a.check)} CHECK (${ident(a.column)} IS NOT NULL)`,
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: bit(`${columnIs(a.table, a.column, 0)} OR ${checkExists(a.table, a.check, 'any')}`),
  }),
  // Catalog reads only: Sch-S, which waits only for DDL.
  'validate-not-null-check': (a) => ({
    sql: confirmCheckSql(a),
    lock: mssqlLock('Sch-S', [a.table]),
    transactional: true,
    probe: bit(`${columnIs(a.table, a.column, 0)} OR ${checkExists(a.table, a.check, 'enabled')}`),
  }),
  'set-not-null': (a) => ({
    sql: [
      SCAN_NOTE,
      filledByTriggerCheck(a.table, a.column),
      `IF ${columnIs(a.table, a.column, 1)}`,
      'BEGIN',
      alterColumnSql(a.table, a.column, 'NOT NULL', {
        online: true,
        before: [
          indexCheck(a.table, a.column),
          otherChecksCheck(a.table, a.column, a.check),
          ...dropHelperCheckSql(a.table, a.check),
        ],
      }),
      'END',
    ].join('\n'),
    lock: mssqlLock('Sch-M', [a.table]),
    // In the runner's transaction: the helper CHECK comes back if the ALTER fails; it is the last statement.
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
