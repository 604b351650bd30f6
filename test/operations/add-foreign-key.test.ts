import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOperation } from '../../src/operations/index.js';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe, sqlOf, convalidated } from '../support/operations.js';

const customerFk = {
  table: 'orders',
  name: 'orders_customer_fk',
  columns: ['customer_id'],
  references: { table: 'customers', columns: ['id'] },
};

describe('add_foreign_key SQL', () => {
  it.each([
    [
      customerFk,
      [
        'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID',
        'ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk',
      ],
    ],
    [
      {
        table: 'sales.order_lines',
        name: 'LinesOrderFk',
        columns: ['order', 'region'],
        references: { table: 'sales.orders', columns: ['id', 'Region'] },
        on_delete: 'cascade',
        on_update: 'no_action',
        validate: false,
      },
      [
        'ALTER TABLE sales.order_lines ADD CONSTRAINT "LinesOrderFk" FOREIGN KEY ("order", region) REFERENCES sales.orders (id, "Region") ON DELETE CASCADE ON UPDATE NO ACTION NOT VALID',
      ],
    ],
    [
      { ...customerFk, on_delete: 'set_null', on_update: 'restrict', validate: false },
      [
        'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE SET NULL ON UPDATE RESTRICT NOT VALID',
      ],
    ],
    [
      { ...customerFk, on_delete: 'set_default', validate: false },
      [
        'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE SET DEFAULT NOT VALID',
      ],
    ],
  ])('%j', (spec, sql) => {
    expect(sqlOf(forward('add_foreign_key', spec))).toEqual(sql);
  });

  it('locks both tables SHARE ROW EXCLUSIVE to add, SHARE UPDATE EXCLUSIVE (strongest) to validate; inverse drops it', () => {
    const [add, validate] = forward('add_foreign_key', customerFk) as SqlStep[];
    expect(add).toMatchObject({
      id: 'add_foreign_key:test',
      lock: { level: 'SHARE ROW EXCLUSIVE', on: ['orders', 'customers'] },
      transactional: true,
    });
    expect(validate).toMatchObject({
      id: 'add_foreign_key:test/validate',
      lock: { level: 'SHARE UPDATE EXCLUSIVE', on: ['orders', 'customers'] },
    });
    expect(validate!.summary).toMatch(/also reads customers/);
    const undo = inverse('add_foreign_key', customerFk);
    expect('steps' in undo && sqlOf(undo.steps)).toEqual([
      'ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_customer_fk',
    ]);
    expect('steps' in undo && undo.steps[0]).toMatchObject({
      lock: { level: 'ACCESS EXCLUSIVE', on: ['orders', 'customers'] },
    });
  });

  it('names a self-referencing table once', () => {
    const [add] = forward('add_foreign_key', {
      table: 'staff',
      name: 'staff_manager_fk',
      columns: ['manager_id'],
      references: { table: 'staff', columns: ['id'] },
    }) as SqlStep[];
    expect(add!.lock.on).toEqual(['staff']);
  });

  it('refuses mismatched column counts with a hint', () => {
    const result = findOperation('add_foreign_key')!.schema.safeParse({
      ...customerFk,
      columns: ['customer_id', 'region'],
    });
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0] as { path: unknown[]; message: string; params?: { hint?: string } };
    expect(issue.path).toEqual(['references', 'columns']);
    expect(issue.message).toMatch(/lists 2 column\(s\) but references 1/);
    expect(issue.params?.hint).toMatch(/one column per entry/);
  });

  it.each([
    [{ ...customerFk, on_delete: 'nullify' }, /on_delete|cascade/],
    [{ ...customerFk, columns: [] }, /too_small|>=1/],
    [{ ...customerFk, references: { table: 'customers', columns: ['id)'] } }, /not a valid identifier/],
    [{ ...customerFk, references: { table: 'customers; DROP TABLE x', columns: ['id'] } }, /not a valid table name/],
    [{ ...customerFk, references: { table: 'customers' } }, /columns/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSpec('add_foreign_key', spec)).toThrow(message);
  });
});

describe.each(engines)('add_foreign_key on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
    await db.exec('CREATE SCHEMA sales');
  });
  afterAll(() => db.close());

  const validated = (table: string, name: string) => convalidated(db, table, name);

  it('adds a composite quoted foreign key NOT VALID, validates it; probes flip; inverse removes it', async () => {
    await db.exec(`
      CREATE TABLE sales.orders (id int, "Region" text, PRIMARY KEY (id, "Region"));
      CREATE TABLE sales.order_lines (id int, "order" int, region text);
      INSERT INTO sales.orders VALUES (1, 'eu'), (2, 'us');
      INSERT INTO sales.order_lines VALUES (10, 1, 'eu'), (11, 2, 'us');`);
    const spec = {
      table: 'sales.order_lines',
      name: 'LinesOrderFk',
      columns: ['order', 'region'],
      references: { table: 'sales.orders', columns: ['id', 'Region'] },
      on_delete: 'cascade',
    };
    const [add, validate] = forward('add_foreign_key', spec) as SqlStep[];
    expect([await probe(db, add!), await probe(db, validate!)]).toEqual([false, false]);
    await applySql(db, [add!]);
    expect(await validated('sales.order_lines', 'LinesOrderFk')).toBe(false);
    expect([await probe(db, add!), await probe(db, validate!)]).toEqual([true, false]);
    await expect(db.exec(`INSERT INTO sales.order_lines VALUES (12, 3, 'eu')`)).rejects.toMatchObject({
      code: '23503',
    });
    await applySql(db, [validate!]);
    expect(await validated('sales.order_lines', 'LinesOrderFk')).toBe(true);
    expect(await probe(db, validate!)).toBe(true);
    await db.exec('DELETE FROM sales.orders WHERE id = 2');
    expect(await db.query('SELECT id FROM sales.order_lines')).toEqual([{ id: 10 }]);
    const undo = inverse('add_foreign_key', spec);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await applySql(db, undo.steps);
    expect(await validated('sales.order_lines', 'LinesOrderFk')).toBeUndefined();
    expect(await probe(db, add!)).toBe(false);
  });

  it('an orphan row fails VALIDATE (23503) and leaves the constraint NOT VALID', async () => {
    await db.exec(`
      CREATE TABLE customers (id int PRIMARY KEY); CREATE TABLE orders (id int, customer_id int);
      INSERT INTO customers VALUES (1); INSERT INTO orders VALUES (1, 1), (2, 99);`);
    const [add, validate] = forward('add_foreign_key', customerFk) as SqlStep[];
    await applySql(db, [add!]);
    await expect(applySql(db, [validate!])).rejects.toMatchObject({ code: '23503' });
    expect(await validated('orders', 'orders_customer_fk')).toBe(false);
    expect(await probe(db, validate!)).toBe(false);
  });
});
