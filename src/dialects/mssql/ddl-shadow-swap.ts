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
import { plannedType, typeIdSql } from './probes-types.js';

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

/**
 * Before anything is dropped: each carried copy must be there and usable, or the original it replaces
 * would go with nothing in its place. A paused resumable build is listed in sys.index_resumable_operations.
 * Reached only while the old column exists, i.e. before the swap (it drops that column in this transaction).
 */
function missingCopiesCheck(table: string, old: string, carry: SwapCarry): string[] {
  const t = objectId(table);
  const indexes = carry.indexes.map(
    (i) =>
      `SELECT ${literal(`index ${i.building} (the copy of ${i.name})`)} WHERE NOT EXISTS (SELECT 1 FROM sys.indexes ` +
      `WHERE object_id = ${t} AND name = ${literal(i.building)} AND is_disabled = 0) OR EXISTS (SELECT 1 FROM ` +
      `sys.index_resumable_operations WHERE object_id = ${t} AND name = ${literal(i.building)})`,
  );
  const constraints = carry.constraints.map(
    (c) =>
      `SELECT ${literal(`constraint ${c.building} (the copy of ${c.name})`)} WHERE NOT EXISTS (SELECT 1 FROM ` +
      `sys.check_constraints WHERE parent_object_id = ${t} AND name = ${literal(c.building)} AND is_disabled = 0 ` +
      `UNION ALL SELECT 1 FROM sys.foreign_keys WHERE parent_object_id = ${t} AND name = ${literal(c.building)} ` +
      'AND is_disabled = 0)',
  );
  const sources = [...indexes, ...constraints];
  if (sources.length === 0) return [];
  const message = `CONCAT(${literal(`${table}.${old} was not dropped: `)}, @missing, ${literal(
    ' is missing, disabled or a paused resumable build, and the swap would drop the original with nothing in its ' +
      'place; build it again under that name (or finish it: ALTER INDEX … RESUME), then run this step again',
  )})`;
  return [
    'DECLARE @missing nvarchar(400), @missing_message nvarchar(2048);',
    `SELECT TOP (1) @missing = d.what FROM (${sources.join('\nUNION ALL ')}) AS d (what);`,
    `IF @missing IS NOT NULL BEGIN SET @missing_message = ${message}; THROW 50000, @missing_message, 1; END;`,
  ];
}

/** The old column with its default and the indexes / constraints the carried ones replace. */
function dropOldColumnSql(table: string, old: string, carry: SwapCarry): string {
  const carried = [...carry.indexes.map((i) => i.name), ...carry.constraints.map((c) => c.name)];
  const t = qualified(table);
  return [
    `IF ${columnExists(table, old)}`,
    'BEGIN',
    ...missingCopiesCheck(table, old, carry),
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

/** Sizes of a system type as sys.columns keeps them (nvarchar counts bytes; max is -1); none to compare: ''. */
function sizeCondition(type: string): string {
  const m = /^([a-z0-9]+)\((\d+|max)(?:,(\d+))?\)$/.exec(plannedType(type)?.canonical ?? '');
  if (m === null) return '';
  const [, name, first, second] = m as unknown as [string, string, string, string | undefined];
  const length = (unit: number) => (first === 'max' ? '-1' : String(Number(first) * unit));
  if (['char', 'varchar', 'binary', 'varbinary'].includes(name)) return ` AND c.max_length = ${length(1)}`;
  if (['nchar', 'nvarchar'].includes(name)) return ` AND c.max_length = ${length(2)}`;
  if (first === 'max') return '';
  if (second !== undefined) return ` AND c.precision = ${first} AND c.scale = ${second}`;
  return name === 'float' ? ` AND c.precision = ${first}` : ` AND c.scale = ${first}`;
}

/** The column has the plan's type (TYPE_ID, and the sizes of a system type). */
function hasTypeSql(table: string, column: string, type: string): string {
  return (
    `EXISTS (SELECT 1 FROM sys.columns AS c WHERE c.object_id = ${objectId(table)} AND c.name = ${literal(column)} ` +
    `AND c.user_type_id = ${typeIdSql(type)}${sizeCondition(type)})`
  );
}

/** The replacement takes the old name: acceptable at contract, when no application reads the old column. */
function swapInColumn(a: Extract<SwapAction, { kind: 'swap-in-column' }>): Rendered | Unsupported {
  const rename = `EXEC sys.sp_rename ${literal(`${qualified(a.table)}.${ident(a.replacement)}`)}, ${literal(a.old)}, N'COLUMN';`;
  // Done only if the column under the old name has the new type: a replacement that never existed is not a swap.
  const done = `NOT (${columnExists(a.table, a.replacement)}) AND ${hasTypeSql(a.table, a.old, a.type)}`;
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
