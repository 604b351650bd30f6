import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOperation } from '../../src/operations/index.js';
import type { BackfillStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { forward, inverse, parseSpec, sqlOf, runPhase } from '../support/operations.js';

const base = { table: 'orders', from: 'client_id', to: 'customer_id', type: 'bigint', backfill: { key: ['id'] } };
const FN = 'schemashift_sync_orders_customer_id';

describe('rename_column steps', () => {
  it('spans expand, migrate and contract from one entry under expand', () => {
    expect(findOperation('rename_column')?.allowedPhases).toEqual(['expand']);
    const steps = forward('rename_column', base);
    expect(steps.map((s) => [s.id, s.phase, s.kind])).toEqual([
      ['rename_column:test', 'expand', 'sql'],
      ['rename_column:test/sync-function', 'expand', 'sql'],
      ['rename_column:test/sync-trigger', 'expand', 'sql'],
      ['rename_column:test/backfill', 'migrate', 'backfill'],
      ['rename_column:test/verify', 'migrate', 'verify'],
      ['rename_column:test/switch-reads', 'migrate', 'gate'],
      ['rename_column:test/drop-old-column', 'contract', 'sql'],
      ['rename_column:test/drop-sync-function', 'contract', 'sql'],
    ]);
    const sql = sqlOf(steps);
    expect(sql[0]).toBe('ALTER TABLE orders ADD COLUMN customer_id bigint');
    expect(sql[1]).toContain(
      'IF NEW.customer_id IS NULL THEN NEW.customer_id := NEW.client_id; ELSE NEW.client_id := NEW.customer_id; END IF;',
    );
    expect(sql[2]).toBe(`CREATE TRIGGER ${FN} BEFORE INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION ${FN}()`);
    expect((steps[3] as BackfillStep).batchSql).toBe(
      '(SELECT orders.id::text AS k1 FROM orders WHERE (id) > ($1) AND (customer_id IS DISTINCT FROM client_id) ORDER BY orders.id OFFSET $2 - 1 LIMIT 1) UNION ALL (SELECT orders.id::text AS k1 FROM orders WHERE (id) > ($1) AND (customer_id IS DISTINCT FROM client_id) ORDER BY orders.id DESC LIMIT 1) LIMIT 1;\n' +
        'UPDATE orders SET customer_id = client_id WHERE (id) > ($1) AND (id) <= ($2) AND (customer_id IS DISTINCT FROM client_id)',
    );
    expect(steps[4]).toMatchObject({
      kind: 'verify',
      table: 'orders',
      compare: { customer_id: 'client_id' },
      batch: { size: 20_000, delayMs: 0 },
    });
    expect(steps[5]).toMatchObject({
      confirm: 'Deploy the application version that reads and writes customer_id only, then continue',
    });
    expect(sql.slice(6)).toEqual([
      `DROP TRIGGER IF EXISTS ${FN} ON orders;\nALTER TABLE orders DROP COLUMN IF EXISTS client_id`,
      `DROP FUNCTION IF EXISTS ${FN}()`,
    ]);
  });

  it('not_null adds CHECK NOT VALID, VALIDATE, SET NOT NULL and drop CHECK before the gate', () => {
    const steps = forward('rename_column', { ...base, not_null: true });
    const migrate = steps.filter((s) => s.phase === 'migrate');
    expect(migrate.map((s) => s.id.replace('rename_column:test/', ''))).toEqual([
      'backfill',
      'verify',
      'not-null-check',
      'not-null-validate',
      'set-not-null',
      'drop-not-null-check',
      'switch-reads',
    ]);
    expect(sqlOf(migrate.slice(2, 6))).toEqual([
      'ALTER TABLE orders ADD CONSTRAINT customer_id_not_null CHECK (customer_id IS NOT NULL) NOT VALID',
      'ALTER TABLE orders VALIDATE CONSTRAINT customer_id_not_null',
      'ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL',
      'ALTER TABLE orders DROP CONSTRAINT IF EXISTS customer_id_not_null',
    ]);
  });

  it('quotes names that need it, in the sync function too', () => {
    const steps = forward('rename_column', { table: 'sales.user', from: 'order', to: 'OrderNo', type: 'int' });
    expect(sqlOf(steps)[0]).toBe('ALTER TABLE sales."user" ADD COLUMN "OrderNo" int');
    expect(sqlOf(steps)[1]).toContain('NEW."order" := NEW."OrderNo";');
  });

  it('inverse removes the sync trigger and function, then the new column', () => {
    const undo = inverse('rename_column', base);
    if (!('steps' in undo)) throw new Error('expected reversible');
    expect(sqlOf(undo.steps)).toEqual([
      `DROP TRIGGER IF EXISTS ${FN} ON orders`,
      `DROP FUNCTION IF EXISTS ${FN}()`,
      'ALTER TABLE orders DROP COLUMN IF EXISTS customer_id',
    ]);
  });

  it('requires the type, saying why', () => {
    const result = findOperation('rename_column')!.schema.safeParse({ table: 'orders', from: 'a', to: 'b' });
    expect(result.error?.issues[0]).toMatchObject({
      path: ['type'],
      message: expect.stringMatching(/missing `type`/),
      params: { hint: expect.stringMatching(/exact SQL/) },
    });
  });

  it('refuses renaming a column to itself', () => {
    expect(() => parseSpec('rename_column', { ...base, to: 'client_id' })).toThrow(/both client_id/);
  });
});

const columnsOf = (db: TestDatabase, table: string) =>
  db.query(
    `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`,
  );

describe.each(engines)('rename_column on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(() => db.close());

  async function expectInStep(table: string): Promise<void> {
    const rows = await db.query(`SELECT id FROM ${table} WHERE customer_id IS DISTINCT FROM client_id`);
    expect(rows).toEqual([]);
  }

  it('moves every value to the new name while old and new writers both write', async () => {
    await db.exec('CREATE TABLE rc_orders (id int PRIMARY KEY, client_id int NOT NULL, note text)');
    await db.exec('INSERT INTO rc_orders (id, client_id) SELECT i, i * 10 FROM generate_series(1, 200) AS i');
    const steps = forward('rename_column', {
      table: 'rc_orders',
      from: 'client_id',
      to: 'customer_id',
      type: 'integer',
      not_null: true,
      backfill: { key: ['id'], batch: { size: 30 } },
    });

    await runPhase(db, steps, 'expand');
    await db.exec('INSERT INTO rc_orders (id, client_id) VALUES (1001, 5)');
    await db.exec('INSERT INTO rc_orders (id, customer_id) VALUES (1002, 6)');
    await db.exec('UPDATE rc_orders SET client_id = 11 WHERE id = 1');
    await db.exec('UPDATE rc_orders SET customer_id = 22 WHERE id = 2');
    const touched = await db.query<{ id: number; client_id: number; customer_id: number }>(
      'SELECT id, client_id, customer_id FROM rc_orders WHERE id IN (1, 2, 1001, 1002) ORDER BY id',
    );
    expect(touched.map((r) => [r.id, r.client_id, r.customer_id])).toEqual([
      [1, 11, 11],
      [2, 22, 22],
      [1001, 5, 5],
      [1002, 6, 6],
    ]);
    expect(await db.query('SELECT count(*)::int AS n FROM rc_orders WHERE customer_id IS NULL')).toEqual([{ n: 198 }]);

    await runPhase(db, steps, 'migrate');
    await expectInStep('rc_orders');
    await db.exec('INSERT INTO rc_orders (id, client_id) VALUES (1003, 7)');
    await db.exec('INSERT INTO rc_orders (id, customer_id) VALUES (1004, 8)');
    await db.exec('UPDATE rc_orders SET client_id = 33 WHERE id = 3');
    await db.exec('UPDATE rc_orders SET customer_id = 44 WHERE id = 4');
    await expectInStep('rc_orders');
    const before = await db.query('SELECT id, client_id AS value FROM rc_orders ORDER BY id');

    await runPhase(db, steps, 'contract');
    expect(await columnsOf(db, 'rc_orders')).toEqual([
      { column_name: 'id', data_type: 'integer', is_nullable: 'NO' },
      { column_name: 'note', data_type: 'text', is_nullable: 'YES' },
      { column_name: 'customer_id', data_type: 'integer', is_nullable: 'NO' },
    ]);
    expect(await db.query('SELECT id, customer_id AS value FROM rc_orders ORDER BY id')).toEqual(before);
    expect(before).toHaveLength(204);
    expect(
      await db.query("SELECT tgname FROM pg_trigger WHERE tgrelid = 'rc_orders'::regclass AND NOT tgisinternal"),
    ).toEqual([]);
    expect(
      await db.query("SELECT proname FROM pg_proc WHERE proname = 'schemashift_sync_rc_orders_customer_id'"),
    ).toEqual([]);
    expect(
      await db.query("SELECT conname FROM pg_constraint WHERE conrelid = 'rc_orders'::regclass AND contype = 'c'"),
    ).toEqual([]);
  });

  it('inverse after expand restores the original schema', async () => {
    await db.exec('CREATE TABLE rc_undo (id int PRIMARY KEY, client_id int)');
    await db.exec('INSERT INTO rc_undo VALUES (1, 10), (2, NULL)');
    const original = await columnsOf(db, 'rc_undo');
    const spec = { table: 'rc_undo', from: 'client_id', to: 'customer_id', type: 'integer' };
    await runPhase(db, forward('rename_column', spec), 'expand');
    await db.exec('INSERT INTO rc_undo (id, customer_id) VALUES (3, 30)');
    const undo = inverse('rename_column', spec);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await runPhase(db, undo.steps, 'expand');
    expect(await columnsOf(db, 'rc_undo')).toEqual(original);
    expect(await db.query('SELECT id, client_id FROM rc_undo ORDER BY id')).toEqual([
      { id: 1, client_id: 10 },
      { id: 2, client_id: null },
      { id: 3, client_id: 30 },
    ]);
    expect(
      await db.query("SELECT tgname FROM pg_trigger WHERE tgrelid = 'rc_undo'::regclass AND NOT tgisinternal"),
    ).toEqual([]);
    expect(
      await db.query("SELECT proname FROM pg_proc WHERE proname = 'schemashift_sync_rc_undo_customer_id'"),
    ).toEqual([]);
  });
});
