/** Catalog reads for the table metadata operations' tests. */
import type { TestDatabase } from './databases.js';

/** The column's default as PostgreSQL prints it, null when it has none. */
export async function defaultOf(db: TestDatabase, table: string, column: string): Promise<string | null> {
  const rows = await db.query<{ d: string | null }>(
    `SELECT pg_get_expr(d.adbin, d.adrelid) AS d FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid
     AND d.adnum = a.attnum WHERE a.attrelid = $1::regclass AND a.attname = $2`,
    [table, column],
  );
  return rows[0]?.d ?? null;
}

export async function commentOf(db: TestDatabase, table: string, column?: string): Promise<string | null> {
  const rows =
    column === undefined
      ? await db.query<{ c: string | null }>(`SELECT obj_description($1::regclass, 'pg_class') AS c`, [table])
      : await db.query<{ c: string | null }>(
          `SELECT col_description($1::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = $1::regclass
           AND attname = $2)) AS c`,
          [table, column],
        );
  return rows[0]?.c ?? null;
}

/** `d`, `f`, `n`, or `i:<index>`. */
export async function replicaIdentityOf(db: TestDatabase, table: string): Promise<string> {
  const rows = await db.query<{ r: string }>(
    `SELECT c.relreplident::text || coalesce(':' || (SELECT ic.relname::text FROM pg_index i JOIN pg_class ic ON
     ic.oid = i.indexrelid WHERE i.indrelid = c.oid AND i.indisreplident), '') AS r FROM pg_class c
     WHERE c.oid = $1::regclass`,
    [table],
  );
  return rows[0]?.r ?? '';
}

export async function constraintsOf(db: TestDatabase, table: string): Promise<string[]> {
  const rows = await db.query<{ conname: string }>(
    "SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass AND contype <> 'n' ORDER BY conname",
    [table],
  );
  return rows.map((r) => r.conname);
}
