import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe, sqlOf } from '../support/operations.js';

describe('set_not_null SQL', () => {
  it.each([
    [
      { table: 'orders', column: 'customer_id' },
      [
        'ALTER TABLE orders ADD CONSTRAINT customer_id_not_null CHECK (customer_id IS NOT NULL) NOT VALID',
        'ALTER TABLE orders VALIDATE CONSTRAINT customer_id_not_null',
        'ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL',
        'ALTER TABLE orders DROP CONSTRAINT IF EXISTS customer_id_not_null',
      ],
    ],
    [
      { table: 'sales.orders', column: 'Region' },
      [
        'ALTER TABLE sales.orders ADD CONSTRAINT "Region_not_null" CHECK ("Region" IS NOT NULL) NOT VALID',
        'ALTER TABLE sales.orders VALIDATE CONSTRAINT "Region_not_null"',
        'ALTER TABLE sales.orders ALTER COLUMN "Region" SET NOT NULL',
        'ALTER TABLE sales.orders DROP CONSTRAINT IF EXISTS "Region_not_null"',
      ],
    ],
    [
      { table: 'user', column: 'order', check_name: 'user_order_nn' },
      [
        'ALTER TABLE "user" ADD CONSTRAINT user_order_nn CHECK ("order" IS NOT NULL) NOT VALID',
        'ALTER TABLE "user" VALIDATE CONSTRAINT user_order_nn',
        'ALTER TABLE "user" ALTER COLUMN "order" SET NOT NULL',
        'ALTER TABLE "user" DROP CONSTRAINT IF EXISTS user_order_nn',
      ],
    ],
  ])('%j', (spec, sql) => {
    expect(sqlOf(forward('set_not_null', spec))).toEqual(sql);
  });

  it('step ids and locks: only VALIDATE scans, and it does not block writes', () => {
    const steps = forward('set_not_null', { table: 'orders', column: 'customer_id' }) as SqlStep[];
    expect(steps.map((s) => [s.id, s.lock.level, s.transactional])).toEqual([
      ['set_not_null:test', 'ACCESS EXCLUSIVE', true],
      ['set_not_null:test/validate', 'SHARE UPDATE EXCLUSIVE', true],
      ['set_not_null:test/set-not-null', 'ACCESS EXCLUSIVE', true],
      ['set_not_null:test/drop-check', 'ACCESS EXCLUSIVE', true],
    ]);
  });

  it('bounds the default check name to 63 bytes', () => {
    const column = 'c'.repeat(63);
    const [add] = forward('set_not_null', { table: 'orders', column }) as SqlStep[];
    const name = /ADD CONSTRAINT (\S+)/.exec(add!.sql)?.[1] ?? '';
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    expect(name).not.toBe(column);
  });

  it('inverse drops NOT NULL and the check if still there', () => {
    const undo = inverse('set_not_null', { table: 'sales.orders', column: 'Region' });
    expect('steps' in undo && sqlOf(undo.steps)).toEqual([
      'ALTER TABLE sales.orders ALTER COLUMN "Region" DROP NOT NULL',
      'ALTER TABLE sales.orders DROP CONSTRAINT IF EXISTS "Region_not_null"',
    ]);
  });

  it.each([
    [{ table: 'orders', column: 'x', check_name: 'x y' }, /not a valid identifier/],
    [{ table: 'orders' }, /column/],
    [{ table: 'orders', column: 'x', nullable: false }, /nullable/],
    [{ table: 'orders', column: 'x"; DROP TABLE orders; --' }, /not a valid identifier/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSpec('set_not_null', spec)).toThrow(message);
  });
});

describe.each(engines)('set_not_null on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
    await db.exec('CREATE SCHEMA sales');
  });
  afterAll(() => db.close());

  const notNull = async (table: string, column: string) =>
    (
      await db.query<{ attnotnull: boolean }>(
        'SELECT attnotnull FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2',
        [table, column],
      )
    )[0]?.attnotnull;
  const validated = async (table: string, name: string) =>
    (
      await db.query<{ convalidated: boolean }>(
        'SELECT convalidated FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2',
        [table, name],
      )
    )[0]?.convalidated;
  const probes = async (steps: SqlStep[]) => {
    const done: boolean[] = [];
    for (const step of steps) done.push(await probe(db, step));
    return done;
  };

  it('runs the four steps on a quoted column; probes flip one by one; inverse makes it nullable again', async () => {
    await db.exec(
      `CREATE TABLE sales.orders (id int, "Region" text); INSERT INTO sales.orders VALUES (1, 'eu'), (2, 'us')`,
    );
    const spec = { table: 'sales.orders', column: 'Region' };
    const steps = forward('set_not_null', spec) as SqlStep[];
    expect(await probes(steps)).toEqual([false, false, false, true]);
    await applySql(db, [steps[0]!]);
    expect(await validated('sales.orders', 'Region_not_null')).toBe(false);
    expect(await probes(steps)).toEqual([true, false, false, false]);
    await applySql(db, [steps[1]!]);
    expect(await validated('sales.orders', 'Region_not_null')).toBe(true);
    await applySql(db, [steps[2]!]);
    expect(await notNull('sales.orders', 'Region')).toBe(true);
    await applySql(db, [steps[3]!]);
    expect(await validated('sales.orders', 'Region_not_null')).toBeUndefined();
    expect(await probes(steps)).toEqual([true, true, true, true]);
    await expect(db.exec('INSERT INTO sales.orders VALUES (3, NULL)')).rejects.toMatchObject({ code: '23502' });

    const undo = inverse('set_not_null', spec);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await applySql(db, undo.steps);
    expect(await notNull('sales.orders', 'Region')).toBe(false);
    expect(await probes(undo.steps as SqlStep[])).toEqual([true, true]);
    expect(await probes(steps)).toEqual([false, false, false, true]);
  });

  it('a NULL row fails VALIDATE with 23514 and leaves the column nullable', async () => {
    await db.exec('CREATE TABLE orders (id int, customer_id bigint); INSERT INTO orders VALUES (1, 10), (2, NULL)');
    const steps = forward('set_not_null', { table: 'orders', column: 'customer_id' }) as SqlStep[];
    await applySql(db, [steps[0]!]);
    await expect(applySql(db, [steps[1]!])).rejects.toMatchObject({ code: '23514' });
    expect(await notNull('orders', 'customer_id')).toBe(false);
    expect(await validated('orders', 'customer_id_not_null')).toBe(false);
    expect(await probes(steps)).toEqual([true, false, false, false]);
    const undo = inverse('set_not_null', { table: 'orders', column: 'customer_id' });
    if (!('steps' in undo)) throw new Error('expected reversible');
    await applySql(db, undo.steps);
    expect(await validated('orders', 'customer_id_not_null')).toBeUndefined();
  });

  it('a column that is already NOT NULL counts the first three steps as done', async () => {
    await db.exec('CREATE TABLE invoices (id int, total numeric NOT NULL)');
    const steps = forward('set_not_null', { table: 'invoices', column: 'total' }) as SqlStep[];
    expect(await probes(steps)).toEqual([true, true, true, true]);
  });
});
