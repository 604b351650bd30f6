import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/load.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe, sqlOf } from '../support/operations.js';

describe('drop_not_null SQL', () => {
  it('in place: one catalog change', () => {
    expect(sqlOf(forward('drop_not_null', { table: 'sales.orders', column: 'note' }))).toEqual([
      'ALTER TABLE sales.orders ALTER COLUMN note DROP NOT NULL',
    ]);
  });

  it('inverse: the NOT NULL recipe, each step undoing the drop', () => {
    const undo = inverse('drop_not_null', { table: 'orders', column: 'note' });
    if (!('steps' in undo)) throw new Error('expected reversible');
    expect(sqlOf(undo.steps)).toEqual([
      'ALTER TABLE orders ADD CONSTRAINT note_not_null CHECK (note IS NOT NULL) NOT VALID',
      'ALTER TABLE orders VALIDATE CONSTRAINT note_not_null',
      'ALTER TABLE orders ALTER COLUMN note SET NOT NULL',
      'ALTER TABLE orders DROP CONSTRAINT IF EXISTS note_not_null',
    ]);
    expect(undo.steps.map((s) => (s.kind === 'sql' ? s.undoes : undefined))).toEqual(
      Array(4).fill('drop_not_null:test'),
    );
  });

  it('with down: a shadow column, a both-ways trigger that fills the NOT NULL old column, a swap', () => {
    const steps = forward('drop_not_null', {
      table: 'orders',
      column: 'note',
      type: 'text',
      down: "coalesce(note_new, 'n/a')",
    });
    expect(steps.map((s) => `${s.phase} ${s.kind} ${s.id}`)).toEqual([
      'expand sql drop_not_null:test',
      'expand sql drop_not_null:test/sync-function',
      'expand sql drop_not_null:test/sync-trigger',
      'expand backfill drop_not_null:test/backfill',
      'migrate verify drop_not_null:test/verify',
      'migrate gate drop_not_null:test/deploy',
      'contract sql drop_not_null:test/swap',
      'contract sql drop_not_null:test/drop-sync-function',
    ]);
    const fn = sqlOf(steps)[1]!;
    expect(fn).toContain("IF NEW.note IS NULL THEN NEW.note := coalesce(NEW.note_new, 'n/a'); END IF;");
    expect(sqlOf(steps)[6]).not.toContain('SET NOT NULL');
  });
});

describe('drop_not_null, set_not_null up, drop_column down, change_type names: refused specs', () => {
  it.each([
    ['drop_not_null', { table: 't', column: 'c', type: 'text' }, /`type` belongs to drop_not_null with `down`/],
    ['drop_not_null', { table: 't', column: 'c', down: "coalesce(c_new, '')" }, /missing `type`/],
    ['set_not_null', { table: 't', column: 'c', default: "'x'" }, /`default` belongs to set_not_null with `up`/],
    ['set_not_null', { table: 't', column: 'c', up: 'c', type: 'text', check_name: 'k' }, /check_name names/],
    ['set_not_null', { table: 't', column: 'c', up: '(SELECT 1)', type: 'text' }, /subquery/],
    ['drop_column', { table: 't', column: 'c', default: "'x'" }, /without `down` it means nothing/],
    ['drop_column', { table: 't', column: 'c', down: 'x', default: 'other_column' }, /a default cannot read a column/],
    ['change_type', { table: 't', column: 'c', type: 'int', up: 'c::int', using: 'c::int' }, /same field/],
    ['change_type', { table: 't', column: 'c', type: 'int', down: 'c::text' }, /down does not read c_new/],
    ['add_column', { table: 't', column: { name: 'n', type: 'int' }, up: 'a', sync_from: 'a' }, /give one/],
  ])('%s %j', (kind, spec, message) => {
    expect(() => parseSpec(kind, spec)).toThrow(message);
  });

  it('a composite form listed outside expand is refused where it is listed', async () => {
    const yaml =
      'name: t\nphases:\n  migrate:\n    - set_not_null: { table: t, column: c, type: text, up: "coalesce(c, \'\')" }\n';
    await expect(parsePlan('plan.yaml', yaml)).rejects.toThrow(
      /spans phases from expand to contract[\s\S]*under expand/,
    );
  });
});

describe.each(engines)('drop_not_null in place on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(() => db.close());

  const nullable = async () =>
    (
      await db.query<{ attnotnull: boolean }>(
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'notes'::regclass AND attname = 'body'",
      )
    )[0]?.attnotnull === false;

  it('forward, probe, inverse on clean data', async () => {
    await db.exec('DROP TABLE IF EXISTS notes; CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)');
    const [step] = forward('drop_not_null', { table: 'notes', column: 'body' });
    if (step?.kind !== 'sql') throw new Error('expected sql');
    expect(await probe(db, step)).toBe(false);
    await applySql(db, [step]);
    expect(await nullable()).toBe(true);
    expect(await probe(db, step)).toBe(true);
    const undo = inverse('drop_not_null', { table: 'notes', column: 'body' });
    if (!('steps' in undo)) throw new Error('expected reversible');
    await applySql(db, undo.steps);
    expect(await nullable()).toBe(false);
    for (const s of undo.steps) if (s.kind === 'sql') expect(await probe(db, s), s.id).toBe(true);
  });

  it('the inverse fails at VALIDATE, naming the CHECK, when a NULL was written meanwhile', async () => {
    await db.exec('DROP TABLE IF EXISTS notes; CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)');
    await applySql(db, forward('drop_not_null', { table: 'notes', column: 'body' }));
    await db.exec('INSERT INTO notes VALUES (1, NULL)');
    const undo = inverse('drop_not_null', { table: 'notes', column: 'body' });
    if (!('steps' in undo)) throw new Error('expected reversible');
    expect(undo.steps[1]?.summary).toMatch(/fails if a NULL was written into body since/);
    await expect(applySql(db, undo.steps)).rejects.toThrow(/body_not_null/);
    expect(await nullable()).toBe(true);
  });
});
