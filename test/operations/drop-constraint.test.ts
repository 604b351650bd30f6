import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lintPlan } from '../../src/lint/lint-plan.js';
import { parsePlan } from '../../src/plan/load.js';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { constraintsOf } from '../support/meta.js';
import { applySql, forward, inverse, probe } from '../support/operations.js';

const stepOf = (spec: unknown) => forward('drop_constraint', spec, 'contract')[0] as SqlStep;

describe('drop_constraint SQL', () => {
  it('ALTER TABLE DROP CONSTRAINT (never CASCADE) under ACCESS EXCLUSIVE; a foreign key locks its referenced table', () => {
    const step = stepOf({ table: 'orders', name: 'orders_customer_fkey', references: 'sales.customers' });
    expect(step.sql).toBe('ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_customer_fkey');
    expect([step.lock.level, step.lock.on, step.transactional]).toEqual([
      'ACCESS EXCLUSIVE',
      ['orders', 'sales.customers'],
      true,
    ]);
    expect(step.effect).toEqual({
      does: 'remove',
      object: { kind: 'constraint', table: 'orders', name: 'orders_customer_fkey' },
    });
  });

  it('is irreversible, and says how to recreate it', () => {
    const inv = inverse('drop_constraint', { table: 'orders', name: 'c' }, 'contract');
    expect('irreversible' in inv && inv.irreversible).toMatch(/recreate it in a new plan with add_check/);
  });

  it.each(['expand', 'migrate'])('cannot be listed under %s: only contract', async (phase) => {
    const yaml = `name: p\nphases:\n  ${phase}:\n    - drop_constraint: { table: orders, name: orders_total_check }\n`;
    await expect(parsePlan('p.yaml', yaml)).rejects.toThrow(/`drop_constraint` cannot be listed under [a-z]+/);
    await expect(parsePlan('p.yaml', yaml)).rejects.toThrow(/list it under contract$/m);
    const contract =
      'name: p\nphases:\n  contract:\n    - drop_constraint: { table: orders, name: orders_total_check }\n';
    expect(lintPlan(await parsePlan('p.yaml', contract))).toEqual([]);
  });
});

describe.each(engines)('drop_constraint on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await db.exec(`DROP TABLE IF EXISTS orders; DROP TABLE IF EXISTS customers;
      CREATE TABLE customers (id int PRIMARY KEY);
      CREATE TABLE orders (id int PRIMARY KEY, customer_id int CONSTRAINT orders_customer_fkey REFERENCES customers,
        total int CONSTRAINT orders_total_check CHECK (total >= 0))`);
  });

  it('drops a CHECK: probe before and after; the data rule is gone', async () => {
    const step = stepOf({ table: 'orders', name: 'orders_total_check' });
    expect(await probe(db, step)).toBe(false);
    await applySql(db, [step]);
    expect(await probe(db, step)).toBe(true);
    expect(await constraintsOf(db, 'orders')).toEqual(['orders_customer_fkey', 'orders_pkey']);
    await db.exec(`INSERT INTO orders VALUES (1, NULL, -5)`);
  });

  it('drops a foreign key (both tables locked); a key foreign keys depend on is refused without CASCADE', async () => {
    await expect(applySql(db, [stepOf({ table: 'customers', name: 'customers_pkey' })])).rejects.toThrow(
      /depend|other objects/,
    );
    expect(await constraintsOf(db, 'customers')).toEqual(['customers_pkey']);
    await applySql(db, [stepOf({ table: 'orders', name: 'orders_customer_fkey', references: 'customers' })]);
    expect(await constraintsOf(db, 'orders')).toEqual(['orders_pkey', 'orders_total_check']);
    await db.exec(`INSERT INTO orders VALUES (2, 99, 1)`);
  });
});
