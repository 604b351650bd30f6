import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { constraintsOf } from '../support/meta.js';
import { applySql, forward, inverse, parseSpec, probe } from '../support/operations.js';

const stepOf = (spec: unknown) => forward('rename_constraint', spec)[0] as SqlStep;
const undoOf = (spec: unknown): SqlStep => {
  const inv = inverse('rename_constraint', spec);
  if (!('steps' in inv)) throw new Error(inv.irreversible);
  return inv.steps[0] as SqlStep;
};

describe('rename_constraint SQL', () => {
  it('one ALTER under ACCESS EXCLUSIVE; creates `to` (an existing one is refused); inverse renames back', () => {
    const step = stepOf({ table: 'sales.orders', from: 'orders_check', to: 'TotalPositive' });
    expect(step.sql).toBe('ALTER TABLE sales.orders RENAME CONSTRAINT orders_check TO "TotalPositive"');
    expect([step.lock.level, step.transactional]).toEqual(['ACCESS EXCLUSIVE', true]);
    expect(step.effect).toEqual({
      does: 'create',
      object: { kind: 'constraint', table: 'sales.orders', name: 'TotalPositive' },
    });
    const undo = undoOf({ table: 'sales.orders', from: 'orders_check', to: 'TotalPositive' });
    expect([undo.sql, undo.undoes]).toEqual([
      'ALTER TABLE sales.orders RENAME CONSTRAINT "TotalPositive" TO orders_check',
      'rename_constraint:test',
    ]);
  });

  it.each([
    [{ table: 'orders', from: 'a', to: 'a' }, /`to` is `from`/],
    [{ table: 'orders', from: 'a', to: 'b"; DROP TABLE orders; --' }, /not a valid identifier/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSpec('rename_constraint', spec)).toThrow(message);
  });
});

describe.each(engines)('rename_constraint on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await db.exec(`DROP TABLE IF EXISTS orders; CREATE TABLE orders (id int PRIMARY KEY, total int,
      number int CONSTRAINT orders_number_key UNIQUE, CONSTRAINT orders_total_check CHECK (total >= 0))`);
  });

  it('a CHECK: forward, probe, inverse, probe of the undo', async () => {
    const spec = { table: 'orders', from: 'orders_total_check', to: 'orders_total_not_negative' };
    const step = stepOf(spec);
    expect(await probe(db, step)).toBe(false);
    await applySql(db, [step]);
    expect(await constraintsOf(db, 'orders')).toEqual([
      'orders_number_key',
      'orders_pkey',
      'orders_total_not_negative',
    ]);
    expect(await probe(db, step)).toBe(true);
    await expect(db.exec(`INSERT INTO orders VALUES (1, -1, 1)`)).rejects.toThrow(/orders_total_not_negative/);
    const undo = undoOf(spec);
    expect(await probe(db, undo)).toBe(false);
    await applySql(db, [undo]);
    expect(await probe(db, undo)).toBe(true);
    expect(await constraintsOf(db, 'orders')).toEqual(['orders_number_key', 'orders_pkey', 'orders_total_check']);
  });

  it('a UNIQUE constraint: its index is renamed with it', async () => {
    await applySql(db, [stepOf({ table: 'orders', from: 'orders_number_key', to: 'orders_number_unique' })]);
    const rows = await db.query<{ n: string | null }>(`SELECT to_regclass('orders_number_unique')::text AS n`);
    expect(rows).toEqual([{ n: 'orders_number_unique' }]);
  });

  it('refuses when `to` already exists (PostgreSQL refuses; nothing changes)', async () => {
    await expect(
      applySql(db, [stepOf({ table: 'orders', from: 'orders_total_check', to: 'orders_pkey' })]),
    ).rejects.toThrow(/already exists/);
    expect(await constraintsOf(db, 'orders')).toEqual(['orders_number_key', 'orders_pkey', 'orders_total_check']);
  });
});
