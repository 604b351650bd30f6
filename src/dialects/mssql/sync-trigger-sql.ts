/**
 * The SQL Server trigger that keeps a new column in step with an old one while applications of both
 * generations write the table. SQL Server has no row trigger and no BEFORE trigger: one AFTER INSERT,
 * UPDATE trigger updates the rows just written, found by the primary key in `inserted` (and their
 * previous values in `deleted`). The key is read from the catalog when the trigger is installed, so
 * the trigger is created by dynamic SQL (EXEC sp_executesql), which also makes CREATE TRIGGER the
 * first statement of its own batch, as SQL Server demands.
 *
 * Which side a statement wrote decides the direction, as in the PostgreSQL trigger (see its
 * sync-trigger-sql.ts): per row, with no matching `deleted` row (an INSERT), `to` counts as written
 * when it is not NULL / not its declared DEFAULT; on UPDATE, when UPDATE(to) and its value changed.
 * Values are compared by binary image (CAST AS varbinary(max)), NULL equal to NULL (INTERSECT).
 * Rows are paired with their old image by primary key, unless the UPDATE named a key column: then
 * only a one-row statement is paired, and the rows of a larger one are judged without their old
 * image (keyChangedCase), never overwriting what they hold. INSERT never has an old image.
 * The plan's expressions are evaluated in derived tables over `inserted` (or `deleted`) alone, so a
 * bare column name in them can only mean the written row's column.
 *
 * Recursion is stopped with TRIGGER_NESTLEVEL(@@PROCID) whatever RECURSIVE_TRIGGERS says
 * (https://learn.microsoft.com/sql/t-sql/functions/trigger-nestlevel-transact-sql). NOT NULL and
 * CHECK constraints are checked before an AFTER trigger runs, so a column one generation leaves out
 * must accept NULL (or have a DEFAULT) during the transition: the install refuses it otherwise
 * (https://learn.microsoft.com/sql/t-sql/statements/create-trigger-transact-sql, "DML Triggers").
 */
import type { SyncSpec } from '../actions-shadow.js';
import { ident, literal, objectId, qualified } from './sql-names.js';
import { readColumnTypeSql } from './ddl-not-null-type.js';
import { readsColumn } from './sync-trigger-check.js';

/** Text of the trigger, or a variable of the install batch spliced in at run time (catalog-built). */
type Part = string | { variable: string };
const TO_TYPE = { variable: '@to_type' };
const FROM_TYPE = { variable: '@from_type' };
const COLUMNS = { variable: '@columns' };
const JOIN_TABLE = { variable: '@join_table' };
const JOIN_OLD = { variable: '@join_old' };
const KEY_UPDATED = { variable: '@key_updated' };

/** `tsql\`…${x}…\``: strings are trigger text, variables are parts spliced in by the install batch. */
function tsql(strings: TemplateStringsArray, ...values: (Part | Part[])[]): Part[] {
  const parts: Part[] = [strings[0] as string];
  values.forEach((v, i) => parts.push(...(Array.isArray(v) ? v : [v]), strings[i + 1] as string));
  return parts;
}

/** A plan fragment, in parentheses; the line break ends a `--` comment it may end with. */
const fragment = (text: string): string => `(${text}\n)`;

/** Equal binary images, NULL equal to NULL: works for every type INTERSECT could not compare (xml). */
const same = (a: string, b: string): string =>
  `EXISTS (SELECT CAST(${a} AS varbinary(max)) INTERSECT SELECT CAST(${b} AS varbinary(max)))`;

const UP = 'schemashift_up';
const DOWN = 'schemashift_down';
const TO_DEFAULT = 'schemashift_to_default';
const FROM_DEFAULT = 'schemashift_from_default';
const OLD_ROW = 'schemashift_old_row';
const ACTION = 'schemashift_action';

export const forwardOf = (spec: SyncSpec): string => {
  if (spec.forward !== undefined) return spec.forward;
  if (spec.from === undefined)
    throw new Error(`internal: sync of ${spec.table}.${spec.to} has neither from nor forward`);
  return ident(spec.from);
};

/** INSERT: `to` written (not NULL / not its default) → from := reverse; else (old side written) → to := up. */
function insertCase(spec: SyncSpec): string {
  const to = `i.${ident(spec.to)}`;
  const toUnwritten = spec.toDefault === undefined ? `${to} IS NULL` : same(to, `i.${TO_DEFAULT}`);
  let fill: string | undefined;
  if (spec.toDefault !== undefined && spec.from !== undefined) {
    const from = `i.${ident(spec.from)}`;
    fill = spec.fromDefault === undefined ? `${from} IS NOT NULL` : `NOT ${same(from, `i.${FROM_DEFAULT}`)}`;
  }
  if (spec.reverse === undefined) {
    return `CASE WHEN ${toUnwritten}${fill === undefined ? '' : ` AND ${fill}`} THEN 'U' END`;
  }
  return `CASE WHEN NOT ${toUnwritten} THEN 'D' ${fill === undefined ? "ELSE 'U'" : `WHEN ${fill} THEN 'U'`} END`;
}

/**
 * An UPDATE of several rows that named a primary-key column: its rows cannot be paired with their
 * old values (`SET pos = pos + 1` gives each new row its neighbour's key), so only the columns it
 * named decide (UPDATE()), and a side it named, or that holds a value, is never recomputed:
 * `to` not named and (the old side named, when `up` reads it, or `to` still NULL) → to := up;
 * only `to` named and not already up(row) → from := reverse.
 */
function keyChangedCase(spec: SyncSpec): string {
  const to = `i.${ident(spec.to)}`;
  const fromNamed = spec.from !== undefined && readsColumn(forwardOf(spec), spec.from) ? '@from_named = 1 OR ' : '';
  const up = `WHEN @to_named = 0 AND (${fromNamed}${to} IS NULL) THEN 'U'`;
  if (spec.from === undefined || spec.reverse === undefined) return `CASE ${up} END`;
  return `CASE ${up} WHEN @to_named = 1 AND @from_named = 0 AND NOT ${same(to, `i.${UP}`)} THEN 'D' END`;
}

/**
 * UPDATE: `to` written → from := reverse unless `to` is exactly up(row) (the backfill, or both set
 * consistently). Else the old column changed (and `up` reads it) → to := up. Else up(row) changed
 * while `to` still held what up gave the old row (or NULL) → to := up; a value the new version
 * wrote stays.
 */
function updateCase(spec: SyncSpec): string {
  const to = ident(spec.to);
  const whens = [
    `WHEN @to_named = 1 AND NOT ${same(`i.${to}`, `d.${to}`)} THEN ` +
      (spec.reverse === undefined ? 'NULL' : `CASE WHEN NOT ${same(`i.${to}`, `i.${UP}`)} THEN 'D' END`),
  ];
  if (spec.from !== undefined && readsColumn(forwardOf(spec), spec.from)) {
    const from = ident(spec.from);
    whens.push(`WHEN @from_named = 1 AND NOT ${same(`i.${from}`, `d.${from}`)} THEN 'U'`);
  }
  whens.push(`WHEN NOT ${same(`i.${UP}`, `d.${UP}`)} AND (d.${to} IS NULL OR ${same(`d.${to}`, `d.${UP}`)}) THEN 'U'`);
  return whens.join('\n    ');
}

function newRows(spec: SyncSpec): Part[] {
  const computed: Part[] = [...tsql`, CAST(${fragment(forwardOf(spec))} AS ${TO_TYPE}) AS ${UP}`];
  if (spec.reverse !== undefined) computed.push(...tsql`, CAST(${fragment(spec.reverse)} AS ${FROM_TYPE}) AS ${DOWN}`);
  if (spec.toDefault !== undefined)
    computed.push(...tsql`, CAST(${fragment(spec.toDefault)} AS ${TO_TYPE}) AS ${TO_DEFAULT}`);
  if (spec.toDefault !== undefined && spec.from !== undefined && spec.fromDefault !== undefined)
    computed.push(...tsql`, CAST(${fragment(spec.fromDefault)} AS ${FROM_TYPE}) AS ${FROM_DEFAULT}`);
  return tsql`(SELECT ${COLUMNS}${computed} FROM inserted) AS i`;
}

/** The trigger, as parts: the install batch splices in the types, the key joins and the column list. */
export function triggerParts(spec: SyncSpec, trigger: string): Part[] {
  const sets = [`${ident(spec.to)} = CASE a.${ACTION} WHEN 'U' THEN i.${UP} ELSE t.${ident(spec.to)} END`];
  if (spec.reverse !== undefined && spec.from !== undefined) {
    const from = ident(spec.from);
    sets.push(`${from} = CASE a.${ACTION} WHEN 'D' THEN i.${DOWN} ELSE t.${from} END`);
  }
  const named = [toNamedMarker(spec.to)];
  if (spec.from !== undefined) named.push(`IF UPDATE(${ident(spec.from)}) SET @from_named = 1;`);
  const oldRows = tsql`(SELECT ${COLUMNS}, 1 AS ${OLD_ROW}, CAST(${fragment(forwardOf(spec))} AS ${TO_TYPE}) AS ${UP} FROM deleted) AS d`;
  return tsql`CREATE OR ALTER TRIGGER ${qualified(trigger)} ON ${qualified(spec.table)} AFTER INSERT, UPDATE AS
BEGIN
  SET NOCOUNT ON;
  IF TRIGGER_NESTLEVEL(@@PROCID) > 1 RETURN;
  IF NOT EXISTS (SELECT 1 FROM inserted) RETURN;
  DECLARE @to_named bit = 0, @from_named bit = 0, @is_update bit = 0, @key_named bit = 0, @one_row bit = 0;
  IF EXISTS (SELECT 1 FROM deleted) SET @is_update = 1;
  ${named.join('\n  ')}
  IF ${KEY_UPDATED} SET @key_named = @is_update;
  IF @key_named = 1 AND (SELECT COUNT_BIG(*) FROM deleted) = 1 SET @one_row = 1;
  UPDATE t SET ${sets.join(',\n    ')}
  FROM ${qualified(spec.table)} AS t
  JOIN ${newRows(spec)} ON ${JOIN_TABLE}
  LEFT JOIN ${oldRows} ON (@key_named = 0 AND ${JOIN_OLD}) OR @one_row = 1
  CROSS APPLY (SELECT CASE WHEN d.${OLD_ROW} IS NULL AND @is_update = 0 THEN ${insertCase(spec)}
    WHEN d.${OLD_ROW} IS NULL THEN ${keyChangedCase(spec)}
    ${updateCase(spec)}
  END AS ${ACTION}) AS a
  WHERE a.${ACTION} IS NOT NULL;
END`;
}

/** A line only the sync trigger filling `to` has: how set-not-null finds that trigger (OBJECT_DEFINITION). */
export const toNamedMarker = (to: string): string => `IF UPDATE(${ident(to)}) SET @to_named = 1;`;

/** The parts as one nvarchar(max) expression (CAST first: N'…' + N'…' alone stops at 4,000 characters). */
function concatenation(parts: Part[]): string {
  const merged: Part[] = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if (typeof p === 'string' && typeof last === 'string') merged[merged.length - 1] = last + p;
    else if (p !== '') merged.push(p);
  }
  const pieces = merged.map((p) => (typeof p === 'string' ? literal(p) : p.variable));
  return ["CAST(N'' AS nvarchar(max))", ...pieces].join('\n  + ');
}

const KEY_COLUMNS = (table: string) =>
  'FROM sys.indexes AS x JOIN sys.index_columns AS ic ON ic.object_id = x.object_id AND ic.index_id = x.index_id ' +
  'JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id ' +
  `WHERE x.object_id = ${objectId(table)} AND x.is_primary_key = 1 AND ic.key_ordinal > 0`;

/**
 * UPDATE() of every key column, OR-ed (UPDATE() is TRUE for every column of an INSERT); a computed
 * key column cannot be asked (https://learn.microsoft.com/sql/t-sql/functions/update-trigger-functions-transact-sql)
 * and counts as changed.
 */
const KEY_UPDATED_SQL =
  "STRING_AGG(CAST(CASE WHEN c.is_computed = 1 THEN N'1 = 1' ELSE N'UPDATE(' + QUOTENAME(c.name) + N')' END " +
  "AS nvarchar(max)), N' OR ') WITHIN GROUP (ORDER BY ic.key_ordinal)";

/** The joins on the primary key and the columns the derived tables expose, from the catalog. */
function keySql(spec: SyncSpec): string[] {
  const names = [spec.to, ...(spec.from === undefined ? [] : [spec.from])].map(literal).join(', ');
  const join = (left: string) =>
    `STRING_AGG(CAST(N'${left}.' + QUOTENAME(c.name) + N' = i.' + QUOTENAME(c.name) AS nvarchar(max)), N' AND ') ` +
    'WITHIN GROUP (ORDER BY ic.key_ordinal)';
  return [
    'DECLARE @join_table nvarchar(max), @join_old nvarchar(max), @key_updated nvarchar(max), @columns nvarchar(max);',
    `SELECT @join_table = ${join('t')}, @join_old = ${join('d')}, @key_updated = ${KEY_UPDATED_SQL} ` +
      `${KEY_COLUMNS(spec.table)};`,
    `IF @join_table IS NULL THROW 50000, ${literal(
      `${spec.table} has no primary key: the sync trigger finds the rows a statement wrote by it; add one first`,
    )}, 1;`,
    `SELECT @columns = STRING_AGG(CAST(QUOTENAME(c.name) AS nvarchar(max)), N', ') WITHIN GROUP (ORDER BY c.column_id) ` +
      `FROM sys.columns AS c WHERE c.object_id = ${objectId(spec.table)} AND (c.name IN (${names}) ` +
      `OR c.column_id IN (SELECT ic.column_id ${KEY_COLUMNS(spec.table)}));`,
  ];
}

const hasDefault = (table: string, column: string): string =>
  'EXISTS (SELECT 1 FROM sys.default_constraints AS k JOIN sys.columns AS c ON c.object_id = k.parent_object_id ' +
  `AND c.column_id = k.parent_column_id WHERE k.parent_object_id = ${objectId(table)} AND c.name = ${literal(column)})`;

const fail = (condition: string, message: string): string => `IF ${condition} THROW 50000, ${literal(message)}, 1;`;

/** The trigger decides by the defaults the plan declares: they must be the ones the table has. */
function defaultChecks(spec: SyncSpec): string[] {
  const t = spec.table;
  const checks = [
    spec.toDefault === undefined
      ? fail(hasDefault(t, spec.to), `${t}.${spec.to} has a DEFAULT the plan does not declare: declare it in the plan`)
      : fail(`NOT ${hasDefault(t, spec.to)}`, `${t}.${spec.to} has no DEFAULT, but the plan declares one`),
  ];
  if (spec.toDefault !== undefined && spec.from !== undefined) {
    checks.push(
      spec.fromDefault === undefined
        ? fail(
            hasDefault(t, spec.from),
            `${t}.${spec.from} has a DEFAULT the plan does not declare: declare it in the plan`,
          )
        : fail(`NOT ${hasDefault(t, spec.from)}`, `${t}.${spec.from} has no DEFAULT, but the plan declares one`),
    );
  }
  return checks;
}

/**
 * NOT NULL is checked before an AFTER trigger runs: a column one generation leaves out must accept
 * the NULL (or get a DEFAULT) until the trigger fills it.
 */
function nullabilityChecks(spec: SyncSpec): string[] {
  const t = spec.table;
  const leftOut = (column: string, prefix: string, who: string) =>
    fail(
      `@${prefix}_nullable = 0 AND NOT ${hasDefault(t, column)}`,
      `${t}.${column} is NOT NULL without a DEFAULT: ${who} leave it out, and SQL Server refuses the row before ` +
        'the AFTER trigger could fill it; make it nullable (or give it a DEFAULT) for the transition',
    );
  const checks = [leftOut(spec.to, 'to', 'INSERTs of the old application version')];
  if (spec.reverse !== undefined && spec.from !== undefined)
    checks.push(leftOut(spec.from, 'from', 'INSERTs of the new application version'));
  const lob = (prefix: string, column: string) =>
    fail(
      `@${prefix}_type IN (N'[text]', N'[ntext]', N'[image]')`,
      `${t}.${column}: text, ntext and image columns cannot be read in a trigger`,
    );
  checks.push(lob('to', spec.to), ...(spec.from === undefined ? [] : [lob('from', spec.from)]));
  return checks;
}

/**
 * Checks, then the trigger created DISABLED under the function's name (`install-sync-trigger`
 * enables it): SQL Server has no trigger functions, a trigger's body is its own. Re-run on an
 * enabled trigger, it stays enabled.
 */
export function installSyncTriggerSql(spec: SyncSpec, trigger: string): string {
  const triggerId = `OBJECT_ID(${literal(qualified(trigger))}, N'TR')`;
  return [
    '-- an INSERT/UPDATE/MERGE with OUTPUT but no INTO fails on a table with an enabled trigger (error 334): ' +
      'such writers need OUTPUT … INTO; BULK INSERT and bcp skip the trigger unless run with FIRE_TRIGGERS',
    `IF ${objectId(spec.table)} IS NULL THROW 50000, ${literal(`table ${spec.table} does not exist`)}, 1;`,
    readColumnTypeSql(spec.table, spec.to, 'to'),
    ...(spec.from === undefined ? [] : [readColumnTypeSql(spec.table, spec.from, 'from')]),
    ...defaultChecks(spec),
    ...nullabilityChecks(spec),
    ...keySql(spec),
    `DECLARE @was_enabled bit = CASE WHEN EXISTS (SELECT 1 FROM sys.triggers WHERE object_id = ${triggerId} ` +
      'AND is_disabled = 0) THEN 1 ELSE 0 END;',
    `DECLARE @create nvarchar(max) = ${concatenation(triggerParts(spec, trigger))};`,
    'EXEC sys.sp_executesql @create;',
    `IF @was_enabled = 0 DISABLE TRIGGER ${qualified(trigger)} ON ${qualified(spec.table)};`,
  ].join('\n');
}
