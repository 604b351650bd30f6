/**
 * ALTER COLUMN must restate a column's whole type (ALTER TABLE, "ALTER COLUMN"): these batches read
 * it from sys.columns / sys.types at run time and build the statement with QUOTENAME, so a name or a
 * type never comes from plan text. ONLINE = ON is added only on the editions that have it
 * (SERVERPROPERTY('EngineEdition') 3 = Enterprise/Developer, 5 = Azure SQL Database, 8 = Managed
 * Instance); elsewhere it would fail with error 1712.
 */
import { ENGINE_EDITION, ONLINE_EDITIONS } from './ddl-options.js';
import { ident, literal, objectId, qualified } from './sql-names.js';

const size = (divisor: number): string =>
  `N'(' + CASE WHEN c.max_length = -1 THEN N'max' ELSE CAST(c.max_length / ${divisor} AS nvarchar(10)) END + N')'`;

/**
 * `SELECT @<prefix>_type = …, @<prefix>_collation = …, @<prefix>_nullable = …` of `table.column`, after
 * declaring them. An alias type is named as such (its base type comes with it); precision, scale,
 * length and an xml schema collection as the catalog has them.
 */
export function readColumnTypeSql(table: string, column: string, prefix: string): string {
  const v = (name: string) => `@${prefix}_${name}`;
  const type =
    `CASE WHEN t.is_user_defined = 1 THEN QUOTENAME(SCHEMA_NAME(t.schema_id)) + N'.' + QUOTENAME(t.name) ` +
    `WHEN t.name IN (N'varchar', N'char', N'varbinary', N'binary') THEN QUOTENAME(t.name) + ${size(1)} ` +
    `WHEN t.name IN (N'nvarchar', N'nchar') THEN QUOTENAME(t.name) + ${size(2)} ` +
    `WHEN t.name IN (N'decimal', N'numeric') THEN QUOTENAME(t.name) + N'(' + CAST(c.precision AS nvarchar(10)) + ` +
    `N', ' + CAST(c.scale AS nvarchar(10)) + N')' ` +
    `WHEN t.name IN (N'datetime2', N'time', N'datetimeoffset') THEN QUOTENAME(t.name) + N'(' + ` +
    `CAST(c.scale AS nvarchar(10)) + N')' ` +
    `WHEN t.name = N'xml' AND c.xml_collection_id <> 0 THEN N'[xml](' + QUOTENAME(SCHEMA_NAME(x.schema_id)) + ` +
    `N'.' + QUOTENAME(x.name) + N')' ` +
    `ELSE QUOTENAME(t.name) END`;
  return [
    `DECLARE ${v('type')} nvarchar(400), ${v('collation')} sysname, ${v('nullable')} bit, ${v('computed')} bit;`,
    `SELECT ${v('type')} = ${type}, ${v('collation')} = c.collation_name, ${v('nullable')} = c.is_nullable, ` +
      `${v('computed')} = c.is_computed`,
    'FROM sys.columns AS c JOIN sys.types AS t ON t.user_type_id = c.user_type_id',
    'LEFT JOIN sys.xml_schema_collections AS x ON x.xml_collection_id = c.xml_collection_id',
    `WHERE c.object_id = ${objectId(table)} AND c.name = ${literal(column)};`,
    `IF ${v('type')} IS NULL THROW 50000, ${literal(`column ${table}.${column} does not exist`)}, 1;`,
    `IF ${v('computed')} = 1 THROW 50000, ${literal(`${table}.${column} is a computed column: it has no type of its own to restate`)}, 1;`,
    // Collation names are catalog words; refused rather than spliced should one ever hold anything else.
    `IF ${v('collation')} LIKE N'%[^A-Za-z0-9_]%' THROW 50000, ${literal(`${table}.${column}: unexpected collation name`)}, 1;`,
  ].join('\n');
}

/**
 * A batch altering `column` to its own type with its
 * collation (or `collation`) and `nullability`; `online`: with ONLINE = ON where the edition has it;
 * `before`: statements run once the type is read (@c_type), before the ALTER. ONLINE alter column
 * still reads every row (a NOT NULL check or a rewrite) and takes Sch-M at the end; offline it holds
 * Sch-M for the whole scan.
 */
export function alterColumnSql(
  table: string,
  column: string,
  nullability: 'NULL' | 'NOT NULL' | 'as-is',
  { online, collation, before = [] }: { online: boolean; collation?: string; before?: string[] },
): string {
  const head = literal(`ALTER TABLE ${qualified(table)} ALTER COLUMN ${ident(column)} `);
  const collate =
    collation === undefined ? `COALESCE(N' COLLATE ' + @c_collation, N'')` : literal(` COLLATE ${collation}`);
  const nulls =
    nullability === 'as-is'
      ? `CASE @c_nullable WHEN 1 THEN N' NULL' ELSE N' NOT NULL' END`
      : literal(` ${nullability}`);
  return [
    readColumnTypeSql(table, column, 'c'),
    ...before,
    `DECLARE @alter nvarchar(max) = ${head} + @c_type + ${collate} + ${nulls};`,
    ...(online ? [`IF ${ENGINE_EDITION} IN ${ONLINE_EDITIONS} SET @alter += N' WITH (ONLINE = ON)';`] : []),
    'EXEC sys.sp_executesql @alter;',
  ].join('\n');
}
