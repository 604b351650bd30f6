/**
 * Keys a backfill can walk, read from sys.indexes and sys.columns; and the column-definition probe.
 * Catalog views only: no lock on the user's table.
 */
import type { Queryable } from '../../db/connection.js';
import { splitQualified } from '../dialect.js';
import type { ColumnDefinition, UniqueKeyIndex } from '../introspect.js';
import { quoteQualified } from './names.js';

/** An index's key columns in key order as FOR JSON text `[{"n":"a"},…]` (included columns have key_ordinal 0). */
export const indexKeyColumnsJson = (objectId: string, indexId: string): string =>
  `(SELECT c.name AS n FROM sys.index_columns AS ic JOIN sys.columns AS c ON c.object_id = ic.object_id AND ` +
  `c.column_id = ic.column_id WHERE ic.object_id = ${objectId} AND ic.index_id = ${indexId} AND ` +
  `ic.is_included_column = 0 AND ic.key_ordinal > 0 ORDER BY ic.key_ordinal FOR JSON PATH)`;

/** FOR JSON text of `{"n": name}` objects (NULL for none) → the names. */
export function namesFromJson(json: unknown): string[] {
  if (typeof json !== 'string' || json === '') return [];
  return (JSON.parse(json) as { n: string }[]).map((o) => o.n);
}

/**
 * Key types a walk cannot follow: the walk carries the last key as nvarchar text, and compared with
 * it a char/varchar column is converted to nvarchar, whose order differs from the column's own under
 * SQL collations (a row would be skipped); float and binary keys do not survive the text round trip.
 */
export const UNWALKABLE_KEY_TYPES = ['char', 'varchar', 'float', 'real', 'binary', 'varbinary', 'sql_variant'];

/**
 * Unique rowstore indexes (clustered or not) that are enabled, real (not hypothetical) and not
 * filtered, on key columns of walkable types, primary key first, then the narrowest. A unique index
 * in SQL Server admits one NULL per key, so `not_null` says whether every key column is NOT NULL.
 */
export const UNIQUE_INDEXES_SQL = `SELECT i.name, i.is_primary_key AS [primary], ${indexKeyColumnsJson('i.object_id', 'i.index_id')} AS columns,
  CONVERT(bit, CASE WHEN EXISTS (SELECT 1 FROM sys.index_columns AS ic JOIN sys.columns AS c ON c.object_id = ic.object_id
    AND c.column_id = ic.column_id WHERE ic.object_id = i.object_id AND ic.index_id = i.index_id
    AND ic.is_included_column = 0 AND ic.key_ordinal > 0 AND c.is_nullable = 1) THEN 0 ELSE 1 END) AS not_null,
  (SELECT COUNT(*) FROM sys.index_columns AS ic WHERE ic.object_id = i.object_id AND ic.index_id = i.index_id
    AND ic.is_included_column = 0 AND ic.key_ordinal > 0) AS width
FROM sys.indexes AS i
WHERE i.object_id = $1 AND i.is_unique = 1 AND i.has_filter = 0 AND i.is_disabled = 0 AND i.is_hypothetical = 0
  AND i.type IN (1, 2)
  AND NOT EXISTS (SELECT 1 FROM sys.index_columns AS ic JOIN sys.columns AS c ON c.object_id = ic.object_id
    AND c.column_id = ic.column_id WHERE ic.object_id = i.object_id AND ic.index_id = i.index_id
    AND ic.key_ordinal > 0 AND TYPE_NAME(c.system_type_id) IN (${UNWALKABLE_KEY_TYPES.map((t) => `N'${t}'`).join(', ')}))
ORDER BY i.is_primary_key DESC, width, i.name`;

export const KEY_COLUMNS_SQL =
  'SELECT c.name, CONVERT(bit, 1 - c.is_nullable) AS not_null FROM sys.columns AS c WHERE c.object_id = $1 ' +
  "AND c.name IN (SELECT j.name FROM OPENJSON($2) WITH (name sysname '$') AS j)";

/** How to give `table` a key a backfill can walk without blocking writes (ONLINE needs Enterprise, Developer or Azure). */
export function addKeyHelp(table: string): string {
  const t = quoteQualified(table);
  const index = `${splitQualified(table).name}_key`;
  return (
    `add a unique index on NOT NULL columns online (CREATE UNIQUE INDEX ${quoteQualified(index)} ON ${t} ` +
    `(<unique columns>) WITH (ONLINE = ON, RESUMABLE = ON); or ALTER TABLE ${t} ADD CONSTRAINT ` +
    `${quoteQualified(`${splitQualified(table).name}_pk`)} PRIMARY KEY NONCLUSTERED (<unique columns>) WITH (ONLINE = ON)), ` +
    'or give `key: [column, ...]` naming columns that are NOT NULL and unique together; keys of type ' +
    `${UNWALKABLE_KEY_TYPES.join(', ')} are not walked (their order as text differs from SQL Server's)`
  );
}

/** OBJECT_ID of a user table (type U), or null; `qualifiedTable` as the dialect's `qualified` renders it. */
export async function tableId(db: Queryable, qualifiedTable: string): Promise<number | null> {
  const { rows } = await db.query<{ id: number | null }>("SELECT OBJECT_ID($1, N'U') AS id", [qualifiedTable]);
  const id = rows[0]?.id;
  return id === null || id === undefined ? null : Number(id);
}

export interface UniqueIndexRow {
  name: string;
  primary: boolean;
  columns: string | null;
  not_null: boolean;
}

export const uniqueKeyOf = (r: UniqueIndexRow): UniqueKeyIndex => ({
  name: r.name,
  primary: r.primary,
  columns: namesFromJson(r.columns),
  notNull: r.not_null,
});

export async function uniqueKeys(db: Queryable, id: number): Promise<UniqueKeyIndex[]> {
  const { rows } = await db.query<UniqueIndexRow>(UNIQUE_INDEXES_SQL, [id]);
  return rows.map(uniqueKeyOf);
}

export async function keyColumns(
  db: Queryable,
  id: number,
  names: string[],
): Promise<{ name: string; notNull: boolean }[]> {
  const { rows } = await db.query<{ name: string; not_null: boolean }>(KEY_COLUMNS_SQL, [id, JSON.stringify(names)]);
  return rows.map((r) => ({ name: r.name, notNull: r.not_null }));
}

/** SQL Server collation names are plain words (Latin1_General_100_CI_AS_SC_UTF8); COLLATE takes no quoted name. */
const COLLATION_NAME = /^[A-Za-z0-9_]+$/;

/**
 * Error numbers where the probe cannot say: NEXT VALUE FOR is refused in a table variable's default
 * (11719) though a table's DEFAULT constraint allows it.
 */
const SKIP_PROBE = new Set(['11719']);

/**
 * The batch declaring a table variable with the column: SQL Server compiles it (the type, in the
 * current database, alias types included; the collation and whether the type takes one; the default's
 * names, functions and that it has no column or subquery) without evaluating the default or touching
 * any table. A temporary table would resolve alias types and functions in tempdb instead.
 * https://learn.microsoft.com/sql/t-sql/data-types/table-transact-sql
 */
export function definitionProbeSql(column: ColumnDefinition): string {
  const parts = [
    column.type,
    ...(column.collation === undefined ? [] : [`COLLATE ${collationOf(column.collation)}`]),
    ...(column.default === undefined
      ? []
      : [`DEFAULT (${column.default}${column.default.includes('--') ? '\n' : ''})`]),
  ];
  return `DECLARE @schemashift_probe TABLE (v ${parts.join(' ')})`;
}

/** `schema.name` (the model's form) or a bare name: SQL Server collations have no schema. */
const collationOf = (collation: string): string => collation.slice(collation.lastIndexOf('.') + 1);

/** A call of a schema-qualified name (`dbo.f(`, `[s].[f] (`): a user-defined function, always called so. */
const USER_FUNCTION_CALL = /[\w\]]\s*\.\s*[\w[][\w\]\s[.]*\(/;

/**
 * Undefined when the server accepts the definition, or when the probe cannot say: a table
 * variable's DEFAULT may not call a user-defined function, which a table's may, so such a default
 * is not probed.
 */
export async function columnDefinitionProblem(db: Queryable, column: ColumnDefinition): Promise<string | undefined> {
  if (column.collation !== undefined && !COLLATION_NAME.test(collationOf(column.collation)))
    return `${column.collation} is not a SQL Server collation name`;
  if (column.default !== undefined && USER_FUNCTION_CALL.test(column.default)) return undefined;
  try {
    await db.query(definitionProbeSql(column));
    return undefined;
  } catch (e) {
    const { code, message } = e as { code?: string; message?: string };
    if (code !== undefined && SKIP_PROBE.has(code)) return undefined;
    return message ?? String(e);
  }
}
