import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe, sqlOf, convalidated } from '../support/operations.js';

describe('validate_constraint SQL', () => {
  it.each([
    [{ table: 'orders', name: 'amount_positive' }, 'ALTER TABLE orders VALIDATE CONSTRAINT amount_positive'],
    [{ table: 'sales.orders', name: 'StatusKnown' }, 'ALTER TABLE sales.orders VALIDATE CONSTRAINT "StatusKnown"'],
    [{ table: 'user', name: 'check' }, 'ALTER TABLE "user" VALIDATE CONSTRAINT "check"'],
  ])('%j', (spec, sql) => {
    const steps = forward('validate_constraint', spec);
    expect(sqlOf(steps)).toEqual([sql]);
    expect(steps[0]).toMatchObject({
      id: 'validate_constraint:test',
      lock: { level: 'SHARE UPDATE EXCLUSIVE', on: [spec.table] },
      transactional: true,
    });
  });

  it('has nothing to undo', () => {
    expect(inverse('validate_constraint', { table: 'orders', name: 'amount_positive' })).toEqual({ steps: [] });
  });

  it.each([
    [{ table: 'orders' }, /name/],
    [{ table: 'orders', name: 'a b' }, /not a valid identifier/],
    [{ table: 'orders', name: 'x', columns: ['a'] }, /columns/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSpec('validate_constraint', spec)).toThrow(message);
  });
});

describe.each(engines)('validate_constraint on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
    await db.exec('CREATE SCHEMA sales');
  });
  afterAll(() => db.close());

  const validated = (table: string, name: string) => convalidated(db, table, name);

  it('validates a NOT VALID check on a schema-qualified table; the probe flips', async () => {
    await db.exec(`CREATE TABLE sales.orders (id int, "Status" text); INSERT INTO sales.orders VALUES (1, 'new');
      ALTER TABLE sales.orders ADD CONSTRAINT "StatusKnown" CHECK ("Status" <> '') NOT VALID`);
    const [step] = forward('validate_constraint', { table: 'sales.orders', name: 'StatusKnown' }) as SqlStep[];
    expect(await probe(db, step!)).toBe(false);
    await applySql(db, [step!]);
    expect(await validated('sales.orders', 'StatusKnown')).toBe(true);
    expect(await probe(db, step!)).toBe(true);
  });

  it('validates a NOT VALID foreign key', async () => {
    await db.exec(`CREATE TABLE customers (id int PRIMARY KEY); CREATE TABLE orders (id int, customer_id int);
      INSERT INTO customers VALUES (1); INSERT INTO orders VALUES (1, 1);
      ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID`);
    const [step] = forward('validate_constraint', { table: 'orders', name: 'orders_customer_fk' }) as SqlStep[];
    expect(await validated('orders', 'orders_customer_fk')).toBe(false);
    await applySql(db, [step!]);
    expect(await validated('orders', 'orders_customer_fk')).toBe(true);
    expect(await probe(db, step!)).toBe(true);
  });
});
