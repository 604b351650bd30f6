import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { defaultOf } from '../support/meta.js';
import { applySql, forward, inverse, parseSpec, probe } from '../support/operations.js';

const stepOf = (spec: unknown) => forward('set_default', spec)[0] as SqlStep;
const undoOf = (spec: unknown): SqlStep => {
  const inv = inverse('set_default', spec);
  if (!('steps' in inv)) throw new Error(inv.irreversible);
  return inv.steps[0] as SqlStep;
};

describe('set_default SQL', () => {
  it('without `previous`: one ALTER, ACCESS EXCLUSIVE for an instant, a change of the column', () => {
    const step = stepOf({ table: 'sales.orders', column: 'Status', default: "'pending'" });
    expect(step.sql).toBe(`ALTER TABLE sales.orders ALTER COLUMN "Status" SET DEFAULT 'pending'`);
    expect([step.lock.level, step.lock.impact, step.lock.on, step.transactional]).toEqual([
      'ACCESS EXCLUSIVE',
      'blocks-all',
      ['sales.orders'],
      true,
    ]);
    expect(step.effect).toEqual({
      does: 'change',
      object: { kind: 'column', table: 'sales.orders', name: 'Status', default: "'pending'" },
    });
  });

  it('with `previous`: the drift guard runs first, in the same transaction', () => {
    const step = stepOf({ table: 'orders', column: 'status', default: "'pending'", previous: "'new'" });
    const [guard, statement] = step.sql.split('$schemashift$;\n');
    expect(guard).toMatch(/^DO \$schemashift\$/);
    expect(guard).toContain(`ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';`);
    expect(statement).toBe(`ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending'`);
  });

  it('inverse puts `previous` back, or drops the default when there was none; irreversible without it', () => {
    expect(undoOf({ table: 'orders', column: 'status', default: 'now()', previous: null }).sql).toMatch(
      /ALTER TABLE orders ALTER COLUMN status DROP DEFAULT$/,
    );
    const back = undoOf({ table: 'orders', column: 'status', default: "'b'", previous: "'a'" });
    expect(back.undoes).toBe('set_default:test');
    expect(back.sql).toMatch(/SET DEFAULT 'a'$/);
    const inv = inverse('set_default', { table: 'orders', column: 'status', default: "'b'" });
    expect('irreversible' in inv && inv.irreversible).toMatch(/add `previous: <the default before>`/);
  });

  it.each([
    [{ table: 'orders', column: 'status', default: "'a'); DROP TABLE orders; --" }, /expression/],
    [{ table: 'orders', column: 'status', default: '1; DROP TABLE orders' }, /expression/],
    [{ table: 'orders', column: 'status', default: "'a'", previous: "'a'" }, /`previous` is `default` itself/],
    [{ table: 'orders', column: 'status' }, /default/],
    [{ table: 'orders', column: 'status', default: ' null ' }, /use drop_default/],
    [{ table: 'orders', column: 'status', default: "'a'", extra: 1 }, /extra/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSpec('set_default', spec)).toThrow(message);
  });
});

describe.each(engines)('set_default on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await db.exec(`DROP TABLE IF EXISTS orders; CREATE TABLE orders (id int PRIMARY KEY, status varchar(20) DEFAULT 'new',
      created timestamptz, note text)`);
  });

  const spec = { table: 'orders', column: 'status', default: "'pending'", previous: "'new'" };

  it('forward sets it (new rows get it, existing rows keep theirs); probe; inverse puts back the previous one', async () => {
    await db.exec(`INSERT INTO orders (id) VALUES (1)`);
    const step = stepOf(spec);
    expect(await probe(db, step)).toBe(false);
    await applySql(db, [step]);
    expect(await defaultOf(db, 'orders', 'status')).toBe("'pending'::character varying");
    expect(await probe(db, step)).toBe(true);
    await db.exec(`INSERT INTO orders (id) VALUES (2)`);
    expect(await db.query(`SELECT id, status FROM orders ORDER BY id`)).toEqual([
      { id: 1, status: 'new' },
      { id: 2, status: 'pending' },
    ]);
    const undo = undoOf(spec);
    expect(await probe(db, undo)).toBe(false);
    await applySql(db, [undo]);
    expect(await probe(db, undo)).toBe(true);
    expect(await defaultOf(db, 'orders', 'status')).toBe("'new'::character varying");
    // A rollback killed after its undo committed runs the undo again: it finds its own effect and passes.
    await applySql(db, [undo]);
    expect(await defaultOf(db, 'orders', 'status')).toBe("'new'::character varying");
  });

  it('the probe: a default printed as the plan wrote it (or cast to the column type) is done; another is not', async () => {
    await db.exec(`ALTER TABLE orders ALTER COLUMN note SET DEFAULT 'pending'`);
    expect(await probe(db, stepOf({ table: 'orders', column: 'note', default: "'pending'" }))).toBe(true);
    expect(await probe(db, stepOf({ table: 'orders', column: 'note', default: "'pend'" }))).toBe(false);
    expect(await probe(db, stepOf({ table: 'orders', column: 'status', default: "'pending'" }))).toBe(false);
    await db.exec(`ALTER TABLE orders ALTER COLUMN note SET DEFAULT 1 + 1`);
    expect(await probe(db, stepOf({ table: 'orders', column: 'note', default: '(1 + 1)' }))).toBe(true);
  });

  it('the probe reads a default printed exactly as the plan wrote it as done', async () => {
    const step = stepOf({ table: 'orders', column: 'created', default: 'now()', previous: null });
    expect(await probe(db, step)).toBe(false);
    await applySql(db, [step]);
    expect(await defaultOf(db, 'orders', 'created')).toBe('now()');
    expect(await probe(db, step)).toBe(true);
    await applySql(db, [undoOf({ table: 'orders', column: 'created', default: 'now()', previous: null })]);
    expect(await defaultOf(db, 'orders', 'created')).toBeNull();
  });

  it('refuses (and changes nothing) when the live default is not `previous`: drift', async () => {
    await db.exec(`ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'someone else'`);
    await expect(applySql(db, [stepOf(spec)])).rejects.toThrow(
      /the default of orders.status is 'someone else'::character varying, but this step expects 'new'::character varying before it sets 'pending'::character varying/,
    );
    expect(await defaultOf(db, 'orders', 'status')).toBe("'someone else'::character varying");
  });

  it("refuses on a first attempt when the default is already the plan's: not this plan's change", async () => {
    await db.exec(`ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending'`);
    await expect(applySql(db, [stepOf(spec)])).rejects.toThrow(/is already 'pending'::character varying/);
  });

  it('rollback refuses to overwrite a default someone changed after the plan set it', async () => {
    await applySql(db, [stepOf(spec)]);
    await db.exec(`ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'later'`);
    await expect(applySql(db, [undoOf(spec)])).rejects.toThrow(/is 'later'::character varying, but this step expects/);
    expect(await defaultOf(db, 'orders', 'status')).toBe("'later'::character varying");
  });

  it('compares as the server reads both: casts and spacing the plan leaves out do not count as drift', async () => {
    await db.exec(`ALTER TABLE orders ALTER COLUMN note SET DEFAULT ('a' || 'b')`);
    const step = stepOf({ table: 'orders', column: 'note', default: "'c'", previous: "'a'||'b'" });
    await applySql(db, [step]);
    expect(await defaultOf(db, 'orders', 'note')).toBe("'c'::text");
  });

  it('a hostile default stays one expression: quotes, $$, */ and ; are literal text', async () => {
    const hostile = `'it''s $$ */ ; DROP TABLE orders; --'`;
    const step = stepOf({ table: 'orders', column: 'note', default: hostile, previous: null });
    await applySql(db, [step]);
    await db.exec(`INSERT INTO orders (id) VALUES (3)`);
    expect(await db.query(`SELECT note FROM orders WHERE id = 3`)).toEqual([
      { note: `it's $$ */ ; DROP TABLE orders; --` },
    ]);
  });
});
