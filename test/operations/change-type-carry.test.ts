/**
 * change_type carries everything attached to the old column, end to end through the built CLI on
 * real PostgreSQL: a plan that does not declare it is refused by validate --database and by run
 * (nothing executed); `new change-type --database` declares it; run carries it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { runCli, writePlan } from '../runner/cli-process.js';
import { attachedShape } from './carry-support.js';

const role = `carry_reader_${randomBytes(3).toString('hex')}`;

const privilegesOf = (db: TestDatabase, table: string, grantee: string) =>
  db.query(`SELECT table_name, column_name, privilege_type FROM information_schema.column_privileges WHERE grantee = '${grantee}' AND table_name = '${table}'
    UNION ALL SELECT table_name, '*', privilege_type FROM information_schema.table_privileges WHERE grantee = '${grantee}' AND table_name = '${table}' ORDER BY 1, 2, 3`);

describe.skipIf(!postgresAdminUrl)(
  'change_type carries what is attached to the column (real PostgreSQL, built CLI)',
  () => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await createPostgresDatabase('schemashift_carry');
      await db.exec(`
      DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role}; END IF; END $$;
      CREATE TABLE quantities (n int PRIMARY KEY);
      INSERT INTO quantities SELECT generate_series(1, 100);
      CREATE TABLE orders (id int PRIMARY KEY, client_id int,
        qty int NOT NULL DEFAULT 1 CONSTRAINT orders_qty_positive CHECK (qty > 0) CONSTRAINT orders_qty_fkey REFERENCES quantities (n));
      CREATE INDEX orders_qty_idx ON orders (qty);
      CREATE INDEX orders_client_qty_idx ON orders (client_id, qty) WHERE qty > 1;
      COMMENT ON COLUMN orders.qty IS 'how many';
      GRANT SELECT (qty), UPDATE (qty) ON orders TO ${role};
      INSERT INTO orders SELECT i, i % 7, 1 + i % 50 FROM generate_series(1, 500) AS i;`);
    });
    afterEach(() => db.close());
    // Roles are cluster-wide: the databases that held its grants are gone by now.
    afterAll(async () => {
      const admin = new pg.Client({ connectionString: postgresAdminUrl! });
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    });

    it('refuses an undeclared carry at validate --database and at run (exit 2, nothing executed), then carries all of it', async () => {
      const before = await attachedShape(db, 'orders', 'qty');
      const bare = writePlan(
        'name: ct-carry\nphases:\n  expand:\n    - change_type: { table: orders, column: qty, type: bigint }\n',
      );
      const validate = await runCli(['validate', bare, '--database', db.url!]);
      expect(validate.code, validate.stdout + validate.stderr).toBe(1);
      expect(validate.stdout).toContain('db-carry-lost');
      for (const lost of [
        'NOT NULL',
        'DEFAULT 1',
        'the comment',
        `column privileges (role "${role}": SELECT, UPDATE)`,
        'index orders_qty_idx',
        'index orders_client_qty_idx',
        'check orders_qty_positive',
        'foreign key orders_qty_fkey',
      ]) {
        expect(validate.stdout).toContain(lost);
      }
      const refused = await runCli(['run', bare, '--database', db.url!, '--yes']);
      expect(refused.code, refused.stdout + refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/plan\.yaml:4:\d+: error: change_type of orders\.qty: would lose NOT NULL/);
      expect(await attachedShape(db, 'orders', 'qty')).toEqual(before);
      expect(
        await db.query("SELECT attname FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'qty_new'"),
      ).toEqual([]);

      const out = dirname(bare);
      const made = await runCli([
        'new',
        'change-type',
        '--table',
        'orders',
        '--column',
        'qty',
        '--type',
        'bigint',
        '--name',
        'ct-full',
        '--out',
        out,
        '--database',
        db.url!,
      ]);
      expect(made.code, made.stdout + made.stderr).toBe(0);
      const plan = join(out, 'ct-full.yaml');
      expect(readFileSync(plan, 'utf8')).toContain('keys: [client_id, qty]');
      const clean = await runCli(['validate', plan, '--database', db.url!]);
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);

      const expand = await runCli(['advance', plan, '--database', db.url!, '--yes']);
      expect(expand.code, expand.stdout + expand.stderr).toBe(0);
      // The temp column has no default until contract: the sync trigger reads "non-NULL" as "the new version wrote it".
      expect(
        await db.query(
          "SELECT 1 FROM pg_attrdef WHERE adrelid = 'orders'::regclass AND adnum = (SELECT attnum FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'qty_new')",
        ),
      ).toEqual([]);
      await db.exec('INSERT INTO orders (id, client_id) VALUES (1001, 1)'); // old version: names only old columns
      const migrate = await runCli(['advance', plan, '--database', db.url!, '--yes']);
      expect(migrate.code, migrate.stdout + migrate.stderr).toBe(0);
      await db.exec('INSERT INTO orders (id, client_id) VALUES (1002, 2)');
      await db.exec('INSERT INTO orders (id, client_id, qty_new) VALUES (1003, 3, 7)'); // new version: only the new column
      const contract = await runCli(['advance', plan, '--database', db.url!, '--yes']);
      expect(contract.code, contract.stdout + contract.stderr).toBe(0);

      const after = await attachedShape(db, 'orders', 'qty');
      expect(after.col).toEqual({ type: 'bigint', attnotnull: true, def: '1', comment: 'how many' });
      expect(after.indexes).toEqual(before.indexes);
      expect(after.constraints).toEqual(before.constraints);
      expect(after.constraints.every((c) => c.validated === true)).toBe(true);
      expect(await privilegesOf(db, 'orders', role)).toEqual([
        { table_name: 'orders', column_name: 'qty', privilege_type: 'SELECT' },
        { table_name: 'orders', column_name: 'qty', privilege_type: 'UPDATE' },
      ]);
      const [inserted] = await db.query<{ qty: string }>(
        'INSERT INTO orders (id, client_id) VALUES (1004, 1) RETURNING qty',
      );
      expect(Number(inserted?.qty)).toBe(1);
      const rows = await db.query<{ id: number; qty: string }>(
        'SELECT id, qty FROM orders WHERE id > 1000 ORDER BY id',
      );
      expect(rows.map((r) => [r.id, Number(r.qty)])).toEqual([
        [1001, 1],
        [1002, 1],
        [1003, 7],
        [1004, 1],
      ]);
    });

    it('a view on the column is found by validate --database and by run before anything runs, even with every declaration', async () => {
      await db.exec('CREATE VIEW order_sizes AS SELECT id, qty FROM orders');
      const out = dirname(writePlan('', 'unused.yaml'));
      const made = await runCli([
        'new',
        'change-type',
        '--table',
        'orders',
        '--column',
        'qty',
        '--type',
        'bigint',
        '--name',
        'ct-view',
        '--out',
        out,
        '--database',
        db.url!,
      ]);
      expect(made.code, made.stdout + made.stderr).toBe(0);
      const plan = join(out, 'ct-view.yaml');
      expect(readFileSync(plan, 'utf8')).toContain('view order_sizes reads orders.qty');
      const validate = await runCli(['validate', plan, '--database', db.url!]);
      expect(validate.code).toBe(1);
      expect(validate.stdout).toMatch(
        /db-carry-lost.*view order_sizes reads orders\.qty: contract's DROP COLUMN would fail/,
      );
      const refused = await runCli(['run', plan, '--database', db.url!, '--yes']);
      expect(refused.code, refused.stdout + refused.stderr).toBe(2);
      expect(refused.stderr).toContain('view order_sizes reads orders.qty');
      expect(
        await db.query("SELECT attname FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'qty_new'"),
      ).toEqual([]);
    });

    it('a view created while the plan waits before contract is found before contract starts; the run goes on once it is gone', async () => {
      const out = dirname(writePlan('', 'unused.yaml'));
      const made = await runCli([
        'new',
        'change-type',
        '--table',
        'orders',
        '--column',
        'qty',
        '--type',
        'bigint',
        '--name',
        'ct-late',
        '--out',
        out,
        '--database',
        db.url!,
      ]);
      expect(made.code, made.stdout + made.stderr).toBe(0);
      const plan = join(out, 'ct-late.yaml');
      for (let phase = 0; phase < 2; phase++)
        expect((await runCli(['advance', plan, '--database', db.url!, '--yes'])).code).toBe(0);
      await db.exec('CREATE VIEW late_sizes AS SELECT id, qty FROM orders');
      const refused = await runCli(['run', plan, '--database', db.url!, '--yes']);
      expect(refused.code, refused.stdout + refused.stderr).toBe(2);
      expect(refused.stderr).toContain("view late_sizes reads orders.qty: contract's DROP COLUMN would fail");
      expect(await db.query("SELECT contract_started FROM schemashift.runs WHERE plan_name = 'ct-late'")).toEqual([
        { contract_started: false },
      ]);
      expect(
        await db.query(
          "SELECT attname FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname IN ('qty', 'qty_new') AND NOT attisdropped ORDER BY 1",
        ),
      ).toEqual([{ attname: 'qty' }, { attname: 'qty_new' }]);
      await db.exec('DROP VIEW late_sizes');
      const done = await runCli(['run', plan, '--database', db.url!, '--yes']);
      expect(done.code, done.stdout + done.stderr).toBe(0);
      expect((await attachedShape(db, 'orders', 'qty')).col).toEqual({
        type: 'bigint',
        attnotnull: true,
        def: '1',
        comment: 'how many',
      });
    });
  },
);
