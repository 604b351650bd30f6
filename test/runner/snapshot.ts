import type { TestDatabase } from '../support/databases.js';

/** Everything a schema change can affect, outside schemashift's own schema, as comparable data. */
export async function snapshotSchema(db: TestDatabase): Promise<unknown> {
  const columns = await db.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const indexes = await db.query(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisvalid
     FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' ORDER BY 1`,
  );
  const constraints = await db.query(
    `SELECT conrelid::regclass::text AS tbl, conname, convalidated, pg_get_constraintdef(oid) AS def
     FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`,
  );
  const triggers = await db.query(
    `SELECT t.tgrelid::regclass::text AS tbl, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace ORDER BY 1, 2`,
  );
  const functions = await db.query(
    `SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1`,
  );
  return { columns, indexes, constraints, triggers, functions };
}

export async function tableDigest(db: TestDatabase, table: string, key = 'id'): Promise<{ rows: number; md5: string }> {
  const [row] = await db.query<{ rows: string; md5: string }>(
    `SELECT count(*) AS rows, md5(coalesce(string_agg(t::text, '|' ORDER BY t.${key}), '')) AS md5 FROM ${table} t`,
  );
  return { rows: Number(row!.rows), md5: row!.md5 };
}
