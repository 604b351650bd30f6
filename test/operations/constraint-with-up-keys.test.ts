/**
 * add_foreign_key and add_unique with `column` + `up`: the constraint goes on a copy of the column.
 * The old version keeps writing values that violate it (a dangling reference, a duplicate), the
 * copy gets up(value); the new version writes the copy and meets the constraint; rollback leaves
 * the old column with every value; contract swaps the copy in with the constraint valid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { convalidated, forward, inverse, parseSpec, probe, runPhase } from '../support/operations.js';

async function rows(db: TestDatabase, sql: string): Promise<unknown[][]> {
  return (await db.query(sql)).map((r) => Object.values(r));
}

async function rollback(db: TestDatabase, kind: string, spec: unknown): Promise<void> {
  const undo = inverse(kind, spec);
  if (!('steps' in undo)) throw new Error('expected reversible');
  await runPhase(db, undo.steps, 'expand');
}

const fk = {
  table: 'books',
  name: 'books_author_fk',
  columns: ['author_id'],
  references: { table: 'authors', columns: ['id'] },
  column: 'author_id',
  type: 'integer',
  // A dangling reference from the old version becomes NULL in the copy.
  up: 'CASE WHEN author_known(author_id) THEN author_id END',
  backfill: { key: ['id'] },
};

const unique = {
  table: 'users',
  name: 'users_email_key',
  columns: ['email'],
  column: 'email',
  type: 'text',
  // Old-version values are made unique by their row's id; the old version reads the address back.
  up: "email || '#' || id::text",
  down: "split_part(email_new, '#', 1)",
  backfill: { key: ['id'] },
};

describe('add_foreign_key / add_unique with up: the plan', () => {
  it('puts the constraint on the copy: the foreign key NOT VALID then VALIDATE, the unique index concurrently', () => {
    const sql = (kind: string, spec: unknown) => forward(kind, spec).map((s) => ('sql' in s ? s.sql : ''));
    expect(sql('add_foreign_key', fk)).toContain(
      'ALTER TABLE books ADD CONSTRAINT books_author_fk FOREIGN KEY (author_id_new) REFERENCES authors (id) NOT VALID',
    );
    const uniqueSql = sql('add_unique', unique);
    expect(uniqueSql).toContain('CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email_new)');
    expect(uniqueSql).toContain('ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key');
  });

  it.each([
    ['add_foreign_key', { ...fk, column: 'book_id' }, /book_id is not one of the constraint's columns/],
    ['add_unique', { ...unique, column: 'name' }, /name is not one of the constraint's columns/],
    ['add_unique', { ...unique, up: undefined }, /`column` is only used with `up`/],
  ])('%s refuses %j', (kind, spec, message) => {
    expect(() => parseSpec(kind, spec)).toThrow(message);
  });
});

describe.each(engines)('add_foreign_key with up on $name', ({ create }) => {
  let db: TestDatabase;
  const steps = forward('add_foreign_key', fk);
  beforeAll(async () => {
    db = await create();
  });
  afterAll(() => db.close());

  it('old writes dangling references (copy: NULL), new writes meet the key; rollback; re-run; contract', async () => {
    await db.exec(`
      CREATE TABLE authors (id int PRIMARY KEY);
      CREATE TABLE books (id int PRIMARY KEY, author_id int);
      CREATE FUNCTION author_known(a int) RETURNS boolean LANGUAGE sql STABLE
        AS 'SELECT EXISTS (SELECT 1 FROM authors WHERE id = a)';
      INSERT INTO authors VALUES (1), (2);
      INSERT INTO books VALUES (1, 1), (2, 99);`);
    await runPhase(db, steps, 'expand');
    await db.exec('INSERT INTO books (id, author_id) VALUES (3, 77)'); // old version, dangling
    await db.exec('UPDATE books SET author_id = 2 WHERE id = 1'); // old version
    await db.exec('INSERT INTO books (id, author_id_new) VALUES (4, 1)'); // new version
    await runPhase(db, steps, 'migrate');
    expect(await convalidated(db, 'books', 'books_author_fk')).toBe(true);
    await db.exec('INSERT INTO books (id, author_id) VALUES (5, 55)'); // old version, dangling, after migrate
    await expect(db.exec('INSERT INTO books (id, author_id_new) VALUES (6, 555)')).rejects.toThrow(/books_author_fk/);
    expect(await rows(db, 'SELECT id, author_id, author_id_new FROM books ORDER BY id')).toEqual([
      [1, 2, 2],
      [2, 99, null],
      [3, 77, null],
      [4, 1, 1],
      [5, 55, null],
    ]);

    await rollback(db, 'add_foreign_key', fk);
    expect(await rows(db, 'SELECT * FROM books ORDER BY id')).toEqual([
      [1, 2],
      [2, 99],
      [3, 77],
      [4, 1],
      [5, 55],
    ]);
    expect(await convalidated(db, 'books', 'books_author_fk')).toBeUndefined();

    for (const phase of ['expand', 'migrate', 'contract'] as const) await runPhase(db, steps, phase);
    expect(await probe(db, steps.find((s) => s.id.endsWith('/swap')) as SqlStep)).toBe(true);
    expect(await convalidated(db, 'books', 'books_author_fk')).toBe(true);
    expect(await rows(db, 'SELECT * FROM books ORDER BY id')).toEqual([
      [1, 2],
      [2, null],
      [3, null],
      [4, 1],
      [5, null],
    ]);
    await expect(db.exec('INSERT INTO books VALUES (7, 77)')).rejects.toThrow(/books_author_fk/);
  });
});

describe.each(engines)('add_unique with up on $name', ({ create }) => {
  let db: TestDatabase;
  const steps = forward('add_unique', unique);
  beforeAll(async () => {
    db = await create();
  });
  afterAll(() => db.close());

  it('old writes duplicates (made unique by up), new writes the copy; rollback; re-run; contract', async () => {
    await db.exec(`
      CREATE TABLE users (id int PRIMARY KEY, email text);
      INSERT INTO users VALUES (1, 'a@x'), (2, 'a@x');`);
    await runPhase(db, steps, 'expand');
    await db.exec("INSERT INTO users (id, email) VALUES (3, 'a@x')"); // old version, a duplicate
    await runPhase(db, steps, 'migrate');
    expect(await rows(db, "SELECT contype FROM pg_constraint WHERE conname = 'users_email_key'")).toEqual([['u']]);
    // After the gate the new version writes the copy; the old version keeps writing duplicates.
    await db.exec("INSERT INTO users (id, email_new) VALUES (4, 'b@x')");
    await db.exec("UPDATE users SET email = 'a@x' WHERE id = 4"); // old version
    await expect(db.exec("INSERT INTO users (id, email_new) VALUES (5, 'a@x#1')")).rejects.toThrow(/users_email_key/);
    // The inherent limit: an old-version write that up maps onto a value the new version wrote fails.
    await db.exec("INSERT INTO users (id, email_new) VALUES (6, 'c@x#7')");
    await expect(db.exec("INSERT INTO users (id, email) VALUES (7, 'c@x')")).rejects.toThrow(/users_email_key/);
    expect(await rows(db, 'SELECT id, email, email_new FROM users ORDER BY id')).toEqual([
      [1, 'a@x', 'a@x#1'],
      [2, 'a@x', 'a@x#2'],
      [3, 'a@x', 'a@x#3'],
      [4, 'a@x', 'a@x#4'],
      [6, 'c@x', 'c@x#7'],
    ]);

    await rollback(db, 'add_unique', unique);
    expect(await rows(db, 'SELECT * FROM users ORDER BY id')).toEqual([
      [1, 'a@x'],
      [2, 'a@x'],
      [3, 'a@x'],
      [4, 'a@x'],
      [6, 'c@x'],
    ]);
    expect(await rows(db, "SELECT 1 FROM pg_class WHERE relname = 'users_email_key'")).toEqual([]);

    for (const phase of ['expand', 'migrate', 'contract'] as const) await runPhase(db, steps, phase);
    expect(await rows(db, 'SELECT * FROM users ORDER BY id')).toEqual([
      [1, 'a@x#1'],
      [2, 'a@x#2'],
      [3, 'a@x#3'],
      [4, 'a@x#4'],
      [6, 'c@x#6'],
    ]);
    expect(await rows(db, "SELECT contype FROM pg_constraint WHERE conname = 'users_email_key'")).toEqual([['u']]);
    await expect(db.exec("INSERT INTO users VALUES (8, 'a@x#1')")).rejects.toThrow(/users_email_key/);
  });
});
