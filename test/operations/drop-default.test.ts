import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { defaultOf } from '../support/meta.js';
import { applySql, forward, inverse, parseSpec, probe } from '../support/operations.js';

const stepOf = (spec: unknown) => forward('drop_default', spec)[0] as SqlStep;
const undoOf = (spec: unknown): SqlStep => {
  const inv = inverse('drop_default', spec);
  if (!('steps' in inv)) throw new Error(inv.irreversible);
  return inv.steps[0] as SqlStep;
};

describe('drop_default SQL', () => {
  it('without `default`: one ALTER under ACCESS EXCLUSIVE; the inverse is irreversible and says what to add', () => {
    const step = stepOf({ table: 'orders', column: 'order' });
    expect(step.sql).toBe('ALTER TABLE orders ALTER COLUMN "order" DROP DEFAULT');
    expect([step.lock.level, step.transactional, step.effect?.does]).toEqual(['ACCESS EXCLUSIVE', true, 'change']);
    const inv = inverse('drop_default', { table: 'orders', column: 'order' });
    expect('irreversible' in inv && inv.irreversible).toMatch(/add `default: <the default being dropped>`/);
  });

  it('with `default`: guarded, and undone by setting it again', () => {
    const spec = { table: 'orders', column: 'status', default: "'new'" };
    expect(stepOf(spec).sql).toMatch(/^DO \$schemashift\$[\s\S]*ALTER TABLE orders ALTER COLUMN status DROP DEFAULT$/);
    const undo = undoOf(spec);
    expect(undo.undoes).toBe('drop_default:test');
    expect(undo.sql).toMatch(/ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new'$/);
  });

  it.each([
    [{ table: 'orders', column: 'status', default: "'a'; DROP TABLE orders" }, /expression/],
    [{ table: 'orders', column: 'x y' }, /not a valid identifier/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSpec('drop_default', spec)).toThrow(message);
  });
});

describe.each(engines)('drop_default on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await db.exec(`DROP TABLE IF EXISTS orders; CREATE TABLE orders (id int PRIMARY KEY, status text DEFAULT 'new')`);
  });
  const spec = { table: 'orders', column: 'status', default: "'new'" };

  it('forward drops it (probe: no default), inverse sets it back, a re-run undo passes', async () => {
    const step = stepOf(spec);
    expect(await probe(db, step)).toBe(false);
    await applySql(db, [step]);
    expect(await defaultOf(db, 'orders', 'status')).toBeNull();
    expect(await probe(db, step)).toBe(true);
    await db.exec(`INSERT INTO orders (id) VALUES (1)`);
    expect(await db.query(`SELECT status FROM orders`)).toEqual([{ status: null }]);
    await applySql(db, [undoOf(spec)]);
    await applySql(db, [undoOf(spec)]);
    expect(await defaultOf(db, 'orders', 'status')).toBe("'new'::text");
  });

  it("refuses to drop a default other than the plan's (drift), and changes nothing", async () => {
    await db.exec(`ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'other'`);
    await expect(applySql(db, [stepOf(spec)])).rejects.toThrow(
      /the default of orders.status is 'other'::text, but this step expects 'new'::text before it sets none/,
    );
    expect(await defaultOf(db, 'orders', 'status')).toBe("'other'::text");
  });

  it('rollback refuses to overwrite a default set after the plan dropped it', async () => {
    await applySql(db, [stepOf(spec)]);
    await db.exec(`ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'mine'`);
    await expect(applySql(db, [undoOf(spec)])).rejects.toThrow(/is 'mine'::text, but this step expects none/);
    expect(await defaultOf(db, 'orders', 'status')).toBe("'mine'::text");
  });
});
