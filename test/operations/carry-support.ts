import type { TestDatabase } from '../support/databases.js';

/** A column's type, NOT NULL, default and comment, and every index and constraint of its table, as the catalog prints them. */
export async function attachedShape(db: TestDatabase, table: string, column: string) {
  const [col] =
    await db.query(`SELECT format_type(atttypid, atttypmod) AS type, attnotnull, pg_get_expr(adbin, adrelid) AS def, col_description(attrelid, attnum) AS comment
    FROM pg_attribute LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum WHERE attrelid = '${table}'::regclass AND attname = '${column}'`);
  const indexes = await db.query(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = '${table}'::regclass ORDER BY 1`,
  );
  const constraints = await db.query(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS def, convalidated AS validated FROM pg_constraint WHERE conrelid = '${table}'::regclass ORDER BY 1`,
  );
  return { col, indexes, constraints };
}
