import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOperation } from '../../src/operations/index.js';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe, sqlOf } from '../support/operations.js';

const spec = { from: 'sales.orders', to: 'purchase_orders' };

function steps(s: Record<string, unknown> = spec) {
  const [expand, gate, contract] = forward('rename_table', s, 'expand', 'rt') as SqlStep[];
  const undo = (inverse('rename_table', s, 'expand', 'rt') as { steps: SqlStep[] }).steps[0]!;
  return { expand: expand!, gate: gate!, contract: contract!, undo };
}

describe('rename_table steps', () => {
  it('renames behind a view in expand, waits for the deploy in migrate, drops the view in contract', () => {
    expect(findOperation('rename_table')?.allowedPhases).toEqual(['expand']);
    const all = forward('rename_table', spec, 'expand', 'rt');
    expect(all.map((s) => [s.id, s.phase, s.kind])).toEqual([
      ['rt', 'expand', 'sql'],
      ['rt/switch-name', 'migrate', 'gate'],
      ['rt/drop-view', 'contract', 'sql'],
    ]);
    const { expand, contract, undo } = steps();
    expect(expand.sql.split(';\n').slice(0, 2)).toEqual([
      'ALTER TABLE sales.orders RENAME TO purchase_orders',
      'CREATE VIEW sales.orders WITH (security_invoker = true) AS SELECT * FROM sales.purchase_orders',
    ]);
    expect(expand).toMatchObject({
      transactional: true,
      lock: { level: 'ACCESS EXCLUSIVE', impact: 'blocks-all', on: ['sales.orders'] },
      effect: { does: 'create', object: { kind: 'table', name: 'sales.purchase_orders' } },
    });
    expect(contract).toMatchObject({ sql: 'DROP VIEW sales.orders', lock: { level: 'ACCESS EXCLUSIVE' } });
    expect(contract.sql).not.toMatch(/CASCADE/);
    expect(undo).toMatchObject({
      id: 'rt/undo',
      undoes: 'rt',
      lock: { level: 'ACCESS EXCLUSIVE', on: ['sales.orders', 'sales.purchase_orders'] },
      transactional: true,
    });
    // First, in the same transaction, a guard that the view at the old name is still this plan's.
    expect(undo.sql).toMatch(
      /^DO \$schemashift\$\nBEGIN\n {2}IF NOT coalesce\(EXISTS .*to_regclass\('sales\.purchase_orders'\)/,
    );
    expect(undo.sql).toContain("RAISE EXCEPTION USING MESSAGE = 'sales.orders is no longer the view rename_table left");
    expect(undo.sql).toMatch(
      /\$schemashift\$;\nDROP VIEW sales\.orders;\nALTER TABLE sales\.purchase_orders RENAME TO orders$/,
    );
  });

  it('quotes names that need it and keeps an unqualified name unqualified', () => {
    expect(sqlOf(forward('rename_table', { from: 'Orders', to: 'user' }))[0]).toMatch(
      /^ALTER TABLE "Orders" RENAME TO "user";\nCREATE VIEW "Orders" WITH \(security_invoker = true\) AS SELECT \* FROM "user";/,
    );
  });

  it('copies grants with role names quoted by the server and privileges from a fixed list', () => {
    const sql = steps().expand.sql;
    expect(sql).toContain("format('%I', pg_get_userbyid(g.grantee))");
    expect(sql).toContain("NOT IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER')");
  });

  it('accepts `to` qualified with the same schema, and stores the bare name', () => {
    expect(parseSpec('rename_table', { from: 'sales.orders', to: 'sales.purchase_orders' })).toEqual(spec);
  });

  it.each([
    [{ from: 'sales.orders', to: 'archive.orders_v2' }, /a rename cannot move a table to another schema/],
    [{ from: 'orders', to: 'sales.orders_v2' }, /`from` names none/],
    [{ from: 'sales.orders', to: 'orders' }, /`from` and `to` are both orders/],
    [{ from: 'orders', to: 'orders; DROP TABLE x' }, /not a valid table name/],
    [{ from: 'orders', to: 'v2', cascade: true }, /Unrecognized key/],
  ])('refuses %j at load', (bad, message) => {
    const result = findOperation('rename_table')!.schema.safeParse(bad);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.message).join('\n')).toMatch(message);
  });

  it('refuses `if_exists: adopt`: contract would drop a view this plan did not make', () => {
    expect(findOperation('rename_table')!.adoptRefusal!(parseSpec('rename_table', spec))?.reason).toMatch(
      /contract drops the view sales.orders/,
    );
  });
});

const SETUP = `
CREATE SCHEMA sales;
CREATE TABLE sales.customers (id int PRIMARY KEY);
INSERT INTO sales.customers VALUES (1);
CREATE TABLE sales.orders (
  id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  n serial,
  customer_id int REFERENCES sales.customers (id),
  total int NOT NULL DEFAULT 7 CONSTRAINT orders_total_check CHECK (total >= 0),
  note text,
  created timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX orders_note_key ON sales.orders (note);
CREATE FUNCTION sales.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.note := coalesce(NEW.note, 'touched'); RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE INSERT ON sales.orders FOR EACH ROW EXECUTE FUNCTION sales.touch();
CREATE VIEW sales.big_orders AS SELECT id, total FROM sales.orders WHERE total > 5;
INSERT INTO sales.orders (customer_id, total, note) VALUES (1, 10, 'first');
`;

async function relkind(db: TestDatabase, name: string): Promise<string | null> {
  const [row] = await db.query<{ k: string | null }>(
    'SELECT (SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1)) AS k',
    [name],
  );
  return row!.k;
}

async function expectError(db: TestDatabase, sql: string, message: RegExp): Promise<void> {
  await expect(db.exec(sql)).rejects.toThrow(message);
}

describe.each(engines)('rename_table on $name', ({ create }) => {
  let db: TestDatabase;
  const { expand, contract, undo } = steps();
  beforeAll(async () => {
    db = await create();
  });
  afterAll(async () => db?.close());

  async function fresh(): Promise<void> {
    await db.exec('DROP SCHEMA IF EXISTS sales CASCADE');
    await db.exec(SETUP);
  }

  it('expand: the table takes the new name, the old name is an updatable view of it for the old version', async () => {
    await fresh();
    expect(await probe(db, expand)).toBe(false);
    await applySql(db, [expand]);
    expect(await probe(db, expand)).toBe(true);
    expect(await relkind(db, 'sales.purchase_orders')).toBe('r');
    expect(await relkind(db, 'sales.orders')).toBe('v');
    const [opts] = await db.query<{ reloptions: string[] }>(
      "SELECT reloptions FROM pg_class WHERE oid = 'sales.orders'::regclass",
    );
    expect(opts!.reloptions).toEqual(['security_invoker=true']);

    // The old version, through the view: omitted columns get the table's identity, serial, defaults and trigger.
    const [inserted] = await db.query(
      'INSERT INTO sales.orders (customer_id) VALUES (1) RETURNING id, n, total, note, created IS NOT NULL AS dated',
    );
    expect(inserted).toEqual({ id: 2, n: 2, total: 7, note: 'touched', dated: true });
    const [upserted] = await db.query(
      "INSERT INTO sales.orders (customer_id, note) VALUES (1, 'first') ON CONFLICT (note) DO UPDATE SET total = 11 " +
        'RETURNING id, total',
    );
    expect(upserted).toEqual({ id: 1, total: 11 });
    expect(await db.query('UPDATE sales.orders SET total = 12 WHERE id = 2 RETURNING total')).toEqual([{ total: 12 }]);
    // The new version, on the table; each sees the other's rows.
    const [mine] = await db.query<{ id: number }>(
      "INSERT INTO sales.purchase_orders (customer_id, note) VALUES (1, 'new') RETURNING id",
    );
    expect(await db.query('SELECT note FROM sales.orders WHERE id = $1', [mine!.id])).toEqual([{ note: 'new' }]);
    expect(await db.query("DELETE FROM sales.orders WHERE note = 'new' RETURNING id")).toEqual([{ id: mine!.id }]);
    expect(await db.query('SELECT id, total FROM sales.purchase_orders ORDER BY id')).toEqual([
      { id: 1, total: 11 },
      { id: 2, total: 12 },
    ]);
    // Constraints hold through the view; a view built on the old name follows the table.
    await expectError(db, 'INSERT INTO sales.orders (total) VALUES (-1)', /orders_total_check/);
    await expectError(db, "INSERT INTO sales.orders (customer_id, note) VALUES (99, 'x')", /foreign key/);
    expect(await db.query('SELECT id FROM sales.big_orders ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    const [def] = await db.query<{ d: string }>("SELECT pg_get_viewdef('sales.big_orders') AS d");
    expect(def!.d).toContain('purchase_orders');
  });

  it('rollback: drops the view and renames back; rows, indexes, constraints, trigger and sequences stay', async () => {
    await fresh();
    await applySql(db, [expand]);
    await db.exec("INSERT INTO sales.orders (customer_id, note) VALUES (1, 'during')");
    await applySql(db, [undo]);
    expect(await probe(db, undo)).toBe(true);
    expect(await probe(db, expand)).toBe(false);
    expect(await relkind(db, 'sales.orders')).toBe('r');
    expect(await relkind(db, 'sales.purchase_orders')).toBe(null);
    expect(await db.query('SELECT id, note FROM sales.orders ORDER BY id')).toEqual([
      { id: 1, note: 'first' },
      { id: 2, note: 'during' },
    ]);
    const attached = await db.query<{ name: string }>(
      `SELECT conname::text AS name FROM pg_constraint WHERE conrelid = 'sales.orders'::regclass AND contype <> 'n'
       UNION ALL SELECT tgname::text FROM pg_trigger WHERE tgrelid = 'sales.orders'::regclass AND NOT tgisinternal
       UNION ALL SELECT relname::text FROM pg_class WHERE oid IN (SELECT indexrelid FROM pg_index
         WHERE indrelid = 'sales.orders'::regclass) ORDER BY 1`,
    );
    expect(attached.map((r) => r.name)).toEqual([
      'orders_customer_id_fkey',
      'orders_note_key',
      'orders_pkey',
      'orders_pkey',
      'orders_total_check',
      'orders_touch',
    ]);
    const [seq] = await db.query("SELECT pg_get_serial_sequence('sales.orders', 'n') AS s");
    expect(seq).toEqual({ s: 'sales.orders_n_seq' });
    expect(await db.query('INSERT INTO sales.orders DEFAULT VALUES RETURNING id, n')).toEqual([{ id: 3, n: 3 }]);
    const [def] = await db.query<{ d: string }>("SELECT pg_get_viewdef('sales.big_orders') AS d");
    expect(def!.d).not.toContain('purchase_orders');
  });

  it('contract: drops only the view (never with CASCADE); re-run is a no-op by its probe', async () => {
    await fresh();
    await applySql(db, [expand]);
    expect(await probe(db, contract)).toBe(false);
    await db.exec('CREATE VIEW sales.on_old_name AS SELECT id FROM sales.orders');
    await expectError(db, contract.sql, /depend/);
    expect(await relkind(db, 'sales.orders')).toBe('v');
    await db.exec('DROP VIEW sales.on_old_name');
    await applySql(db, [contract]);
    expect(await probe(db, contract)).toBe(true);
    expect(await relkind(db, 'sales.orders')).toBe(null);
    expect(await db.query('SELECT count(*)::int AS n FROM sales.purchase_orders')).toEqual([{ n: 1 }]);
    expect(await db.query('SELECT count(*)::int AS n FROM sales.big_orders')).toEqual([{ n: 1 }]);
  });

  it('probes tell a finished expand from look-alikes: a view by the old name over another table is not it', async () => {
    await fresh();
    await db.exec(
      'CREATE TABLE sales.purchase_orders (id int); ALTER TABLE sales.orders RENAME TO other; ' +
        'CREATE VIEW sales.orders AS SELECT * FROM sales.other',
    );
    expect(await probe(db, expand)).toBe(false);
    // The contract probe treats it as not ours: nothing to drop.
    expect(await probe(db, contract)).toBe(true);
    // A table already holding the new name: the rename fails and nothing of the step stays.
    await fresh();
    await db.exec('CREATE TABLE sales.purchase_orders (id int)');
    await expectError(db, expand.sql, /already exists/);
    expect(await relkind(db, 'sales.orders')).toBe('r');
  });
});

describe.skipIf(!engines.some((e) => e.name === 'postgres'))('rename_table privileges on PostgreSQL', () => {
  let db: TestDatabase;
  const suffix = Math.random().toString(36).slice(2, 8);
  const [reader, writer, none] = [`rt_reader_${suffix}`, `rt_writer_${suffix}`, `rt_none_${suffix}`];
  const owner = `rt_owner_${suffix}`;
  const { expand } = steps();
  beforeAll(async () => {
    db = await engines.find((e) => e.name === 'postgres')!.create();
    await db.exec(SETUP);
    await db.exec(`
      CREATE ROLE ${reader}; CREATE ROLE ${writer}; CREATE ROLE ${none};
      GRANT USAGE ON SCHEMA sales TO ${reader}, ${writer}, ${none};
      GRANT SELECT ON sales.orders TO ${reader};
      GRANT SELECT, INSERT, DELETE, UPDATE (total) ON sales.orders TO ${writer} WITH GRANT OPTION;
      GRANT USAGE ON SEQUENCE sales.orders_n_seq TO ${writer};
      GRANT SELECT ON sales.customers TO ${writer};
      GRANT TRIGGER ON sales.orders TO PUBLIC;
      ALTER TABLE sales.orders ENABLE ROW LEVEL SECURITY;
      CREATE POLICY not_secret ON sales.orders USING (note IS DISTINCT FROM 'secret');
      INSERT INTO sales.orders (note) VALUES ('secret');
    `);
    await applySql(db, [expand]);
  });
  afterAll(async () => {
    await db?.close();
    const { default: pg } = await import('pg');
    const { postgresAdminUrl } = await import('../support/databases.js');
    const admin = new pg.Client({ connectionString: postgresAdminUrl! });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${reader}, ${writer}, ${none}, ${owner}`);
    await admin.end();
  });

  async function as(role: string, sql: string): Promise<unknown[]> {
    await db.exec(`SET ROLE ${role}`);
    try {
      return await db.query(sql);
    } finally {
      await db.exec('RESET ROLE');
    }
  }

  it("the view has the table's grants, table and column level, with the grant option", async () => {
    const acl = await db.query<{ grantee: string; privilege_type: string; is_grantable: string }>(
      `SELECT grantee, privilege_type, is_grantable FROM information_schema.role_table_grants
       WHERE table_schema = 'sales' AND table_name = 'orders' AND (grantee LIKE 'rt\\_%' OR grantee = 'PUBLIC')
       ORDER BY 1, 2`,
    );
    expect(acl.map((g) => `${g.grantee}:${g.privilege_type}:${g.is_grantable}`)).toEqual([
      'PUBLIC:TRIGGER:NO',
      `${reader}:SELECT:NO`,
      `${writer}:DELETE:YES`,
      `${writer}:INSERT:YES`,
      `${writer}:SELECT:YES`,
    ]);
    const cols = await db.query<{ c: string }>(
      `SELECT column_name AS c FROM information_schema.column_privileges WHERE table_schema = 'sales'
       AND table_name = 'orders' AND grantee = '${writer}' AND privilege_type = 'UPDATE'`,
    );
    expect(cols).toEqual([{ c: 'total' }]);
  });

  it('a reader reads through the old name and cannot write; a writer writes what it could; others nothing', async () => {
    expect(await as(reader, 'SELECT id FROM sales.orders ORDER BY id')).toEqual([{ id: 1 }]);
    await expect(as(reader, 'INSERT INTO sales.orders (note) VALUES ($$x$$)')).rejects.toThrow(/permission denied/);
    expect(await as(writer, "INSERT INTO sales.orders (customer_id, note) VALUES (1, 'w') RETURNING n")).toEqual([
      { n: 3 },
    ]);
    expect(await as(writer, "UPDATE sales.orders SET total = 8 WHERE note = 'w' RETURNING total")).toEqual([
      { total: 8 },
    ]);
    await expect(as(writer, "UPDATE sales.orders SET note = 'z'")).rejects.toThrow(/permission denied/);
    await expect(as(none, 'SELECT 1 FROM sales.orders')).rejects.toThrow(/permission denied/);
  });

  it('row level security applies to the caller through the view (security_invoker), as on the table', async () => {
    const seen = await as(reader, 'SELECT note FROM sales.orders ORDER BY id');
    expect(seen).toEqual([{ note: 'first' }, { note: 'w' }]);
    expect(await db.query('SELECT count(*)::int AS n FROM sales.orders')).toEqual([{ n: 3 }]);
  });

  it('an application that owns the table (the plan runs as another role) keeps its rights through the view', async () => {
    await db.exec(`CREATE ROLE ${owner}; GRANT USAGE ON SCHEMA sales TO ${owner};
      CREATE TABLE sales.owned (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);
      ALTER TABLE sales.owned OWNER TO ${owner};`);
    const [expandOwned] = forward('rename_table', { from: 'sales.owned', to: 'owned_v2' }) as SqlStep[];
    await applySql(db, [expandOwned!]);
    expect(await as(owner, "INSERT INTO sales.owned (v) VALUES ('mine') RETURNING id, v")).toEqual([
      { id: 1, v: 'mine' },
    ]);
    expect(await as(owner, "DELETE FROM sales.owned WHERE v = 'mine' RETURNING id")).toEqual([{ id: 1 }]);
    await expect(as(reader, 'SELECT 1 FROM sales.owned')).rejects.toThrow(/permission denied/);
  });
});
