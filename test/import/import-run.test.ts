/**
 * End to end on real PostgreSQL: a migration applied as written to one database, and imported then `run --yes` on
 * another seeded the same way, give the same schema (columns, types, nullability, defaults, constraints, indexes,
 * comments), and the rows seeded before are all still there with their values.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/cli-support.js';
import {
  createPostgresDatabase,
  postgresAdminUrl,
  postgresSkipReason,
  type TestDatabase,
} from '../support/databases.js';

const SEED = `
CREATE TABLE customers (id bigint PRIMARY KEY, email text, phone text NOT NULL, legacy_code text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, qty integer, total numeric(10,2), note text);
INSERT INTO customers SELECT g, 'c' || g || '@example.com', '555-' || g, 'L' || g FROM generate_series(1, 500) g;
INSERT INTO orders SELECT g, 1 + g % 500, g % 7, g * 1.5, CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END
  FROM generate_series(1, 2000) g;
`;

const MIGRATION = `-- Flyway-style: V7__orders_cleanup.sql
BEGIN;
SET lock_timeout = '5s';
CREATE TABLE order_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('created', 'paid')),
  at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';
ALTER TABLE orders ADD COLUMN priority smallint;
CREATE INDEX orders_status_idx ON orders (status) WHERE status <> 'done';
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
ALTER TABLE orders ADD CONSTRAINT orders_total_nonneg CHECK (total >= 0);
ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email);
UPDATE orders SET note = '' WHERE note IS NULL;
ALTER TABLE orders ALTER COLUMN note SET NOT NULL;
ALTER TABLE orders ALTER COLUMN qty TYPE bigint;
ALTER TABLE customers ALTER COLUMN phone DROP NOT NULL;
COMMENT ON COLUMN orders.status IS 'new, paid or done';
ALTER TABLE customers DROP COLUMN legacy_code;
COMMIT;
`;

const SCHEMA_QUERIES = {
  columns: `SELECT table_name, column_name, data_type, is_nullable, column_default, numeric_precision,
              col_description(format('%I.%I', table_schema, table_name)::regclass, ordinal_position) AS comment
            FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`,
  constraints: `SELECT conrelid::regclass::text AS on_table, conname, contype, convalidated, pg_get_constraintdef(oid) AS def
                FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`,
  indexes: `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`,
  invalid: `SELECT count(*)::int AS n FROM pg_index WHERE NOT indisvalid`,
};

async function schemaOf(db: TestDatabase): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [key, sql] of Object.entries(SCHEMA_QUERIES)) out[key] = await db.query(sql);
  return out;
}

const ROWS = `SELECT o.id, o.customer_id, o.qty::bigint AS qty, o.total, o.note, o.status, c.email, c.phone
              FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.id`;

describe.skipIf(!postgresAdminUrl)(
  `import, then run: the same schema as the SQL as written ${postgresSkipReason ?? ''}`,
  () => {
    let direct: TestDatabase;
    let planned: TestDatabase;
    const dir = mkdtempSync(join(tmpdir(), 'schemashift-import-run-'));

    beforeAll(async () => {
      [direct, planned] = await Promise.all([
        createPostgresDatabase('ss_import_a'),
        createPostgresDatabase('ss_import_b'),
      ]);
      await direct.exec(SEED);
      await planned.exec(SEED);
    });
    afterAll(async () => {
      await direct?.close();
      await planned?.close();
    });

    it('imports, runs to the end with --yes, and matches', async () => {
      writeFileSync(join(dir, 'V7__orders_cleanup.sql'), MIGRATION);
      const imported = await cli(['import', 'V7__orders_cleanup.sql', '--name', 'orders-cleanup'], { cwd: dir });
      expect(imported.code, imported.stderr).toBe(0);
      const plan = readFileSync(join(dir, 'plans/orders-cleanup.yaml'), 'utf8');
      expect(plan).not.toContain('- sql:');

      const run = await cli(['run', 'plans/orders-cleanup.yaml', '--yes', '--database', planned.url!], { cwd: dir });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      await direct.exec(MIGRATION);

      expect(await schemaOf(planned)).toEqual(await schemaOf(direct));
      const rows = await planned.query(ROWS);
      expect(rows).toHaveLength(2000);
      expect(rows).toEqual(await direct.query(ROWS));
    }, 240_000);
  },
);

const RENAME_SEED = `
CREATE TABLE line_items (id bigint PRIMARY KEY, qty integer NOT NULL DEFAULT 1 CHECK (qty > 0), legacy_sku text);
CREATE INDEX line_items_qty_idx ON line_items (qty);
CREATE TABLE old_carts (id integer);
INSERT INTO line_items SELECT g, g, 's' || g FROM generate_series(1, 1000) g;
`;

describe.skipIf(!postgresAdminUrl)(
  `import --database: a rename of an existing column ${postgresSkipReason ?? ''}`,
  () => {
    let direct: TestDatabase;
    let planned: TestDatabase;
    const dir = mkdtempSync(join(tmpdir(), 'schemashift-import-rename-'));

    beforeAll(async () => {
      [direct, planned] = await Promise.all([
        createPostgresDatabase('ss_import_c'),
        createPostgresDatabase('ss_import_d'),
      ]);
      await direct.exec(RENAME_SEED);
      await planned.exec(RENAME_SEED);
    });
    afterAll(async () => {
      await direct?.close();
      await planned?.close();
    });

    it('becomes rename_column with what the column carries, and runs to the schema of the SQL as written', async () => {
      const migration = readFileSync('test/fixtures/import/corpus/rails_rename_and_drop.sql', 'utf8');
      writeFileSync(join(dir, 'rename.sql'), migration);
      const imported = await cli(['import', 'rename.sql', '--database', planned.url!], { cwd: dir });
      expect(imported.code, imported.stderr).toBe(0);
      const plan = readFileSync(join(dir, 'plans/rename.yaml'), 'utf8');
      expect(plan).toMatch(
        /- rename_column:\n\s+table: line_items\n\s+from: qty\n\s+to: quantity\n\s+type: integer\n\s+not_null: true/,
      );
      expect(plan).not.toContain('- sql:');

      const run = await cli(['run', 'plans/rename.yaml', '--yes', '--database', planned.url!], { cwd: dir });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      await direct.exec(migration);
      expect(await schemaOf(planned)).toEqual(await schemaOf(direct));
      const rows = 'SELECT id, quantity FROM line_items ORDER BY id';
      expect(await planned.query(rows)).toEqual(await direct.query(rows));
    }, 240_000);
  },
);
