/**
 * The catalog queries of one column's attachments (introspect-column.ts): `$1` the table's object
 * id, `$2` the column_id, `$3` the column's name (for matches by text). sys.* views only.
 */

/** `$1` the table as the dialect's `qualified` renders it, `$2` the column's name. */
export const COLUMN_SQL = `SELECT c.object_id AS table_id, c.column_id, c.is_nullable, c.is_identity,
  dc.definition AS [default], CONVERT(nvarchar(4000), ep.value) AS comment,
  CASE WHEN c.collation_name COLLATE Latin1_General_BIN <> CONVERT(sysname, DATABASEPROPERTYEX(DB_NAME(), 'Collation'))
    COLLATE Latin1_General_BIN THEN c.collation_name END AS collation
FROM sys.columns AS c
LEFT JOIN sys.default_constraints AS dc ON dc.object_id = c.default_object_id
LEFT JOIN sys.extended_properties AS ep ON ep.class = 1 AND ep.major_id = c.object_id AND ep.minor_id = c.column_id
  AND ep.name = N'MS_Description'
WHERE c.object_id = OBJECT_ID($1, N'U') AND c.name = $2`;

/** Column privileges granted (G) or granted WITH GRANT OPTION (W); `public` is principal 0. DENY is not read. */
export const GRANTS_SQL = `SELECT CONVERT(bit, CASE WHEN p.grantee_principal_id = 0 THEN 1 ELSE 0 END) AS [public],
  CASE WHEN p.grantee_principal_id <> 0 THEN USER_NAME(p.grantee_principal_id) END AS role,
  p.permission_name AS privilege
FROM sys.database_permissions AS p
WHERE p.class = 1 AND p.major_id = $1 AND p.minor_id = $2 AND p.state IN ('G', 'W')
ORDER BY 1 DESC, 2, 3`;

const INDEX_COLUMNS = (included: 0 | 1) => `(SELECT c.name AS n FROM sys.index_columns AS ic JOIN sys.columns AS c
    ON c.object_id = ic.object_id AND c.column_id = ic.column_id
    WHERE ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.is_included_column = ${included}
    ORDER BY ic.key_ordinal, ic.index_column_id FOR JSON PATH)`;

/**
 * Indexes with the column as a key, an included column, or in the filter (SQL Server stores a filter
 * with its column names bracketed: `([status]=(1))`). `plain`: a rowstore index
 * with no descending key and no IGNORE_DUP_KEY (what a plain CREATE INDEX declares).
 */
export const INDEXES_SQL = `SELECT i.name, i.is_unique AS [unique], LOWER(i.type_desc) AS method,
  ${INDEX_COLUMNS(0)} AS keys, ${INDEX_COLUMNS(1)} AS include, i.filter_definition AS [where],
  CASE WHEN i.is_primary_key = 1 THEN 'p' WHEN i.is_unique_constraint = 1 THEN 'u' END AS [constraint],
  CONVERT(bit, CASE WHEN i.type IN (1, 2) AND i.ignore_dup_key = 0 AND NOT EXISTS (SELECT 1 FROM sys.index_columns AS d
    WHERE d.object_id = i.object_id AND d.index_id = i.index_id AND d.is_descending_key = 1) THEN 1 ELSE 0 END) AS plain
FROM sys.indexes AS i
WHERE i.object_id = $1 AND i.index_id > 0 AND i.is_hypothetical = 0 AND (EXISTS (SELECT 1 FROM sys.index_columns AS ic
    WHERE ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.column_id = $2)
  OR CHARINDEX(QUOTENAME($3), i.filter_definition) > 0)
ORDER BY i.name`;

/** CHECKs on the column or reading it (schema-bound dependencies). */
export const CHECKS_SQL = `SELECT cc.name, cc.definition AS expression
FROM sys.check_constraints AS cc
WHERE cc.parent_object_id = $1 AND (cc.parent_column_id = $2 OR EXISTS (SELECT 1 FROM sys.sql_expression_dependencies AS d
  WHERE d.referencing_id = cc.object_id AND d.referenced_id = $1 AND d.referenced_minor_id = $2))
ORDER BY cc.name`;

/** Foreign keys of the table that include the column, and those of any table that reference it. */
export const FOREIGN_KEYS_SQL = `SELECT fk.name, CONVERT(bit, CASE WHEN fk.parent_object_id = $1 AND EXISTS (
    SELECT 1 FROM sys.foreign_key_columns AS x WHERE x.constraint_object_id = fk.object_id AND x.parent_column_id = $2)
    THEN 1 ELSE 0 END) AS outbound,
  CONVERT(bit, CASE WHEN fk.referenced_object_id = $1 AND EXISTS (SELECT 1 FROM sys.foreign_key_columns AS x
    WHERE x.constraint_object_id = fk.object_id AND x.referenced_column_id = $2) THEN 1 ELSE 0 END) AS inbound,
  OBJECT_SCHEMA_NAME(fk.parent_object_id) + N'.' + OBJECT_NAME(fk.parent_object_id) AS table_name,
  OBJECT_SCHEMA_NAME(fk.referenced_object_id) + N'.' + OBJECT_NAME(fk.referenced_object_id) AS ref_table,
  (SELECT c.name AS n FROM sys.foreign_key_columns AS x JOIN sys.columns AS c ON c.object_id = x.parent_object_id
    AND c.column_id = x.parent_column_id WHERE x.constraint_object_id = fk.object_id
    ORDER BY x.constraint_column_id FOR JSON PATH) AS columns,
  (SELECT c.name AS n FROM sys.foreign_key_columns AS x JOIN sys.columns AS c ON c.object_id = x.referenced_object_id
    AND c.column_id = x.referenced_column_id WHERE x.constraint_object_id = fk.object_id
    ORDER BY x.constraint_column_id FOR JSON PATH) AS ref_columns,
  LOWER(fk.delete_referential_action_desc) AS on_delete, LOWER(fk.update_referential_action_desc) AS on_update,
  CONVERT(bit, CASE WHEN fk.is_not_for_replication = 0 THEN 1 ELSE 0 END) AS plain
FROM sys.foreign_keys AS fk
WHERE EXISTS (SELECT 1 FROM sys.foreign_key_columns AS x WHERE x.constraint_object_id = fk.object_id
  AND ((x.parent_object_id = $1 AND x.parent_column_id = $2) OR (x.referenced_object_id = $1 AND x.referenced_column_id = $2)))
ORDER BY fk.name`;

/**
 * Views reading the column. SQL Server records a column-level dependency only for schema-bound
 * references; a view without SCHEMABINDING is listed when it reads the table and its text names the
 * column or has a `*` (it would need sp_refreshview): a match by text, so it may list too many, never too few.
 */
export const VIEWS_SQL = `SELECT DISTINCT OBJECT_SCHEMA_NAME(v.object_id) + N'.' + v.name AS name
FROM sys.views AS v JOIN sys.sql_expression_dependencies AS d ON d.referencing_id = v.object_id AND d.referenced_id = $1
JOIN sys.sql_modules AS m ON m.object_id = v.object_id
WHERE d.referenced_minor_id = $2
  OR (d.is_schema_bound_reference = 0 AND (CHARINDEX($3, m.definition) > 0 OR CHARINDEX(N'*', m.definition) > 0))
ORDER BY 1`;

/**
 * Everything else DROP COLUMN fails on or takes along: computed columns reading it (error 5074), user
 * statistics on it (5074), other schema-bound modules (functions), triggers whose text names it,
 * a full-text index on it.
 */
export const OTHERS_SQL = `SELECT N'computed column ' + cc.name AS what FROM sys.computed_columns AS cc
WHERE cc.object_id = $1 AND EXISTS (SELECT 1 FROM sys.sql_expression_dependencies AS d WHERE d.referencing_id = $1
  AND d.referencing_minor_id = cc.column_id AND d.referenced_id = $1 AND d.referenced_minor_id = $2)
UNION SELECT N'statistics ' + s.name FROM sys.stats AS s JOIN sys.stats_columns AS sc ON sc.object_id = s.object_id
  AND sc.stats_id = s.stats_id
WHERE s.object_id = $1 AND sc.column_id = $2 AND s.user_created = 1
UNION SELECT LOWER(o.type_desc) + N' ' + OBJECT_SCHEMA_NAME(o.object_id) + N'.' + o.name
FROM sys.sql_expression_dependencies AS d JOIN sys.objects AS o ON o.object_id = d.referencing_id
WHERE d.referenced_id = $1 AND d.referenced_minor_id = $2 AND d.is_schema_bound_reference = 1 AND d.referencing_class = 1
  AND o.type NOT IN ('V', 'C', 'D', 'U')
UNION SELECT N'trigger ' + OBJECT_SCHEMA_NAME(t.object_id) + N'.' + t.name FROM sys.triggers AS t
JOIN sys.sql_modules AS m ON m.object_id = t.object_id WHERE t.parent_id = $1 AND CHARINDEX($3, m.definition) > 0
UNION SELECT N'full-text index on ' + OBJECT_SCHEMA_NAME($1) + N'.' + OBJECT_NAME($1) FROM sys.fulltext_index_columns AS f
WHERE f.object_id = $1 AND f.column_id = $2
ORDER BY 1`;
