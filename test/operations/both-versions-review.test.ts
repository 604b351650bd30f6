/**
 * The cases a review found losing writes in the sync trigger: a later statement of the new version
 * that touches another column must not replace what it wrote in the new column, and an explicit
 * NULL is a written value when leaving the column out gives its DEFAULT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, type TestDatabase } from '../support/databases.js';
import { forward, parseSpec, runPhase } from '../support/operations.js';

async function rows(db: TestDatabase, sql: string): Promise<unknown[][]> {
  return (await db.query(sql)).map((row) => Object.values(row));
}

describe.each(engines)('sync trigger keeps every write ($name)', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(() => db.close());

  it('rename_column with up over other columns and a down that is not its inverse: a new-version value survives updates of those columns', async () => {
    await db.exec(
      'DROP TABLE IF EXISTS products; CREATE TABLE products (id int PRIMARY KEY, product text, review text)',
    );
    await db.exec("INSERT INTO products VALUES (1, 'lamp', NULL), (2, 'desk', 'fine')");
    const spec = {
      table: 'products',
      from: 'review',
      to: 'review_v2',
      type: 'text',
      up: "coalesce(review, product || ' is good')",
      down: 'upper(review_v2)',
      backfill: { key: ['id'] },
    };
    await runPhase(db, forward('rename_column', spec), 'expand');
    await db.exec("INSERT INTO products (id, product, review_v2) VALUES (3, 'chair', 'great')"); // new
    await db.exec("UPDATE products SET product = 'armchair' WHERE id = 3"); // new, another column
    await db.exec("UPDATE products SET product = 'desk lamp' WHERE id = 1"); // old row, not filled yet
    await db.exec("UPDATE products SET review = 'meh' WHERE id = 2"); // old, the old column
    await db.exec("INSERT INTO products (id, product) VALUES (4, 'stool')"); // old
    await db.exec("UPDATE products SET product = 'tall stool' WHERE id = 4"); // old, another column
    expect(await rows(db, 'SELECT id, review, review_v2 FROM products ORDER BY id')).toEqual([
      [1, null, 'desk lamp is good'],
      [2, 'meh', 'meh'],
      [3, 'GREAT', 'great'],
      [4, null, 'tall stool is good'],
    ]);
  });

  it('drop_not_null with down on a column that is nullable already is refused before its trigger exists', async () => {
    await db.exec('DROP TABLE IF EXISTS users; CREATE TABLE users (id int PRIMARY KEY, nick text)');
    const spec = { table: 'users', column: 'nick', type: 'text', down: "coalesce(nick_new, 'x')" };
    await expect(runPhase(db, forward('drop_not_null', spec), 'expand')).rejects.toThrow(/nullable already/);
    expect(await rows(db, "SELECT tgname FROM pg_trigger WHERE tgrelid = 'users'::regclass")).toEqual([]);
  });

  it('add_column with defaults on both sides: an explicit NULL is written on either side', async () => {
    await db.exec(
      "DROP TABLE IF EXISTS orders; CREATE TABLE orders (id int PRIMARY KEY, status text DEFAULT 'pending')",
    );
    const spec = {
      table: 'orders',
      column: { name: 'state', type: 'text', default: "'pending'" },
      sync_from: { column: 'status', both_ways: true, default: "'pending'::text" },
    };
    await runPhase(db, forward('add_column', spec), 'expand');
    await db.exec('INSERT INTO orders (id, status) VALUES (1, NULL)'); // old, explicit NULL
    await db.exec('INSERT INTO orders (id, state) VALUES (2, NULL)'); // new, explicit NULL
    await db.exec('INSERT INTO orders (id) VALUES (3)'); // either, both left out
    await db.exec("INSERT INTO orders (id, status) VALUES (4, 'paid')"); // old
    await db.exec("INSERT INTO orders (id, state) VALUES (5, 'shipped')"); // new
    expect(await rows(db, 'SELECT id, status, state FROM orders ORDER BY id')).toEqual([
      [1, null, null],
      [2, null, null],
      [3, 'pending', 'pending'],
      [4, 'paid', 'paid'],
      [5, 'shipped', 'shipped'],
    ]);
  });
});

describe('a volatile up where a verify step recomputes it', () => {
  const volatileUp = "review || '-' || (random() * 1000000)::integer";
  it.each([
    ['add_unique', { table: 'r', name: 'r_u', columns: ['review'], column: 'review', type: 'text', up: volatileUp }],
    ['rename_column', { table: 'r', from: 'review', to: 'note', type: 'text', up: volatileUp }],
    ['change_type', { table: 'r', column: 'review', type: 'varchar(20)', using: volatileUp }],
    ['set_not_null', { table: 'r', column: 'review', type: 'text', up: volatileUp }],
  ])('%s is refused at load, naming the function', (kind, spec) => {
    expect(() => parseSpec(kind, spec)).toThrow(/random\(\), which is volatile/);
  });
  it('add_column up (no verify step) may be volatile: a new uuid per row', () => {
    const spec = { table: 'r', column: { name: 'uid', type: 'uuid' }, up: 'gen_random_uuid()' };
    expect(() => parseSpec('add_column', spec)).not.toThrow();
  });
});
