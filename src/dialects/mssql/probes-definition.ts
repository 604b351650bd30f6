/**
 * What an object by a plan's name looks like in SQL Server's catalog now: one row, one column `def`
 * holding one JSON object (FOR JSON PATH, WITHOUT_ARRAY_WRAPPER; SQL Server 2016+), NULL when
 * nothing by that name exists. The driver returns it as text; probes-differences.ts reads it.
 * INCLUDE_NULL_VALUES keeps NULL properties; bit columns become true/false; a nested FOR JSON inside
 * JSON_QUERY stays an array, not an escaped string
 * (https://learn.microsoft.com/sql/relational-databases/json/format-query-results-as-json-with-for-json-sql-server).
 */
import type { DbObject } from '../probes.js';
import { typeIdSql } from './probes-types.js';
import { literal, objectId } from './sql-names.js';

type Of<K extends DbObject['kind']> = Extract<DbObject, { kind: K }>;

/**
 * One row: the JSON object of `fields` from the one row of `from`, or NULL. Inside a scalar
 * subquery the FOR JSON text is one nvarchar(max) value (a top-level FOR JSON result would be
 * split over rows of 2,033 characters).
 */
const jsonRow = (fields: string[], from: string): string =>
  `SELECT (SELECT ${fields.join(', ')} FROM ${from} FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES) AS def`;

const asBit = (condition: string): string => `CAST(CASE WHEN ${condition} THEN 1 ELSE 0 END AS bit)`;

/** A JSON array of `{"name": …}` from a query over sys.columns `c`; NULL when it has no row. */
const nameArray = (from: string, order: string): string =>
  `JSON_QUERY((SELECT c.name AS [name] FROM ${from} ORDER BY ${order} FOR JSON PATH))`;

/** The type of sys.columns `c`: its (user) type's name, its base system type and its sizes. */
const COLUMN_TYPE = [
  'TYPE_NAME(c.user_type_id) AS type_name',
  'TYPE_NAME(c.system_type_id) AS base_type',
  'c.max_length',
  'c.precision',
  'c.scale',
];

/** The column's collation when it is not the database's default. */
const OTHER_COLLATION =
  "CASE WHEN c.collation_name <> CONVERT(sysname, DATABASEPROPERTYEX(DB_NAME(), 'Collation')) " +
  'THEN c.collation_name END AS collation';

function columnDefinition(o: Of<'column'>): string {
  const sameType = o.type === undefined ? 'CAST(NULL AS bit)' : asBit(`c.user_type_id = ${typeIdSql(o.type)}`);
  return jsonRow(
    [
      ...COLUMN_TYPE,
      `${sameType} AS same_type`,
      'c.is_nullable AS nullable',
      'd.definition AS [default]',
      OTHER_COLLATION,
      'c.is_computed AS computed',
      'c.is_identity AS [identity]',
    ],
    `sys.columns AS c LEFT JOIN sys.default_constraints AS d ON d.object_id = c.default_object_id ` +
      `WHERE c.object_id = ${objectId(o.table)} AND c.name = ${literal(o.name)}`,
  );
}

/** sys.index_columns `ic` of one index, joined to their sys.columns `c`. */
const indexColumns = (objectIdSql: string, indexIdSql: string): string =>
  'sys.index_columns AS ic JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id ' +
  `WHERE ic.object_id = ${objectIdSql} AND ic.index_id = ${indexIdSql}`;

const INDEX_COLUMNS = indexColumns('i.object_id', 'i.index_id');

/** Keys (in key order, with their direction), INCLUDE columns, filter, fill factor, and its state. */
function indexDefinition(o: Of<'index'>): string {
  const keys =
    'JSON_QUERY((SELECT c.name AS [name], ic.is_descending_key AS [desc] FROM ' +
    `${INDEX_COLUMNS} AND ic.key_ordinal > 0 ORDER BY ic.key_ordinal FOR JSON PATH)) AS keys`;
  const paused = asBit(
    'EXISTS (SELECT 1 FROM sys.index_resumable_operations AS r WHERE r.object_id = i.object_id AND r.name = i.name)',
  );
  return jsonRow(
    [
      'i.type_desc AS kind',
      'i.is_unique AS [unique]',
      'i.is_primary_key AS primary_key',
      'i.is_unique_constraint AS unique_constraint',
      'i.is_disabled AS disabled',
      'i.is_hypothetical AS hypothetical',
      `${paused} AS paused`,
      keys,
      `${nameArray(`${INDEX_COLUMNS} AND ic.is_included_column = 1`, 'ic.index_column_id')} AS include`,
      'i.filter_definition AS [where]',
      'i.fill_factor',
    ],
    `sys.indexes AS i WHERE i.object_id = ${objectId(o.table)} AND i.name = ${literal(o.name)}`,
  );
}

/** The constrained columns: a foreign key's, a key constraint's index keys, a column CHECK's or DEFAULT's column. */
const CONSTRAINT_COLUMNS =
  'JSON_QUERY(COALESCE(' +
  '(SELECT c.name AS [name] FROM sys.foreign_key_columns AS k JOIN sys.columns AS c ON c.object_id = ' +
  'k.parent_object_id AND c.column_id = k.parent_column_id WHERE k.constraint_object_id = o.object_id ' +
  'ORDER BY k.constraint_column_id FOR JSON PATH), ' +
  `(SELECT c.name AS [name] FROM ${indexColumns('kc.parent_object_id', 'kc.unique_index_id')} ` +
  'AND ic.key_ordinal > 0 ORDER BY ic.key_ordinal FOR JSON PATH), ' +
  '(SELECT c.name AS [name] FROM sys.columns AS c WHERE c.object_id = o.parent_object_id AND c.column_id = ' +
  'COALESCE(cc.parent_column_id, dc.parent_column_id) FOR JSON PATH))) AS columns';

const REFERENCED_COLUMNS = nameArray(
  'sys.foreign_key_columns AS k JOIN sys.columns AS c ON c.object_id = k.referenced_object_id AND c.column_id = ' +
    'k.referenced_column_id WHERE k.constraint_object_id = o.object_id',
  'k.constraint_column_id',
);

function constraintDefinition(o: Of<'constraint'>): string {
  const sameReferences =
    o.references === undefined
      ? 'CAST(NULL AS bit)'
      : asBit(`fk.referenced_object_id = ${objectId(o.references.table)}`);
  return jsonRow(
    [
      'RTRIM(o.type) AS [type]',
      'COALESCE(cc.definition, dc.definition) AS expression',
      CONSTRAINT_COLUMNS,
      "OBJECT_SCHEMA_NAME(fk.referenced_object_id) + N'.' + OBJECT_NAME(fk.referenced_object_id) AS ref_table",
      `${sameReferences} AS same_references`,
      `${REFERENCED_COLUMNS} AS ref_columns`,
      'fk.delete_referential_action_desc AS on_delete',
      'fk.update_referential_action_desc AS on_update',
      'COALESCE(cc.is_not_trusted, fk.is_not_trusted) AS not_trusted',
      'COALESCE(cc.is_disabled, fk.is_disabled) AS disabled',
    ],
    'sys.objects AS o LEFT JOIN sys.check_constraints AS cc ON cc.object_id = o.object_id ' +
      'LEFT JOIN sys.default_constraints AS dc ON dc.object_id = o.object_id ' +
      'LEFT JOIN sys.foreign_keys AS fk ON fk.object_id = o.object_id ' +
      'LEFT JOIN sys.key_constraints AS kc ON kc.object_id = o.object_id ' +
      `WHERE o.parent_object_id = ${objectId(o.table)} AND o.name = ${literal(o.name)} ` +
      "AND o.type IN ('C', 'F', 'UQ', 'PK', 'D')",
  );
}

function triggerDefinition(o: Of<'trigger'>): string {
  return jsonRow(
    ['t.type_desc', 't.is_disabled AS disabled', 't.is_instead_of_trigger AS instead_of'],
    `sys.triggers AS t WHERE t.parent_id = ${objectId(o.table)} AND t.name = ${literal(o.name)}`,
  );
}

/** Whatever schema-scoped object holds the name (sys.objects: its type and type_desc), with `fields` of it. */
function objectByName(name: string, fields: string[] = [], join = ''): string {
  return jsonRow(
    ['RTRIM(o.type) AS [type]', 'o.type_desc', ...fields],
    `sys.objects AS o ${join}WHERE o.object_id = ${objectId(name)}`,
  );
}

/** An indexed view: schema-bound, with the text CREATE VIEW was given (sys.sql_modules). */
function materializedViewDefinition(o: Of<'materialized view'>): string {
  return objectByName(
    o.name,
    [`${asBit("OBJECTPROPERTY(o.object_id, 'IsSchemaBound') = 1")} AS schema_bound`, 'm.definition'],
    'LEFT JOIN sys.sql_modules AS m ON m.object_id = o.object_id ',
  );
}

/** The table's columns with their types; `planned`: the sys.types id each planned column's type names. */
function tableDefinition(o: Of<'table'>): string {
  const columns =
    `JSON_QUERY((SELECT c.name AS [name], ${COLUMN_TYPE.join(', ')}, c.user_type_id AS type_id, ` +
    'c.is_nullable AS nullable FROM sys.columns AS c WHERE c.object_id = o.object_id ORDER BY c.column_id ' +
    'FOR JSON PATH)) AS columns';
  const planned = (o.columns ?? []).map((c) => `(${literal(c.name)}, ${typeIdSql(c.type)})`);
  const plannedTypes =
    planned.length === 0
      ? []
      : [
          'JSON_QUERY((SELECT p.[name], p.type_id FROM (VALUES ' +
            `${planned.join(', ')}) AS p([name], type_id) FOR JSON PATH)) AS planned`,
        ];
  return objectByName(o.name, [columns, ...plannedTypes]);
}

export function objectDefinition(o: DbObject): string {
  switch (o.kind) {
    case 'column':
      return columnDefinition(o);
    case 'index':
      return indexDefinition(o);
    case 'constraint':
      return constraintDefinition(o);
    case 'trigger':
      return triggerDefinition(o);
    case 'function':
    case 'view':
      return objectByName(o.name);
    case 'materialized view':
      return materializedViewDefinition(o);
    case 'table':
      return tableDefinition(o);
    case 'table property':
    // A view over another database is refused on SQL Server before anything runs (ddl-foreign.ts).
    case 'extension':
    case 'foreign server':
    case 'user mapping':
    case 'schema':
      return 'SELECT CAST(NULL AS nvarchar(max)) AS def';
  }
}
