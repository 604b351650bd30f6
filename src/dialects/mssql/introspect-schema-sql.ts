/**
 * The catalog queries of the live schema (introspect-schema.ts). User objects are those not
 * shipped by Microsoft (is_ms_shipped = 0), schemashift's own tables included; the catalog's views
 * (sys, INFORMATION_SCHEMA) are listed without their columns, as PostgreSQL's pg_catalog is.
 */

/** Tables (U), views (V) and sequences (SO) of the user, then the catalog's views. */
export const RELATIONS_SQL = `SELECT o.object_id AS id, s.name AS [schema], o.name, o.type, CONVERT(bit, 0) AS [system]
FROM sys.objects AS o JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.type IN ('U', 'V', 'SO') AND o.is_ms_shipped = 0
UNION ALL
SELECT o.object_id, s.name, o.name, o.type, CONVERT(bit, 1)
FROM sys.all_objects AS o JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.type = 'V' AND o.is_ms_shipped = 1 AND s.name IN (N'sys', N'INFORMATION_SCHEMA')`;

/**
 * Columns of user tables and views in order. An alias type (and sysname, and the CLR types) has a
 * user_type_id other than its system_type_id: shown by its own name.
 */
export const COLUMNS_SQL = `SELECT c.object_id AS id, c.name, TYPE_NAME(c.user_type_id) AS type_name,
  CONVERT(bit, CASE WHEN c.user_type_id <> c.system_type_id THEN 1 ELSE 0 END) AS alias,
  c.max_length, c.precision, c.scale, c.is_nullable
FROM sys.columns AS c JOIN sys.objects AS o ON o.object_id = c.object_id
WHERE o.type IN ('U', 'V') AND o.is_ms_shipped = 0
ORDER BY c.object_id, c.column_id`;

/** Every real index of a user table or view (index_id 0 is the heap, not an index). */
export const indexesSql = (keyColumnsJson: string): string => `SELECT i.object_id AS id, i.index_id, i.name, i.type,
  i.is_unique, i.is_primary_key, i.has_filter, i.is_disabled, ${keyColumnsJson} AS columns
FROM sys.indexes AS i JOIN sys.objects AS o ON o.object_id = i.object_id
WHERE i.index_id > 0 AND i.is_hypothetical = 0 AND o.is_ms_shipped = 0 AND o.type IN ('U', 'V')`;

/**
 * Rows and bytes per heap or index: in-row and row-overflow pages belong to the hobt, LOB pages to
 * the partition. https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-allocation-units-transact-sql
 */
export const SIZES_SQL = `SELECT p.object_id AS id, p.index_id, CONVERT(float, SUM(p.rows)) AS [rows],
  CONVERT(float, SUM(u.pages)) * 8192 AS bytes
FROM sys.partitions AS p
OUTER APPLY (SELECT SUM(a.total_pages) AS pages FROM sys.allocation_units AS a
  WHERE (a.type IN (1, 3) AND a.container_id = p.hobt_id) OR (a.type = 2 AND a.container_id = p.partition_id)) AS u
WHERE p.object_id IN (SELECT object_id FROM sys.objects WHERE is_ms_shipped = 0)
GROUP BY p.object_id, p.index_id`;

/** Columns of a CHECK: its own column, or those it reads (recorded as schema-bound dependencies). */
const CHECK_COLUMNS = `(SELECT c.name AS n FROM sys.columns AS c WHERE c.object_id = cc.parent_object_id
    AND (c.column_id = cc.parent_column_id OR c.column_id IN (SELECT d.referenced_minor_id
      FROM sys.sql_expression_dependencies AS d WHERE d.referencing_id = cc.object_id
      AND d.referenced_id = cc.parent_object_id)) ORDER BY c.column_id FOR JSON PATH)`;

const FK_COLUMNS = `(SELECT c.name AS n FROM sys.foreign_key_columns AS fc JOIN sys.columns AS c
    ON c.object_id = fc.parent_object_id AND c.column_id = fc.parent_column_id
    WHERE fc.constraint_object_id = fk.object_id ORDER BY fc.constraint_column_id FOR JSON PATH)`;

/**
 * Primary keys and unique constraints (columns of their index), CHECKs and foreign keys. A
 * constraint is validated when trusted and enabled (WITH NOCHECK or NOCHECK CONSTRAINT leave
 * is_not_trusted = 1). Default constraints are column defaults in the shared model, not listed here.
 */
export const constraintsSql = (keyColumnsJson: string): string => `SELECT k.parent_object_id AS id, k.name,
  CASE k.type WHEN 'PK' THEN N'primary key' ELSE N'unique' END AS type, CONVERT(bit, 1) AS validated,
  ${keyColumnsJson} AS columns, CONVERT(nvarchar(max), NULL) AS definition,
  CONVERT(nvarchar(300), NULL) AS ref_table, CONVERT(sysname, NULL) AS ref_index
FROM sys.key_constraints AS k
UNION ALL
SELECT cc.parent_object_id, cc.name, N'check',
  CONVERT(bit, CASE WHEN cc.is_not_trusted = 0 AND cc.is_disabled = 0 THEN 1 ELSE 0 END), ${CHECK_COLUMNS},
  cc.definition, NULL, NULL
FROM sys.check_constraints AS cc
UNION ALL
SELECT fk.parent_object_id, fk.name, N'foreign key',
  CONVERT(bit, CASE WHEN fk.is_not_trusted = 0 AND fk.is_disabled = 0 THEN 1 ELSE 0 END), ${FK_COLUMNS}, NULL,
  rs.name + N'.' + ro.name, ri.name
FROM sys.foreign_keys AS fk JOIN sys.objects AS ro ON ro.object_id = fk.referenced_object_id
JOIN sys.schemas AS rs ON rs.schema_id = ro.schema_id
LEFT JOIN sys.indexes AS ri ON ri.object_id = fk.referenced_object_id AND ri.index_id = fk.key_index_id`;

export const TRIGGERS_SQL =
  'SELECT t.parent_id AS id, t.name FROM sys.triggers AS t WHERE t.parent_class = 1 AND t.is_ms_shipped = 0';

/**
 * What makes DROP TABLE fail on SQL Server: another table's foreign key (error 3726) and a module
 * created WITH SCHEMABINDING that reads the table (error 3729). A view without SCHEMABINDING does not
 * stop the drop (it fails when next used), so it is not a dependent here.
 */
export const DEPENDENTS_SQL = `SELECT fk.referenced_object_id AS id,
  N'foreign key ' + QUOTENAME(fk.name) + N' on ' + ps.name + N'.' + po.name AS what,
  ps.name + N'.' + po.name AS relation, fk.name AS constraint_name
FROM sys.foreign_keys AS fk JOIN sys.objects AS po ON po.object_id = fk.parent_object_id
JOIN sys.schemas AS ps ON ps.schema_id = po.schema_id
WHERE fk.parent_object_id <> fk.referenced_object_id
UNION
SELECT d.referenced_id, CASE WHEN o.type = 'V' THEN N'view ' ELSE N'function ' END + s.name + N'.' + o.name,
  CASE WHEN o.type = 'V' THEN s.name + N'.' + o.name END, NULL
FROM sys.sql_expression_dependencies AS d JOIN sys.objects AS o ON o.object_id = d.referencing_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE d.is_schema_bound_reference = 1 AND d.referencing_class = 1 AND d.referenced_id IS NOT NULL
  AND d.referencing_id <> d.referenced_id AND o.type IN ('V', 'FN', 'IF', 'TF')`;
