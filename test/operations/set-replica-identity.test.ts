import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { replicaIdentityOf } from '../support/meta.js';
import { applySql, forward, inverse, parseSpec, probe } from '../support/operations.js';

const stepOf = (spec: unknown) => forward('set_replica_identity', spec)[0] as SqlStep;
const undoOf = (spec: unknown): SqlStep => {
  const inv = inverse('set_replica_identity', spec);
  if (!('steps' in inv)) throw new Error(inv.irreversible);
  return inv.steps[0] as SqlStep;
};

describe('set_replica_identity SQL', () => {
  it.each([
    [{ table: 'orders', identity: 'full' }, 'ALTER TABLE orders REPLICA IDENTITY FULL'],
    [{ table: 'orders', identity: 'nothing' }, 'ALTER TABLE orders REPLICA IDENTITY NOTHING'],
    [{ table: 'orders', identity: 'default' }, 'ALTER TABLE orders REPLICA IDENTITY DEFAULT'],
    [
      { table: 'sales.orders', identity: 'index', index: 'Orders_key' },
      'ALTER TABLE sales.orders REPLICA IDENTITY USING INDEX "Orders_key"',
    ],
  ])('%j', (spec, sql) => {
    const step = stepOf(spec);
    expect(step.sql).toBe(sql);
    expect([step.lock.level, step.transactional]).toEqual(['ACCESS EXCLUSIVE', true]);
  });

  it('inverse puts back `previous` (an index too); irreversible without it', () => {
    const spec = { table: 'orders', identity: 'full', previous: { index: 'orders_number_key' } };
    expect(undoOf(spec).sql).toMatch(/ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_number_key$/);
    const inv = inverse('set_replica_identity', { table: 'orders', identity: 'full' });
    expect('irreversible' in inv && inv.irreversible).toMatch(/add `previous: default`/);
  });

  it.each([
    [{ table: 'orders', identity: 'index' }, /identity: index needs `index`/],
    [{ table: 'orders', identity: 'full', index: 'x' }, /`index` is only for identity: index/],
    [{ table: 'orders', identity: 'some' }, /identity/],
    [{ table: 'orders', identity: 'full', previous: 'index' }, /previous/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSpec('set_replica_identity', spec)).toThrow(message);
  });
});

describe.each(engines)('set_replica_identity on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await db.exec(`DROP TABLE IF EXISTS orders; CREATE TABLE orders (id int PRIMARY KEY, number int NOT NULL);
      CREATE UNIQUE INDEX orders_number_key ON orders (number)`);
  });

  it('to an index and back to default: forward, probe, inverse, re-run undo', async () => {
    const spec = { table: 'orders', identity: 'index', index: 'orders_number_key', previous: 'default' };
    const step = stepOf(spec);
    expect(await probe(db, step)).toBe(false);
    await applySql(db, [step]);
    expect(await replicaIdentityOf(db, 'orders')).toBe('i:orders_number_key');
    expect(await probe(db, step)).toBe(true);
    await applySql(db, [undoOf(spec)]);
    await applySql(db, [undoOf(spec)]);
    expect(await replicaIdentityOf(db, 'orders')).toBe('d');
  });

  it('full, then back to the index it was', async () => {
    await db.exec('ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_number_key');
    const spec = { table: 'orders', identity: 'full', previous: { index: 'orders_number_key' } };
    await applySql(db, [stepOf(spec)]);
    expect(await replicaIdentityOf(db, 'orders')).toBe('f');
    await applySql(db, [undoOf(spec)]);
    expect(await replicaIdentityOf(db, 'orders')).toBe('i:orders_number_key');
  });

  it('refuses when the identity is not `previous` (drift) and when rollback would overwrite a later change', async () => {
    await db.exec('ALTER TABLE orders REPLICA IDENTITY NOTHING');
    const spec = { table: 'orders', identity: 'full', previous: 'default' };
    await expect(applySql(db, [stepOf(spec)])).rejects.toThrow(
      /the replica identity of orders is nothing, but this step expects default before it sets full/,
    );
    expect(await replicaIdentityOf(db, 'orders')).toBe('n');
    await db.exec('ALTER TABLE orders REPLICA IDENTITY DEFAULT');
    await applySql(db, [stepOf(spec)]);
    await db.exec('ALTER TABLE orders REPLICA IDENTITY NOTHING');
    await expect(applySql(db, [undoOf(spec)])).rejects.toThrow(/is nothing, but this step expects full/);
    expect(await replicaIdentityOf(db, 'orders')).toBe('n');
  });
});
