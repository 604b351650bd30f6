/**
 * pgroll scenarios for add_column with a default and comment (S17, S21), with a foreign key (S23) or a check (S24): pgroll's add_column takes
 * `references` / `check`; schemashift writes them as a second operation (add_foreign_key / add_check)
 * in the same plan. Through the CLI on PostgreSQL 15.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresAdminUrl } from '../support/databases.js';
import { columnsOf, constraintsOf, openScenario, planYaml, type Scenario } from './support.js';

describe.skipIf(!postgresAdminUrl)('pgroll scenarios: add a column with a constraint', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('S23 add foreign key column with ON DELETE CASCADE (add_column + add_foreign_key)', async () => {
    const plan = planYaml(
      's23',
      `  expand:
    - add_column: { table: orders, column: { name: user_id, type: integer, nullable: true } }
    - add_foreign_key: { table: orders, name: fk_users_id, columns: [user_id], references: { table: users, columns: [id] }, on_delete: cascade }
`,
    );
    s = await openScenario(
      's23',
      `CREATE TABLE users (id serial PRIMARY KEY, name varchar(255) NOT NULL UNIQUE);
       CREATE TABLE orders (id serial PRIMARY KEY, quantity integer NOT NULL);`,
      plan,
    );
    const fk = () =>
      s!.rows(
        `SELECT convalidated, confdeltype::text AS del, confupdtype::text AS upd FROM pg_constraint WHERE conname = 'fk_users_id'`,
      );
    await s.start();
    expect(await fk()).toEqual([{ convalidated: true, del: 'c', upd: 'a' }]);
    await s.exec(`INSERT INTO users (name) VALUES ('alice')`); // OLD
    await s.exec('INSERT INTO orders (user_id, quantity) VALUES (1, 100)'); // NEW
    await s.fails('INSERT INTO orders (user_id, quantity) VALUES (2, 200)', '23503'); // NEW
    await s.exec('INSERT INTO orders (quantity) VALUES (50)'); // OLD: no user_id
    await s.exec(`DELETE FROM users WHERE name = 'alice'`);
    expect(await s.rows('SELECT id, user_id FROM orders ORDER BY id')).toEqual([{ id: 3, user_id: null }]);

    await s.rollback();
    expect(await columnsOf(s, 'orders')).toEqual(['id', 'quantity']);
    expect(await fk()).toEqual([]);

    await s.complete();
    expect(await fk()).toEqual([{ convalidated: true, del: 'c', upd: 'a' }]);
    await s.exec(`INSERT INTO users (name) VALUES ('bob')`);
    await s.exec('INSERT INTO orders (user_id, quantity) VALUES (2, 200)');
    await s.fails('INSERT INTO orders (user_id, quantity) VALUES (3, 300)', '23503');
    await s.exec(`DELETE FROM users WHERE name = 'bob'`);
    expect(await s.rows('SELECT id, user_id, quantity FROM orders ORDER BY id')).toEqual([
      { id: 3, user_id: null, quantity: 50 },
    ]);
  });

  it('S24 add column with a check constraint (add_column + add_check)', async () => {
    const plan = planYaml(
      's24',
      `  expand:
    - add_column: { table: users, column: { name: age, type: integer, nullable: false, default: "18" } }
    - add_check: { table: users, name: age_check, expression: "age >= 18" }
`,
    );
    s = await openScenario(
      's24',
      'CREATE TABLE users (id serial PRIMARY KEY, name varchar(255) NOT NULL UNIQUE);',
      plan,
    );
    await s.start();
    await s.exec(`INSERT INTO users (name, age) VALUES ('alice', 30)`); // NEW
    await s.fails(`INSERT INTO users (name, age) VALUES ('bob', 3)`, '23514'); // NEW
    await s.exec(`INSERT INTO users (name) VALUES ('otto')`); // OLD: the default
    await s.rollback();
    expect(await columnsOf(s, 'users')).toEqual(['id', 'name']);
    expect(await constraintsOf(s, 'users')).not.toHaveProperty('age_check');

    await s.complete();
    await s.exec(`INSERT INTO users (name, age) VALUES ('carl', 30)`);
    await s.fails(`INSERT INTO users (name, age) VALUES ('dana', 3)`, '23514');
    expect(await s.rows('SELECT name, age FROM users ORDER BY id')).toEqual([
      { name: 'alice', age: 18 }, // alice's 30 went with the rollback: the re-added column has its default
      { name: 'otto', age: 18 },
      { name: 'carl', age: 30 },
    ]);
    expect((await constraintsOf(s, 'users')).age_check).toEqual({ type: 'c', validated: true, columns: ['age'] });
  });

  it('S17 add column with a default and a comment: the re-run after rollback gives every row the default', async () => {
    const plan = planYaml(
      's17',
      `  expand:
    - add_column: { table: users, column: { name: age, type: integer, nullable: false, default: "0", comment: the age of the user } }
`,
    );
    s = await openScenario(
      's17',
      'CREATE TABLE users (id serial PRIMARY KEY, name varchar(255) NOT NULL UNIQUE);',
      plan,
    );
    const comment = () =>
      s!.value(
        `SELECT col_description(attrelid, attnum) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'age'`,
      );
    await s.start();
    expect(await comment()).toBe('the age of the user');
    await s.exec(`INSERT INTO users (name) VALUES ('Alice')`); // OLD
    await s.exec(`INSERT INTO users (name, age) VALUES ('Bob', 21)`); // NEW
    expect(await s.rows('SELECT id, name, age FROM users ORDER BY id')).toEqual([
      { id: 1, name: 'Alice', age: 0 },
      { id: 2, name: 'Bob', age: 21 },
    ]);
    await s.rollback();
    expect(await columnsOf(s, 'users')).toEqual(['id', 'name']);
    await s.complete();
    await s.exec(`INSERT INTO users (name, age) VALUES ('Carl', 31)`); // NEW
    expect(await s.rows('SELECT id, name, age FROM users ORDER BY id')).toEqual([
      { id: 1, name: 'Alice', age: 0 },
      { id: 2, name: 'Bob', age: 0 }, // 21 went with the rollback
      { id: 3, name: 'Carl', age: 31 },
    ]);
    expect(await comment()).toBe('the age of the user');
  });

  it('S21 add not null column with a non-volatile default: NULL refused at once for the new version', async () => {
    const plan = planYaml(
      's21',
      `  expand:\n    - add_column: { table: users, column: { name: age, type: integer, nullable: false, default: "0" } }\n`,
    );
    s = await openScenario('s21', 'CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);', plan);
    await s.start();
    await s.exec(`INSERT INTO users (id, name) VALUES (1, 'alice')`); // OLD
    await s.exec(`INSERT INTO users (id, name, age) VALUES (2, 'bob', 21)`); // NEW
    await s.fails(`INSERT INTO users (id, name, age) VALUES (3, 'carl', NULL)`, '23502'); // NEW
    await s.rollback();
    await s.complete();
    await s.exec(`INSERT INTO users (id, name, age) VALUES (3, 'dana', 31)`);
    await s.exec(`INSERT INTO users (id, name) VALUES (4, 'earl')`);
    await s.fails(`INSERT INTO users (id, name, age) VALUES (5, 'frankie', NULL)`, '23502');
    expect(await s.rows('SELECT id, age FROM users ORDER BY id')).toEqual([
      { id: 1, age: 0 },
      { id: 2, age: 0 },
      { id: 3, age: 31 },
      { id: 4, age: 0 },
    ]);
  });
});
