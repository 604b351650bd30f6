/**
 * pgroll scenarios for add_column with up (S18, S19, S20), drop_column with down (S26) and rename_column (S29),
 * through the CLI on PostgreSQL 15: the OLD application version writes only the old columns, the NEW
 * one only the new columns, between start (run), rollback, and the re-run through contract.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresAdminUrl } from '../support/databases.js';
import { columnsOf, notNull, openScenario, planYaml, triggerFunctions, triggersOn, type Scenario } from './support.js';

describe.skipIf(!postgresAdminUrl)('pgroll scenarios: add, drop, rename a column', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('S18 add column with up sql and a serial pk: old writes get upper(name), rollback drops it all, the re-run backfills', async () => {
    const plan = planYaml(
      's18',
      `  expand:
    - add_column: { table: products, column: { name: description, type: varchar(255), nullable: true }, up: "upper(name)" }
  migrate:
    - backfill: { table: products, set: { description: "upper(name)" }, where: description IS NULL }
`,
    );
    s = await openScenario(
      's18',
      'CREATE TABLE products (id serial PRIMARY KEY, name varchar(255) NOT NULL UNIQUE);',
      plan,
    );
    await s.start();
    await s.exec(`INSERT INTO products (name) VALUES ('apple')`); // OLD
    await s.exec(`INSERT INTO products (name, description) VALUES ('banana', 'a yellow banana')`); // NEW
    await s.exec(`INSERT INTO products (name) VALUES ('cherry')`); // OLD
    await s.exec(`UPDATE products SET name = 'pear' WHERE id = 3`); // OLD: up runs again
    expect(await s.rows('SELECT id, name, description FROM products ORDER BY id')).toEqual([
      { id: 1, name: 'apple', description: 'APPLE' },
      { id: 2, name: 'banana', description: 'a yellow banana' },
      { id: 3, name: 'pear', description: 'PEAR' },
    ]);
    expect(await triggersOn(s, 'products')).not.toEqual([]);

    await s.rollback();
    expect(await columnsOf(s, 'products')).toEqual(['id', 'name']);
    expect(await triggersOn(s, 'products')).toEqual([]);
    expect(await triggerFunctions(s)).toEqual([]);

    await s.complete();
    expect(await s.rows('SELECT id, name, description FROM products ORDER BY id')).toEqual([
      { id: 1, name: 'apple', description: 'APPLE' },
      { id: 2, name: 'banana', description: 'BANANA' }, // "a yellow banana" went with the rollback
      { id: 3, name: 'pear', description: 'PEAR' },
    ]);
    expect(await triggersOn(s, 'products')).toEqual([]);
    expect(await triggerFunctions(s)).toEqual([]);
  });

  it('S19 add column with up sql and no primary key: the backfill walks the unique NOT NULL column', async () => {
    const plan = planYaml(
      's19',
      `  expand:
    - add_column: { table: products, column: { name: description, type: varchar(255) }, up: "upper(name)" }
  migrate:
    - backfill: { table: products, set: { description: "upper(name)" }, where: description IS NULL, key: [name] }
`,
    );
    s = await openScenario(
      's19',
      `CREATE TABLE products (id text NOT NULL, name varchar(255) NOT NULL UNIQUE);
       INSERT INTO products VALUES ('c', 'cherries');`,
      plan,
    );
    const rows = () => s!.rows('SELECT id, description FROM products ORDER BY name');
    await s.start();
    await s.exec(`INSERT INTO products (id, name) VALUES ('a', 'apple')`); // OLD
    await s.exec(`INSERT INTO products (id, name, description) VALUES ('b', 'banana', 'a yellow banana')`); // NEW
    expect(await rows()).toEqual([
      { id: 'a', description: 'APPLE' },
      { id: 'b', description: 'a yellow banana' },
      { id: 'c', description: 'CHERRIES' },
    ]);
    await s.rollback();
    await s.complete();
    expect(await rows()).toEqual([
      { id: 'a', description: 'APPLE' },
      { id: 'b', description: 'BANANA' },
      { id: 'c', description: 'CHERRIES' },
    ]);
  });

  it('S20 add not null column with no default: up fills it, NOT NULL set in migrate, rollback removes it all', async () => {
    const plan = planYaml(
      's20',
      `  expand:
    - add_column: { table: products, column: { name: description, type: varchar(255) }, up: "upper(name)" }
  migrate:
    - backfill: { table: products, set: { description: "upper(name)" }, where: description IS NULL }
    - set_not_null: { table: products, column: description }
`,
    );
    s = await openScenario(
      's20',
      'CREATE TABLE products (id serial PRIMARY KEY, name varchar(255) NOT NULL UNIQUE);',
      plan,
    );
    await s.start();
    expect(await notNull(s, 'products', 'description')).toBe(true);
    await s.exec(`INSERT INTO products (name) VALUES ('apple')`); // OLD
    // ⚠ pgroll rejects these NEW inserts (23514): here they look like OLD writes and up fills the column.
    await s.exec(`INSERT INTO products (name) VALUES ('banana')`);
    await s.exec(`INSERT INTO products (name, description) VALUES ('kiwi', NULL)`);
    expect(await s.rows('SELECT id, description FROM products ORDER BY id')).toEqual([
      { id: 1, description: 'APPLE' },
      { id: 2, description: 'BANANA' },
      { id: 3, description: 'KIWI' },
    ]);

    await s.rollback();
    expect(await columnsOf(s, 'products')).toEqual(['id', 'name']);
    expect(await triggersOn(s, 'products')).toEqual([]);
    expect(
      await s.value(`SELECT count(*)::int FROM pg_constraint WHERE conrelid = 'products'::regclass AND contype = 'c'`),
    ).toBe(0);

    await s.complete();
    await s.fails(`INSERT INTO products (name) VALUES ('orange')`, '23502');
    expect(await notNull(s, 'products', 'description')).toBe(true);
    expect(
      await s.value(`SELECT count(*)::int FROM pg_constraint WHERE conrelid = 'products'::regclass AND contype = 'c'`),
    ).toBe(0);
    expect(await s.rows('SELECT id, description FROM products ORDER BY id')).toEqual([
      { id: 1, description: 'APPLE' },
      { id: 2, description: 'BANANA' },
      { id: 3, description: 'KIWI' },
    ]);
    expect(await triggerFunctions(s)).toEqual([]);
  });

  it('S26 drop column with down: new writes leave name out and get upper(email), contract drops column and trigger', async () => {
    const plan = planYaml(
      's26',
      `  expand:
    - drop_column: { table: users, column: name, down: "upper(email)" }
`,
    );
    s = await openScenario(
      's26',
      'CREATE TABLE users (id serial PRIMARY KEY, name varchar(255) NOT NULL, email varchar(255) NOT NULL);',
      plan,
    );
    await s.start();
    expect(await columnsOf(s, 'users')).toEqual(['id', 'name', 'email']);
    await s.exec(`INSERT INTO users (email) VALUES ('foo@example.com')`); // NEW: no name, which is NOT NULL
    await s.exec(`INSERT INTO users (name, email) VALUES ('x', 'x@y')`); // OLD
    await s.exec(`UPDATE users SET email = 'bar@example.com' WHERE id = 1`); // NEW: name follows the email
    const during = [
      { id: 1, name: 'BAR@EXAMPLE.COM', email: 'bar@example.com' },
      { id: 2, name: 'x', email: 'x@y' },
    ];
    expect(await s.rows('SELECT id, name, email FROM users ORDER BY id')).toEqual(during);

    await s.rollback();
    expect(await s.rows('SELECT id, name, email FROM users ORDER BY id')).toEqual(during);
    expect(await triggersOn(s, 'users')).toEqual([]);
    expect(await triggerFunctions(s)).toEqual([]);
    await s.fails(`INSERT INTO users (email) VALUES ('late@example.com')`, '23502'); // no trigger any more

    await s.complete();
    await s.exec(`INSERT INTO users (email) VALUES ('baz@example.com')`);
    expect(await columnsOf(s, 'users')).toEqual(['id', 'email']);
    expect(await s.rows('SELECT id, email FROM users ORDER BY id')).toEqual([
      { id: 1, email: 'bar@example.com' },
      { id: 2, email: 'x@y' },
      { id: 4, email: 'baz@example.com' }, // id 3 went to the failed insert
    ]);
    expect(await triggersOn(s, 'users')).toEqual([]);
    expect(await triggerFunctions(s)).toEqual([]);
  });

  it('S29 rename column: both names written and kept in step, rollback keeps username, contract keeps name', async () => {
    const plan = planYaml(
      's29',
      `  expand:
    - rename_column: { table: users, from: username, to: name, type: varchar(255), not_null: true }
`,
    );
    s = await openScenario('s29', 'CREATE TABLE users (id serial PRIMARY KEY, username varchar(255) NOT NULL);', plan);
    await s.start();
    await s.exec(`INSERT INTO users (name) VALUES ('alice')`); // NEW
    await s.exec(`INSERT INTO users (username) VALUES ('bob')`); // OLD
    expect(await s.rows('SELECT id, username, name FROM users ORDER BY id')).toEqual([
      { id: 1, username: 'alice', name: 'alice' },
      { id: 2, username: 'bob', name: 'bob' },
    ]);
    await s.exec(`UPDATE users SET username = 'bobby' WHERE id = 2`); // OLD
    await s.exec(`UPDATE users SET name = 'al' WHERE id = 1`); // NEW
    expect(await s.rows('SELECT id, username, name FROM users ORDER BY id')).toEqual([
      { id: 1, username: 'al', name: 'al' },
      { id: 2, username: 'bobby', name: 'bobby' },
    ]);

    await s.rollback();
    expect(await columnsOf(s, 'users')).toEqual(['id', 'username']);
    expect(await s.rows('SELECT id, username FROM users ORDER BY id')).toEqual([
      { id: 1, username: 'al' },
      { id: 2, username: 'bobby' },
    ]);
    expect(await triggersOn(s, 'users')).toEqual([]);

    await s.complete();
    expect(await columnsOf(s, 'users')).toEqual(['id', 'name']);
    expect(await notNull(s, 'users', 'name')).toBe(true);
    expect(await s.rows('SELECT id, name FROM users ORDER BY id')).toEqual([
      { id: 1, name: 'al' },
      { id: 2, name: 'bobby' },
    ]);
    expect(await triggersOn(s, 'users')).toEqual([]);
    expect(await triggerFunctions(s)).toEqual([]);
  });
});
