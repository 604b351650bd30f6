/** Keys a backfill can walk, read from pg_index and pg_attribute; and the column-definition probe. */
import type { Queryable } from '../../db/connection.js';
import { collationName } from './ddl-shadow-columns.js';
import { splitQualified } from '../dialect.js';
import type { ColumnDefinition, UniqueKeyIndex } from '../introspect.js';

/** Valid, non-partial unique indexes on plain columns, primary key first, then the narrowest. */
const UNIQUE_INDEXES_SQL =
  `
SELECT c.relname::text AS name, i.indisprimary AS primary, array_agg(a.attname::text ORDER BY k.ord) AS ` +
  `columns, bool_and(a.attnotnull) AS not_null
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL AND k.ord ` +
  `<= i.indnkeyatts
GROUP BY c.relname, i.indisprimary
ORDER BY i.indisprimary DESC, count(*), c.relname`;

const KEY_COLUMNS_SQL =
  'SELECT attname::text AS name, attnotnull AS not_null FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 ' +
  'AND NOT attisdropped AND attname = ANY ($2::text[])';

/** How to give `table` a key a backfill can walk, without blocking writes. */
export function addKeyHelp(table: string): string {
  const index = `${splitQualified(table).name}_pkey`;
  return (
    `add a primary key (CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${table} (<unique columns>); ` +
    `ALTER TABLE ${table} ADD PRIMARY KEY USING INDEX ${index}), ` +
    'or give `key: [column, ...]` naming columns that are NOT NULL and unique together'
  );
}

export async function tableOid(db: Queryable, qualifiedTable: string): Promise<number | null> {
  const { rows } = await db.query<{ oid: number | null }>('SELECT to_regclass($1)::oid::int8 AS oid', [qualifiedTable]);
  const oid = rows[0]?.oid;
  return oid === null || oid === undefined ? null : Number(oid);
}

export async function uniqueKeys(db: Queryable, oid: number): Promise<UniqueKeyIndex[]> {
  type Row = { name: string; primary: boolean; columns: string[]; not_null: boolean };
  const { rows } = await db.query<Row>(UNIQUE_INDEXES_SQL, [oid]);
  return rows.map((r) => ({ name: r.name, primary: r.primary, columns: r.columns, notNull: r.not_null }));
}

export async function keyColumns(
  db: Queryable,
  oid: number,
  names: string[],
): Promise<{ name: string; notNull: boolean }[]> {
  const { rows } = await db.query<{ name: string; not_null: boolean }>(KEY_COLUMNS_SQL, [oid, names]);
  return rows.map((r) => ({ name: r.name, notNull: r.not_null }));
}

/** Insufficient privilege, read-only transaction: the probe cannot say, so it says nothing. */
const SKIP_PROBE = new Set(['42501', '25006']);

/** The server's reason a temp column `v <definition>` cannot be created, dropped at the end of its own statement. */
export async function columnDefinitionProblem(db: Queryable, column: ColumnDefinition): Promise<string | undefined> {
  const definition = [
    column.type,
    ...(column.default === undefined ? [] : [`DEFAULT (${column.default})`]),
    ...(column.collation === undefined ? [] : [`COLLATE ${collationName(column.collation)}`]),
  ].join(' ');
  try {
    await db.query(`CREATE TEMP TABLE schemashift_default_probe (v ${definition}) ON COMMIT DROP`);
    return undefined;
  } catch (e) {
    const { code, message } = e as { code?: string; message?: string };
    if (code !== undefined && SKIP_PROBE.has(code)) return undefined;
    return message ?? String(e);
  }
}
