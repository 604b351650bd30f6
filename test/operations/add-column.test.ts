import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe, sqlOf } from '../support/operations.js';

describe('add_column SQL', () => {
  it.each([
    [
      { table: 'orders', column: { name: 'customer_id', type: 'bigint' } },
      'ALTER TABLE orders ADD COLUMN customer_id bigint',
    ],
    [
      { table: 'sales.orders', column: { name: 'Status', type: 'text', default: "'new'" } },
      `ALTER TABLE sales.orders ADD COLUMN "Status" text DEFAULT ('new')`,
    ],
    [
      { table: 'user', column: { name: 'order', type: 'int', nullable: false, default: '0' } },
      'ALTER TABLE "user" ADD COLUMN "order" int DEFAULT (0) NOT NULL',
    ],
  ])('%j', (spec, sql) => {
    const steps = forward('add_column', spec);
    expect(sqlOf(steps)).toEqual([sql]);
    expect((steps[0] as SqlStep).lock.level).toBe('ACCESS EXCLUSIVE');
  });

  it('refuses a volatile default with the safe recipe', () => {
    expect(() =>
      parseSpec('add_column', {
        table: 'orders',
        column: { name: 'token', type: 'uuid', default: 'gen_random_uuid()' },
      }),
    ).toThrow(/volatile/);
  });

  it('refuses NOT NULL without a default', () => {
    expect(() =>
      parseSpec('add_column', { table: 'orders', column: { name: 'x', type: 'int', nullable: false } }),
    ).toThrow(/NOT NULL without a default/);
  });

  it('with sync_from: trigger in expand, its removal in contract', () => {
    const steps = forward('add_column', {
      table: 'orders',
      column: { name: 'customer_id', type: 'bigint' },
      sync_from: 'client_id',
    });
    expect(steps.map((s) => [s.id, s.phase])).toEqual([
      ['add_column:test', 'expand'],
      ['add_column:test/sync-function', 'expand'],
      ['add_column:test/sync-trigger', 'expand'],
      ['add_column:test/drop-sync-trigger', 'contract'],
      ['add_column:test/drop-sync-function', 'contract'],
    ]);
  });
});

describe.each(engines)('add_column on $name', ({ create }) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await create();
    await db.exec('CREATE TABLE orders (id bigint PRIMARY KEY, client_id int)');
    await db.exec('INSERT INTO orders VALUES (1, 10), (2, 20)');
  });
  afterEach(() => db.close());

  it('adds a nullable column, probe sees it, inverse removes it', async () => {
    const spec = { table: 'orders', column: { name: 'customer_id', type: 'bigint' } };
    const [step] = forward('add_column', spec) as SqlStep[];
    expect(await probe(db, step!)).toBe(false);
    await applySql(db, [step!]);
    expect(await probe(db, step!)).toBe(true);
    const [col] = await db.query<{ is_nullable: string; data_type: string }>(
      "SELECT is_nullable, data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'customer_id'",
    );
    expect(col).toEqual({ is_nullable: 'YES', data_type: 'bigint' });
    const undo = inverse('add_column', spec);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await applySql(db, undo.steps);
    expect(await probe(db, step!)).toBe(false);
  });

  it('sync trigger keeps the new column in step under INSERT and UPDATE, both ways', async () => {
    const spec = {
      table: 'orders',
      column: { name: 'customer_id', type: 'bigint' },
      sync_from: { column: 'client_id', both_ways: true },
    };
    const steps = forward('add_column', spec);
    await applySql(db, steps, ['expand']);
    await db.exec('INSERT INTO orders (id, client_id) VALUES (3, 30)');
    await db.exec('INSERT INTO orders (id, customer_id) VALUES (4, 40)');
    await db.exec('UPDATE orders SET client_id = 11 WHERE id = 1');
    await db.exec('UPDATE orders SET customer_id = 22 WHERE id = 2');
    const rows = await db.query<{ id: string; client_id: number; customer_id: string }>(
      'SELECT id, client_id, customer_id FROM orders ORDER BY id',
    );
    expect(rows.map((r) => [Number(r.id), r.client_id, Number(r.customer_id)])).toEqual([
      [1, 11, 11],
      [2, 22, 22],
      [3, 30, 30],
      [4, 40, 40],
    ]);
    const trigger = steps.find((s) => s.id.endsWith('/sync-trigger')) as SqlStep;
    expect(await probe(db, trigger)).toBe(true);
    await applySql(db, steps, ['contract']);
    expect(await probe(db, trigger)).toBe(false);
  });

  it('sync_from with a conversion expression', async () => {
    const spec = {
      table: 'orders',
      column: { name: 'client_ref', type: 'text' },
      sync_from: { column: 'client_id', expression: "'C-' || client_id" },
    };
    await applySql(db, forward('add_column', spec), ['expand']);
    await db.exec('INSERT INTO orders (id, client_id) VALUES (5, 50)');
    expect(await db.query('SELECT client_ref FROM orders WHERE id = 5')).toEqual([{ client_ref: 'C-50' }]);
  });
});
