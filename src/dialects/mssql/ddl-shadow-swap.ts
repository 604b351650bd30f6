/**
 * The contract swap in T-SQL, one transaction under SET XACT_ABORT ON (any error rolls the whole
 * swap back), every step guarded by the catalog so a resumed run finds it done. Dropping a column in
 * SQL Server never cascades: the indexes and constraints the plan replaces (carried under their
 * building names) are dropped with it; anything else that depends on the column stops the swap with
 * a THROW naming it. sp_rename takes Sch-M like the drop; @newname is a plain name, never bracketed.
 */
import type { ActionRenderer, Rendered, Unsupported } from '../actions.js';
import type { SwapAction, SwapCarry } from '../actions-shadow.js';
import { ident, literal, objectId, qualified } from './sql-names.js';
import { mssqlLock } from './ddl-locks.js';
import { mssqlProbes as probes } from './ddl-probes.js';
import { defaultConstraintName } from './ddl-columns.js';
import { dropTriggerSql, inSchemaOf } from './ddl-shadow-sync.js';

const columnExists = (table: string, column: string): string =>
  `COL_LENGTH(${literal(qualified(table))}, ${literal(column)}) IS NOT NULL`;

/** The first object depending on the column, besides the carried ones; THROW naming it. */
function dependentsCheck(table: string, column: string, carried: string[]): string {
  const t = objectId(table);
  const col = `COLUMNPROPERTY(${t}, ${literal(column)}, 'ColumnId')`;
  const notCarried = (name: string) =>
    carried.length === 0 ? '' : ` AND ${name} NOT IN (${carried.map(literal).join(', ')})`;
  const sources = [
    `SELECT N'index ' + x.name FROM sys.index_columns AS ic JOIN sys.indexes AS x ON x.object_id = ic.object_id ` +
      `AND x.index_id = ic.index_id WHERE ic.object_id = ${t} AND ic.column_id = ${col}${notCarried('x.name')}`,
    `SELECT N'statistics ' + s.name FROM sys.stats_columns AS sc JOIN sys.stats AS s ON s.object_id = sc.object_id ` +
      `AND s.stats_id = sc.stats_id WHERE sc.object_id = ${t} AND sc.column_id = ${col} AND s.user_created = 1`,
    `SELECT N'foreign key ' + OBJECT_NAME(f.constraint_object_id) FROM sys.foreign_key_columns AS f ` +
      `WHERE ((f.parent_object_id = ${t} AND f.parent_column_id = ${col}) OR (f.referenced_object_id = ${t} ` +
      `AND f.referenced_column_id = ${col}))${notCarried('OBJECT_NAME(f.constraint_object_id)')}`,
    `SELECT N'check constraint ' + k.name FROM sys.check_constraints AS k WHERE k.parent_object_id = ${t} ` +
      `AND k.parent_column_id = ${col}${notCarried('k.name')}`,
    // Schema-bound references (computed columns, table CHECKs, SCHEMABINDING views and functions).
    `SELECT N'object ' + OBJECT_SCHEMA_NAME(e.referencing_id) + N'.' + OBJECT_NAME(e.referencing_id) + ` +
      `COALESCE(N'.' + COL_NAME(e.referencing_id, NULLIF(e.referencing_minor_id, 0)), N'') ` +
      `FROM sys.sql_expression_dependencies AS e WHERE e.referenced_id = ${t} AND e.referenced_minor_id = ${col}` +
      notCarried('OBJECT_NAME(e.referencing_id)'),
  ];
  const message = `CONCAT(${literal(`${table}.${column} cannot be dropped: `)}, @dependent, ${literal(
    ' depends on it; drop or change it in an earlier step',
  )})`;
  return [
    'DECLARE @dependent nvarchar(400), @message nvarchar(2048);',
    `SELECT TOP (1) @dependent = d.what FROM (${sources.join('\nUNION ALL ')}) AS d (what);`,
    `IF @dependent IS NOT NULL BEGIN SET @message = ${message}; THROW 50000, @message, 1; END;`,
  ].join('\n');
}

/** The column's own DEFAULT constraint (DROP COLUMN refuses a column that has one). */
function dropDefaultSql(table: string, column: string): string {
  return [
    'DECLARE @default sysname = (SELECT k.name FROM sys.default_constraints AS k JOIN sys.columns AS c ' +
      `ON c.object_id = k.parent_object_id AND c.column_id = k.parent_column_id WHERE k.parent_object_id = ${objectId(table)} ` +
      `AND c.name = ${literal(column)});`,
    `IF @default IS NOT NULL BEGIN DECLARE @drop nvarchar(max) = ${literal(`ALTER TABLE ${qualified(table)} DROP CONSTRAINT `)} + QUOTENAME(@default); EXEC sys.sp_executesql @drop; END;`,
  ].join('\n');
}

/** The old column with its default and the indexes / constraints the carried ones replace. */
function dropOldColumnSql(table: string, old: string, carry: SwapCarry): string {
  const carried = [...carry.indexes.map((i) => i.name), ...carry.constraints.map((c) => c.name)];
  const t = qualified(table);
  return [
    `IF ${columnExists(table, old)}`,
    'BEGIN',
    dependentsCheck(table, old, carried),
    ...carry.indexes.map((i) => `DROP INDEX IF EXISTS ${ident(i.name)} ON ${t};`),
    ...carry.constraints.map((c) => `ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${ident(c.name)};`),
    dropDefaultSql(table, old),
    `ALTER TABLE ${t} DROP COLUMN ${ident(old)};`,
    'END;',
  ].join('\n');
}

/** Carried indexes and constraints take their final names; the final column gets the plan's DEFAULT. */
function afterDropSql(table: string, final: string, carry: SwapCarry): string[] {
  const t = objectId(table);
  const sql = carry.indexes.map(
    (i) =>
      `IF EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = ${t} AND name = ${literal(i.building)}) ` +
      `EXEC sys.sp_rename ${literal(`${qualified(table)}.${ident(i.building)}`)}, ${literal(i.name)}, N'INDEX';`,
  );
  sql.push(
    ...carry.constraints.map(
      (c) =>
        `IF EXISTS (SELECT 1 FROM sys.objects WHERE parent_object_id = ${t} AND name = ${literal(c.building)}) ` +
        `EXEC sys.sp_rename ${literal(qualified(inSchemaOf(table, c.building)))}, ${literal(c.name)}, N'OBJECT';`,
    ),
  );
  if (carry.default !== undefined) {
    const hasDefault =
      'EXISTS (SELECT 1 FROM sys.default_constraints AS k JOIN sys.columns AS c ON c.object_id = k.parent_object_id ' +
      `AND c.column_id = k.parent_column_id WHERE k.parent_object_id = ${t} AND c.name = ${literal(final)})`;
    sql.push(
      `IF NOT ${hasDefault} ALTER TABLE ${qualified(table)} ADD CONSTRAINT ` +
        `${ident(defaultConstraintName(table, final))} DEFAULT (${carry.default}) FOR ${ident(final)};`,
    );
  }
  return sql;
}

/** SQL Server cannot attach an index to a constraint (no ADD CONSTRAINT … USING INDEX). */
function carryProblem(carry: SwapCarry): Unsupported | undefined {
  const keyed = carry.indexes.find((i) => i.constraint !== undefined);
  if (keyed === undefined) return undefined;
  return {
    unsupported: `SQL Server cannot make the index ${keyed.building} the ${keyed.constraint} constraint ${keyed.name} (no USING INDEX)`,
    instead:
      'keep the unique index as the enforcement, or add the constraint on the new column in raw sql before contract',
  };
}

/**
 * A sequence is not owned by a column in SQL Server (no OWNED BY): dropping the old column leaves it,
 * and the DEFAULT (NEXT VALUE FOR …) is carried like any other: nothing to hand over.
 */
function swapLock(table: string, carry: SwapCarry) {
  return mssqlLock('Sch-M', [table, ...carry.alsoLocks.filter((t) => t !== table)]);
}

const script = (statements: string[]): string => ['SET XACT_ABORT ON;', ...statements].join('\n');

function dropOldColumn(a: Extract<SwapAction, { kind: 'drop-old-column' }>): Rendered | Unsupported {
  return (
    carryProblem(a.carry) ?? {
      sql: script([
        `${dropTriggerSql(inSchemaOf(a.table, a.trigger))};`,
        dropOldColumnSql(a.table, a.old, a.carry),
        ...afterDropSql(a.table, a.final, a.carry),
      ]),
      lock: swapLock(a.table, a.carry),
      transactional: true,
      probe: probes.columnAbsent(a.table, a.old),
    }
  );
}

/** The replacement takes the old name: acceptable at contract, when no application reads the old column. */
function swapInColumn(a: Extract<SwapAction, { kind: 'swap-in-column' }>): Rendered | Unsupported {
  const rename = `EXEC sys.sp_rename ${literal(`${qualified(a.table)}.${ident(a.replacement)}`)}, ${literal(a.old)}, N'COLUMN';`;
  const done = `NOT (${columnExists(a.table, a.replacement)}) AND ${columnExists(a.table, a.old)}`;
  return (
    carryProblem(a.carry) ?? {
      sql: script([
        `${dropTriggerSql(inSchemaOf(a.table, a.trigger))};`,
        `IF ${columnExists(a.table, a.replacement)}`,
        'BEGIN',
        dropOldColumnSql(a.table, a.old, a.carry),
        rename,
        'END;',
        ...afterDropSql(a.table, a.old, a.carry),
      ]),
      lock: swapLock(a.table, a.carry),
      transactional: true,
      probe: `SELECT CAST(CASE WHEN ${done} THEN 1 ELSE 0 END AS bit)`,
    }
  );
}

function dropColumnWithDefault(table: string, column: string, checkDependents: boolean): string[] {
  return [
    `IF ${columnExists(table, column)}`,
    'BEGIN',
    ...(checkDependents ? [dependentsCheck(table, column, [])] : []),
    dropDefaultSql(table, column),
    `ALTER TABLE ${qualified(table)} DROP COLUMN ${ident(column)};`,
    'END;',
  ];
}

export const swapDdl: ActionRenderer<SwapAction> = {
  'drop-old-column': dropOldColumn,
  'swap-in-column': swapInColumn,
  // The plan added it: an index the plan built on it makes the drop fail with the server's own message.
  'drop-added-column': (a) => ({
    sql: script(dropColumnWithDefault(a.table, a.column, false)),
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
    probe: probes.columnAbsent(a.table, a.column),
  }),
  // The trigger and the column together: apart, writers that no longer set it would hit its NOT NULL.
  'drop-synced-column': (a) => {
    if (a.cascade) {
      return {
        unsupported: 'SQL Server has no DROP COLUMN … CASCADE: what depends on the column makes the drop fail',
        instead: 'drop what depends on the column in earlier steps, then drop the column without cascade',
      };
    }
    const triggers = [...new Set([inSchemaOf(a.table, a.trigger), a.function])];
    return {
      sql: script([...triggers.map((t) => `${dropTriggerSql(t)};`), ...dropColumnWithDefault(a.table, a.column, true)]),
      lock: mssqlLock('Sch-M', [a.table]),
      transactional: true,
      probe: probes.columnAbsent(a.table, a.column),
    };
  },
};
