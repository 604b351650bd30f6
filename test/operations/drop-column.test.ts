import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOperation } from '../../src/operations/index.js';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe, sqlOf } from '../support/operations.js';

describe('drop_column SQL', () => {
  it.each([
    [{ table: 'orders', column: 'client_id' }, 'ALTER TABLE orders DROP COLUMN IF EXISTS client_id'],
    [
      { table: 'sales.orders', column: 'Status', cascade: true },
      'ALTER TABLE sales.orders DROP COLUMN IF EXISTS "Status" CASCADE',
    ],
    [{ table: 'user', column: 'order', cascade: false }, 'ALTER TABLE "user" DROP COLUMN IF EXISTS "order"'],
  ])('%j', (spec, sql) => {
    const steps = forward('drop_column', spec, 'contract');
    expect(sqlOf(steps)).toEqual([sql]);
    const step = steps[0] as SqlStep;
    expect(step).toMatchObject({
      id: 'drop_column:test',
      phase: 'contract',
      lock: { level: 'ACCESS EXCLUSIVE', on: [spec.table] },
      transactional: true,
    });
    expect(step.probe).toMatch(/NOT EXISTS/);
  });

  it('may be listed in any phase (the destructive-outside-contract lint rule guards it), and cannot be undone', () => {
    expect(findOperation('drop_column')?.allowedPhases).toEqual(['expand', 'migrate', 'contract']);
    const undo = inverse('drop_column', { table: 'orders', column: 'client_id' }, 'contract');
    expect(undo).toEqual({ irreversible: expect.stringMatching(/orders\.client_id.*data is gone/) });
  });

  it.each([
    [{ table: 'orders', column: 'client id' }, /not a valid identifier/],
    [{ table: 'a.b.c', column: 'x' }, /not a valid table name/],
    [{ table: 'orders', column: '1x' }, /not a valid identifier/],
    [{ table: 'orders', column: 'x', cascde: true }, /cascde/],
    [{ table: 'orders', column: 'x', cascade: 'yes' }, /boolean/],
    [{ table: 'orders' }, /column/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSpec('drop_column', spec)).toThrow(message);
  });
});

describe.each(engines)('drop_column on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
    await db.exec('CREATE SCHEMA sales');
  });
  afterAll(() => db.close());

  it('drops a quoted column of a schema-qualified table; the probe flips; a re-run is harmless', async () => {
    await db.exec(
      'CREATE TABLE sales.orders (id int PRIMARY KEY, "Status" text, client_id int); INSERT INTO sales.orders VALUES (1, \'new\', 10)',
    );
    const spec = { table: 'sales.orders', column: 'Status' };
    const [step] = forward('drop_column', spec, 'contract') as SqlStep[];
    expect(await probe(db, step!)).toBe(false);
    await applySql(db, [step!]);
    expect(await probe(db, step!)).toBe(true);
    const cols = await db.query<{ attname: string }>(
      "SELECT attname FROM pg_attribute WHERE attrelid = 'sales.orders'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
    );
    expect(cols.map((c) => c.attname)).toEqual(['id', 'client_id']);
    await applySql(db, [step!]);
  });

  it('refuses to drop a column a view uses unless cascade is asked for', async () => {
    await db.exec('CREATE TABLE legacy (id int, note text); CREATE VIEW legacy_notes AS SELECT note FROM legacy');
    await expect(
      applySql(db, forward('drop_column', { table: 'legacy', column: 'note' }, 'contract')),
    ).rejects.toMatchObject({ code: '2BP01' });
    const steps = forward('drop_column', { table: 'legacy', column: 'note', cascade: true }, 'contract');
    await applySql(db, steps);
    expect(await probe(db, steps[0] as SqlStep)).toBe(true);
    expect(await db.query("SELECT to_regclass('legacy_notes') IS NULL AS gone")).toEqual([{ gone: true }]);
  });
});
