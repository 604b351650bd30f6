import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe, sqlOf } from '../support/operations.js';

describe('drop_index SQL', () => {
  it.each([
    [{ table: 'orders', name: 'idx_orders_client_id' }, 'DROP INDEX CONCURRENTLY IF EXISTS idx_orders_client_id', true],
    [{ table: 'sales.orders', name: 'ByCustomer' }, 'DROP INDEX CONCURRENTLY IF EXISTS sales."ByCustomer"', true],
    [{ table: 'user', name: 'order', concurrently: false }, 'DROP INDEX IF EXISTS "order"', false],
  ])('%j', (spec, sql, concurrently) => {
    const steps = forward('drop_index', spec, 'contract');
    expect(sqlOf(steps)).toEqual([sql]);
    expect(steps[0]).toMatchObject({
      id: 'drop_index:test',
      lock: { level: concurrently ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', on: [spec.table] },
      transactional: !concurrently,
    });
  });

  it('cannot be undone: the plan does not hold the definition', () => {
    expect(inverse('drop_index', { table: 'orders', name: 'idx_x' })).toEqual({
      irreversible: expect.stringMatching(/idx_x.*create_index/),
    });
  });

  it.each([
    [{ table: 'orders', name: 'sales.idx' }, /not a valid identifier/],
    [{ table: 'orders', name: 'idx; DROP TABLE orders' }, /not a valid identifier/],
    [{ table: 'orders', name: 'idx', concurrent: true }, /concurrent/],
    [{ name: 'idx' }, /table/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSpec('drop_index', spec)).toThrow(message);
  });
});

describe.each(engines)('drop_index on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
    await db.exec(
      'CREATE SCHEMA sales; CREATE TABLE sales.orders (id int, customer_id int); CREATE TABLE orders (id int, client_id int)',
    );
  });
  afterAll(() => db.close());

  const indexCount = async (name: string) =>
    (
      await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_class WHERE relname = $1 AND relkind = $2', [
        name,
        'i',
      ])
    )[0]?.n;

  it('drops a quoted index in the table schema concurrently; the probe flips', async () => {
    await db.exec('CREATE INDEX "ByCustomer" ON sales.orders (customer_id)');
    const [step] = forward('drop_index', { table: 'sales.orders', name: 'ByCustomer' }) as SqlStep[];
    expect(await probe(db, step!)).toBe(false);
    await applySql(db, [step!]);
    expect(await probe(db, step!)).toBe(true);
    expect(await indexCount('ByCustomer')).toBe(0);
    await applySql(db, [step!]);
  });

  it('drops without CONCURRENTLY inside a transaction when asked', async () => {
    await db.exec('CREATE INDEX idx_orders_client_id ON orders (client_id)');
    const [step] = forward('drop_index', {
      table: 'orders',
      name: 'idx_orders_client_id',
      concurrently: false,
    }) as SqlStep[];
    await db.exec(`BEGIN; ${step!.sql}; COMMIT`);
    expect(await probe(db, step!)).toBe(true);
    expect(await indexCount('idx_orders_client_id')).toBe(0);
  });
});
