/**
 * What depends on a table or view so that dropping it would break or fail: modules (views, functions,
 * procedures, triggers on other tables) that reference it in sys.sql_expression_dependencies, and
 * foreign keys of other tables that reference it. SQL Server drops a table or view under a view or
 * procedure that is not schema-bound without a word, so the guard refuses before DROP does.
 * The object's own parts (its triggers, CHECKs, computed columns, self-references) go with it.
 */
import { splitQualified } from '../dialect.js';
import { literal, objectId } from './sql-names.js';
import { throwSql } from './ddl-meta-sql.js';

const quotedName = (id: string): string =>
  `QUOTENAME(OBJECT_SCHEMA_NAME(${id})) + N'.' + QUOTENAME(OBJECT_NAME(${id}))`;

/** A reference by name that SQL Server could not bind when the module was created still names the object. */
function referencesSql(name: string): string {
  const { schema, name: bare } = splitQualified(name);
  const bySchema =
    schema === undefined
      ? ''
      : ` AND (d.referenced_schema_name IS NULL OR d.referenced_schema_name = ${literal(schema)})`;
  return (
    `(d.referenced_id = ${objectId(name)} OR (d.referenced_id IS NULL AND d.referenced_database_name IS NULL ` +
    `AND d.referenced_entity_name = ${literal(bare)}${bySchema}))`
  );
}

/** One row per dependent, `what` as people name it: `view [dbo].[v]`, `foreign key [fk] on [dbo].[t]`. */
function dependentsQuery(name: string): string {
  const id = objectId(name);
  return [
    `SELECT LOWER(REPLACE(o.type_desc, N'_', N' ')) + N' ' + ${quotedName('o.object_id')} AS what`,
    '  FROM sys.sql_expression_dependencies AS d JOIN sys.objects AS o ON o.object_id = d.referencing_id',
    `  WHERE d.referencing_class = 1 AND ${referencesSql(name)} AND o.object_id <> ${id} AND o.parent_object_id <> ${id}`,
    'UNION',
    `SELECT N'foreign key ' + QUOTENAME(f.name) + N' on ' + ${quotedName('f.parent_object_id')}`,
    `  FROM sys.foreign_keys AS f WHERE f.referenced_object_id = ${id} AND f.parent_object_id <> ${id}`,
  ].join('\n');
}

/** THROW naming every dependent of `name` (a table or view) when there is any; nothing otherwise. */
export function dependentsGuardSql(name: string, kind: 'table' | 'view'): string {
  const message = `cannot drop ${kind} ${name}: other objects depend on it (schemashift never drops them with it): `;
  return [
    'DECLARE @dependents nvarchar(max), @dependents_refusal nvarchar(2048)',
    `SELECT @dependents = STRING_AGG(CAST(what AS nvarchar(max)), N', ') WITHIN GROUP (ORDER BY what) FROM (\n${dependentsQuery(name)}\n) AS dependents`,
    `SET @dependents_refusal = LEFT(${literal(message)} + @dependents, 2048)`,
    `IF @dependents IS NOT NULL ${throwSql('@dependents_refusal')}`,
  ].join(';\n');
}
