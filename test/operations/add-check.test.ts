import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe, sqlOf, convalidated } from '../support/operations.js';

describe('add_check SQL', () => {
  it.each([
    [
      { table: 'orders', name: 'amount_positive', expression: 'amount >= 0' },
      [
        'ALTER TABLE orders ADD CONSTRAINT amount_positive CHECK (amount >= 0) NOT VALID',
        'ALTER TABLE orders VALIDATE CONSTRAINT amount_positive',
      ],
    ],
    [
      { table: 'sales.orders', name: 'StatusKnown', expression: `"Status" IN ('new', 'paid')`, validate: false },
      [`ALTER TABLE sales.orders ADD CONSTRAINT "StatusKnown" CHECK ("Status" IN ('new', 'paid')) NOT VALID`],
    ],
    [
      { table: 'user', name: 'check', expression: '"order" > 0' },
      [
        'ALTER TABLE "user" ADD CONSTRAINT "check" CHECK ("order" > 0) NOT VALID',
        'ALTER TABLE "user" VALIDATE CONSTRAINT "check"',
      ],
    ],
  ])('%j', (spec, sql) => {
    expect(sqlOf(forward('add_check', spec))).toEqual(sql);
  });

  it('adds under a brief ACCESS EXCLUSIVE lock, validates under SHARE UPDATE EXCLUSIVE; inverse drops it', () => {
    const spec = { table: 'orders', name: 'amount_positive', expression: 'amount >= 0' };
    const [add, validate] = forward('add_check', spec) as SqlStep[];
    expect(add).toMatchObject({
      id: 'add_check:test',
      lock: { level: 'ACCESS EXCLUSIVE', on: ['orders'] },
      transactional: true,
    });
    expect(validate).toMatchObject({
      id: 'add_check:test/validate',
      lock: { level: 'SHARE UPDATE EXCLUSIVE', on: ['orders'] },
      transactional: true,
    });
    const undo = inverse('add_check', spec);
    expect('steps' in undo && sqlOf(undo.steps)).toEqual([
      'ALTER TABLE orders DROP CONSTRAINT IF EXISTS amount_positive',
    ]);
  });

  it.each([
    [{ table: 'orders', name: 'c', expression: 'amount >=' }, /does not parse/],
    [
      { table: 'orders', name: 'c', expression: 'true) OR (false' },
      /`\)` closes a bracket the SQL condition did not open/,
    ],
    [{ table: 'orders', name: 'bad-name', expression: 'amount > 0' }, /not a valid identifier/],
    [{ table: 'orders', name: 'c' }, /expression/],
    [{ table: 'orders', name: 'c', expression: 'amount > 0', not_valid: true }, /not_valid/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSpec('add_check', spec)).toThrow(message);
  });
});

describe.each(engines)('add_check on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
    await db.exec('CREATE SCHEMA sales');
  });
  afterAll(() => db.close());

  const validated = (table: string, name: string) => convalidated(db, table, name);

  it('adds NOT VALID, then validates; probes flip; inverse removes it', async () => {
    await db.exec(
      `CREATE TABLE sales.orders (id int, "Status" text); INSERT INTO sales.orders VALUES (1, 'new'), (2, 'paid')`,
    );
    const spec = { table: 'sales.orders', name: 'StatusKnown', expression: `"Status" IN ('new', 'paid')` };
    const [add, validate] = forward('add_check', spec) as SqlStep[];
    expect([await probe(db, add!), await probe(db, validate!)]).toEqual([false, false]);
    await applySql(db, [add!]);
    expect(await validated('sales.orders', 'StatusKnown')).toBe(false);
    expect([await probe(db, add!), await probe(db, validate!)]).toEqual([true, false]);
    await expect(db.exec(`INSERT INTO sales.orders VALUES (3, 'lost')`)).rejects.toMatchObject({ code: '23514' });
    await applySql(db, [validate!]);
    expect(await validated('sales.orders', 'StatusKnown')).toBe(true);
    expect(await probe(db, validate!)).toBe(true);
    const undo = inverse('add_check', spec);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await applySql(db, undo.steps);
    expect(await validated('sales.orders', 'StatusKnown')).toBeUndefined();
    expect([await probe(db, add!), await probe(db, undo.steps[0] as SqlStep)]).toEqual([false, true]);
  });

  it('a violating row fails VALIDATE (23514) and leaves the constraint NOT VALID; validate: false stops there', async () => {
    await db.exec('CREATE TABLE payments (id int, amount int); INSERT INTO payments VALUES (1, 5), (2, -1)');
    const steps = forward('add_check', {
      table: 'payments',
      name: 'amount_positive',
      expression: 'amount >= 0',
    }) as SqlStep[];
    await applySql(db, [steps[0]!]);
    await expect(applySql(db, [steps[1]!])).rejects.toMatchObject({ code: '23514' });
    expect(await validated('payments', 'amount_positive')).toBe(false);
    expect(await probe(db, steps[1]!)).toBe(false);
    const unvalidated = forward('add_check', {
      table: 'payments',
      name: 'id_positive',
      expression: 'id > 0',
      validate: false,
    });
    expect(unvalidated).toHaveLength(1);
    await applySql(db, unvalidated);
    expect(await validated('payments', 'id_positive')).toBe(false);
  });
});
