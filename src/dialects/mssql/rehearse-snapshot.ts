/**
 * A comparable picture of a SQL Server database's user objects: tables, views, sequences, columns,
 * key/check/foreign-key constraints (with trust), indexes (keys, included columns, filter), triggers,
 * modules and a digest of every table's rows. schemashift's own state schema is left out. Default
 * constraints are described with their column, not by name: SQL Server names unnamed ones at random.
 */
import type { Queryable } from '../../db/connection.js';
import type { CatalogSnapshot } from '../rehearsal.js';
import { ident } from './sql-names.js';

/** Objects of user schemas other than schemashift. */
const USER = (o: string) => `${o}.is_ms_shipped = 0 AND SCHEMA_NAME(${o}.schema_id) <> N'schemashift'`;
const OBJ = (o: string) => `SCHEMA_NAME(${o}.schema_id) + N'.' + ${o}.name`;

const TYPE_TEXT =
  `CONCAT(TYPE_NAME(c.user_type_id), N'(', c.max_length, N',', c.precision, N',', c.scale, N')', ` +
  `N' ' + c.collation_name)`;

const KEY_COLUMNS = `(SELECT STRING_AGG(CONCAT(QUOTENAME(COL_NAME(ic.object_id, ic.column_id)), CASE WHEN ic.is_descending_key = 1 THEN N' DESC' END), N', ')
      WITHIN GROUP (ORDER BY ic.key_ordinal) FROM sys.index_columns AS ic
      WHERE ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.is_included_column = 0 AND ic.key_ordinal > 0)`;
const INCLUDED_COLUMNS = `(SELECT STRING_AGG(QUOTENAME(COL_NAME(ic.object_id, ic.column_id)), N', ')
      WITHIN GROUP (ORDER BY COL_NAME(ic.object_id, ic.column_id)) FROM sys.index_columns AS ic
      WHERE ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.is_included_column = 1)`;
const FK_COLUMNS = (
  side: 'parent' | 'referenced',
) => `(SELECT STRING_AGG(QUOTENAME(COL_NAME(fc.${side}_object_id, fc.${side}_column_id)), N', ')
      WITHIN GROUP (ORDER BY fc.constraint_column_id) FROM sys.foreign_key_columns AS fc WHERE fc.constraint_object_id = f.object_id)`;
const TRUST = (k: string) =>
  `CASE WHEN ${k}.is_disabled = 1 THEN N' (disabled)' WHEN ${k}.is_not_trusted = 1 THEN N' (not trusted)' ELSE N'' END`;
const SHA = (text: string) => `CONVERT(varchar(64), HASHBYTES('SHA2_256', ${text}), 2)`;

export const SNAPSHOT_QUERIES: Record<string, string> = {
  relation: `SELECT ${OBJ('o')} AS name, o.type_desc AS value FROM sys.objects AS o
    WHERE ${USER('o')} AND o.type IN ('U', 'V', 'SO')`,
  column: `SELECT ${OBJ('o')} + N'.' + c.name AS name,
      CONCAT(${TYPE_TEXT}, CASE WHEN c.is_nullable = 1 THEN N' null' ELSE N' not null' END,
        N' default ' + d.definition, CASE WHEN c.is_identity = 1 THEN N' identity' END,
        N' as ' + cc.definition, CASE WHEN c.is_computed = 1 AND cc.is_persisted = 1 THEN N' persisted' END) AS value
    FROM sys.columns AS c JOIN sys.objects AS o ON o.object_id = c.object_id
    LEFT JOIN sys.default_constraints AS d ON d.object_id = c.default_object_id
    LEFT JOIN sys.computed_columns AS cc ON cc.object_id = c.object_id AND cc.column_id = c.column_id
    WHERE ${USER('o')} AND o.type IN ('U', 'V')`,
  constraint: `SELECT ${OBJ('t')} + N'.' + k.name AS name, CONCAT(k.type_desc, N' ', i.type_desc, N' (', ${KEY_COLUMNS}, N')') AS value
      FROM sys.key_constraints AS k JOIN sys.objects AS t ON t.object_id = k.parent_object_id
      JOIN sys.indexes AS i ON i.object_id = k.parent_object_id AND i.index_id = k.unique_index_id
      WHERE ${USER('t')}
    UNION ALL SELECT ${OBJ('t')} + N'.' + k.name, CONCAT(N'CHECK ', k.definition, ${TRUST('k')})
      FROM sys.check_constraints AS k JOIN sys.objects AS t ON t.object_id = k.parent_object_id WHERE ${USER('t')}
    UNION ALL SELECT ${OBJ('t')} + N'.' + f.name,
        CONCAT(N'FOREIGN KEY (', ${FK_COLUMNS('parent')}, N') REFERENCES ', OBJECT_SCHEMA_NAME(f.referenced_object_id), N'.',
          OBJECT_NAME(f.referenced_object_id), N' (', ${FK_COLUMNS('referenced')}, N') ON DELETE ', f.delete_referential_action_desc,
          N' ON UPDATE ', f.update_referential_action_desc, ${TRUST('f')})
      FROM sys.foreign_keys AS f JOIN sys.objects AS t ON t.object_id = f.parent_object_id WHERE ${USER('t')}`,
  index: `SELECT ${OBJ('t')} + N'.' + i.name AS name,
      CONCAT(CASE WHEN i.is_unique = 1 THEN N'UNIQUE ' END, i.type_desc, N' (', ${KEY_COLUMNS}, N')',
        N' INCLUDE (' + ${INCLUDED_COLUMNS} + N')', N' WHERE ' + i.filter_definition,
        CASE WHEN i.is_disabled = 1 THEN N' (disabled)' END) AS value
    FROM sys.indexes AS i JOIN sys.objects AS t ON t.object_id = i.object_id
    WHERE ${USER('t')} AND t.type IN ('U', 'V') AND i.type > 0 AND i.is_hypothetical = 0`,
  trigger: `SELECT ${OBJ('t')} + N'.' + tr.name AS name,
      CONCAT(CASE WHEN tr.is_instead_of_trigger = 1 THEN N'INSTEAD OF' ELSE N'AFTER' END,
        CASE WHEN tr.is_disabled = 1 THEN N' (disabled)' END, N' sha256 ', ${SHA('m.definition')}) AS value
    FROM sys.triggers AS tr JOIN sys.objects AS t ON t.object_id = tr.parent_id
    JOIN sys.sql_modules AS m ON m.object_id = tr.object_id
    WHERE tr.parent_class = 1 AND ${USER('t')}`,
  definition: `SELECT ${OBJ('o')} AS name, m.definition AS value FROM sys.objects AS o
    JOIN sys.sql_modules AS m ON m.object_id = o.object_id WHERE ${USER('o')} AND o.type = 'V'`,
  module: `SELECT ${OBJ('o')} AS name, CONCAT(o.type_desc, N' sha256 ', ${SHA('m.definition')}) AS value
    FROM sys.objects AS o JOIN sys.sql_modules AS m ON m.object_id = o.object_id
    WHERE ${USER('o')} AND o.type IN ('P', 'FN', 'IF', 'TF')`,
  type: `SELECT SCHEMA_NAME(t.schema_id) + N'.' + t.name AS name,
      CONCAT(TYPE_NAME(t.system_type_id), N'(', t.max_length, N',', t.precision, N',', t.scale, N')',
        CASE WHEN t.is_nullable = 0 THEN N' not null' END) AS value
    FROM sys.types AS t WHERE t.is_user_defined = 1 AND SCHEMA_NAME(t.schema_id) <> N'schemashift'`,
};

/** Every column of every user table, in column order, for the row digests. */
export const TABLE_COLUMNS_SQL = `SELECT SCHEMA_NAME(t.schema_id) AS [schema], t.name AS [table], c.name AS [column],
    TYPE_NAME(c.system_type_id) AS type
  FROM sys.tables AS t JOIN sys.columns AS c ON c.object_id = t.object_id
  WHERE ${USER('t')}
  ORDER BY SCHEMA_NAME(t.schema_id), t.name, c.column_id`;

/** CHECKSUM refuses these (https://learn.microsoft.com/sql/t-sql/functions/checksum-transact-sql): hashed as text instead. */
const NONCOMPARABLE: Record<string, string> = {
  xml: 'nvarchar(max)',
  text: 'varchar(max)',
  ntext: 'nvarchar(max)',
  image: 'varbinary(max)',
};

/** Row count and CHECKSUM_AGG over every column (CHECKSUM(*) unless a column has a noncomparable type). */
export function rowDigestSql(schema: string, table: string, columns: { column: string; type: string }[]): string {
  const odd = columns.some((c) => NONCOMPARABLE[c.type] !== undefined);
  const list = odd
    ? columns
        .map((c) => {
          const as = NONCOMPARABLE[c.type];
          return as ? `CONVERT(${as}, ${ident(c.column)})` : ident(c.column);
        })
        .join(', ')
    : '*';
  return (
    `SELECT CONVERT(varchar(20), COUNT_BIG(*)) AS n, CHECKSUM_AGG(CHECKSUM(${list})) AS h ` +
    `FROM ${ident(schema)}.${ident(table)}`
  );
}

async function rowDigests(db: Queryable, snapshot: CatalogSnapshot): Promise<void> {
  const { rows } = await db.query<{ schema: string; table: string; column: string; type: string }>(TABLE_COLUMNS_SQL);
  const tables = new Map<string, { schema: string; table: string; columns: { column: string; type: string }[] }>();
  for (const row of rows) {
    const key = `${row.schema}.${row.table}`;
    const entry = tables.get(key) ?? { schema: row.schema, table: row.table, columns: [] };
    entry.columns.push({ column: row.column, type: row.type });
    tables.set(key, entry);
  }
  for (const [key, t] of tables) {
    const digest = (await db.query<{ n: string; h: number | null }>(rowDigestSql(t.schema, t.table, t.columns)))
      .rows[0];
    snapshot.set(`rows ${key}`, `${digest?.n ?? '?'} rows, checksum ${digest?.h ?? 'none'}`);
  }
}

export async function takeCatalogSnapshot(db: Queryable): Promise<CatalogSnapshot> {
  const snapshot: CatalogSnapshot = new Map();
  for (const [kind, sql] of Object.entries(SNAPSHOT_QUERIES)) {
    const { rows } = await db.query<{ name: string; value: string | null }>(sql);
    for (const row of rows) snapshot.set(`${kind} ${row.name}`, row.value ?? '');
  }
  await rowDigests(db, snapshot);
  return snapshot;
}
