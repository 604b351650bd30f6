import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { commentOf } from '../support/meta.js';
import { applySql, forward, inverse, parseSpec, probe } from '../support/operations.js';

const stepOf = (spec: unknown) => forward('set_comment', spec)[0] as SqlStep;
const undoOf = (spec: unknown): SqlStep => {
  const inv = inverse('set_comment', spec);
  if (!('steps' in inv)) throw new Error(inv.irreversible);
  return inv.steps[0] as SqlStep;
};
const HOSTILE = `it's $$ a */ comment; DROP TABLE orders; -- \\ done`;

describe('set_comment SQL', () => {
  it('COMMENT ON TABLE / COLUMN under SHARE UPDATE EXCLUSIVE (reads and writes go on)', () => {
    const table = stepOf({ table: 'sales.orders', comment: 'Orders' });
    expect(table.sql).toBe(`COMMENT ON TABLE sales.orders IS 'Orders'`);
    expect([table.lock.level, table.lock.impact, table.transactional]).toEqual([
      'SHARE UPDATE EXCLUSIVE',
      'blocks-ddl',
      true,
    ]);
    expect(table.effect).toEqual({
      does: 'change',
      object: { kind: 'table property', table: 'sales.orders', name: 'comment' },
    });
    expect(stepOf({ table: 'orders', column: 'User', comment: null }).sql).toBe(
      'COMMENT ON COLUMN orders."User" IS NULL',
    );
  });

  it('a hostile comment is one literal', () => {
    expect(stepOf({ table: 'orders', comment: HOSTILE }).sql).toBe(
      `COMMENT ON TABLE orders IS E'it''s $$ a */ comment; DROP TABLE orders; -- \\\\ done'`,
    );
  });

  it('inverse puts back `previous`; irreversible without it', () => {
    expect(undoOf({ table: 'orders', comment: 'b', previous: 'a' }).sql).toMatch(/COMMENT ON TABLE orders IS 'a'$/);
    expect(undoOf({ table: 'orders', column: 'c', comment: 'b', previous: null }).sql).toMatch(
      /COMMENT ON COLUMN orders.c IS NULL$/,
    );
    const inv = inverse('set_comment', { table: 'orders', comment: 'b' });
    expect('irreversible' in inv && inv.irreversible).toMatch(/add `previous: <the comment before>`/);
  });

  it.each([
    [{ table: 'orders', comment: '' }, /write null to remove it/],
    [{ table: 'orders', comment: 'a\0b' }, /NUL/],
    [{ table: 'orders', comment: 'a', previous: 'a' }, /`previous` is `comment` itself/],
    [{ table: 'orders' }, /comment/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSpec('set_comment', spec)).toThrow(message);
  });

  it('add_column takes a comment, set in the same transaction as ADD COLUMN', () => {
    const [step] = forward('add_column', {
      table: 'orders',
      column: { name: 'note', type: 'text', comment: HOSTILE },
    }) as SqlStep[];
    expect(step!.sql).toBe(
      `ALTER TABLE orders ADD COLUMN note text;\n` +
        `COMMENT ON COLUMN orders.note IS E'it''s $$ a */ comment; DROP TABLE orders; -- \\\\ done'`,
    );
  });
});

describe.each(engines)('set_comment on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await db.exec(`DROP TABLE IF EXISTS orders; CREATE TABLE orders (id int PRIMARY KEY, status text);
      COMMENT ON COLUMN orders.status IS 'old'`);
  });

  it('table comment: forward, probe, inverse (removes it: there was none)', async () => {
    const spec = { table: 'orders', comment: HOSTILE, previous: null };
    const step = stepOf(spec);
    expect(await probe(db, step)).toBe(false);
    await applySql(db, [step]);
    expect(await commentOf(db, 'orders')).toBe(HOSTILE);
    expect(await probe(db, step)).toBe(true);
    await applySql(db, [undoOf(spec)]);
    await applySql(db, [undoOf(spec)]);
    expect(await commentOf(db, 'orders')).toBeNull();
    expect(await db.query(`SELECT count(*)::int AS n FROM orders`)).toEqual([{ n: 0 }]);
  });

  it('column comment: removes it, then puts it back', async () => {
    const spec = { table: 'orders', column: 'status', comment: null, previous: 'old' };
    await applySql(db, [stepOf(spec)]);
    expect(await commentOf(db, 'orders', 'status')).toBeNull();
    expect(await probe(db, stepOf(spec))).toBe(true);
    await applySql(db, [undoOf(spec)]);
    expect(await commentOf(db, 'orders', 'status')).toBe('old');
  });

  it("refuses when the live comment is not `previous` (drift), or is already the plan's; rollback refuses too", async () => {
    const spec = { table: 'orders', column: 'status', comment: 'new', previous: 'older' };
    await expect(applySql(db, [stepOf(spec)])).rejects.toThrow(
      /the comment on column orders.status is old, but this step expects older before it sets new/,
    );
    await expect(applySql(db, [stepOf({ ...spec, comment: 'old', previous: 'x' })])).rejects.toThrow(
      /is already old, what this step sets/,
    );
    const ok = { ...spec, previous: 'old' };
    await applySql(db, [stepOf(ok)]);
    await db.exec(`COMMENT ON COLUMN orders.status IS 'by hand'`);
    await expect(applySql(db, [undoOf(ok)])).rejects.toThrow(/is by hand, but this step expects new/);
    expect(await commentOf(db, 'orders', 'status')).toBe('by hand');
  });

  it('add_column with a comment: the column and its comment arrive together', async () => {
    const steps = forward('add_column', { table: 'orders', column: { name: 'note', type: 'text', comment: HOSTILE } });
    await applySql(db, steps);
    expect(await commentOf(db, 'orders', 'note')).toBe(HOSTILE);
  });
});
