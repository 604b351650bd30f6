/**
 * pgroll scenarios for the in-place metadata operations: set_default (S40), drop_default (S42),
 * set_comment (S44), set_replica_identity (S60), drop_constraint (S68–S71), rename_constraint (S72),
 * through the CLI on PostgreSQL 15. pgroll gives each version its own default/comment through a shadow
 * column; schemashift changes the one column in place, so both versions see the change at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresAdminUrl } from '../support/databases.js';
import { constraintsOf, openScenario, planYaml, relkind, type Scenario } from './support.js';

describe.skipIf(!postgresAdminUrl)('pgroll scenarios: table metadata', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });
  const defaultOf = () =>
    s!.value<string | null>(
      `SELECT (SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'users'::regclass AND adnum = 2)`,
    );
  const names = () => s!.rows('SELECT id, name FROM users ORDER BY id');

  it('S40 set column default (in expand): both versions get it at once, rollback drops it again', async () => {
    const plan = planYaml(
      's40',
      `  expand:\n    - set_default: { table: users, column: name, default: "'unknown user'", previous: null }\n`,
    );
    s = await openScenario('s40', 'CREATE TABLE users (id serial PRIMARY KEY, name text NULL);', plan);
    await s.start();
    await s.exec('INSERT INTO users (id) VALUES (1)'); // NEW
    await s.exec('INSERT INTO users (id) VALUES (2)'); // OLD: ⚠ pgroll's old version keeps no default (NULL)
    await s.rollback();
    expect(await defaultOf()).toBeNull();
    await s.exec('INSERT INTO users (id) VALUES (3)'); // OLD
    await s.complete();
    await s.exec('INSERT INTO users (id) VALUES (4)'); // NEW
    expect(await names()).toEqual([
      { id: 1, name: 'unknown user' },
      { id: 2, name: 'unknown user' },
      { id: 3, name: null },
      { id: 4, name: 'unknown user' },
    ]);
    expect(await defaultOf()).toBe(`'unknown user'::text`);
  });

  it('S42 remove the default (in expand): both versions lose it at once, rollback puts it back', async () => {
    const plan = planYaml(
      's42',
      `  expand:\n    - drop_default: { table: users, column: name, default: "'unknown user'" }\n`,
    );
    s = await openScenario(
      's42',
      `CREATE TABLE users (id serial PRIMARY KEY, name text NULL DEFAULT 'unknown user');`,
      plan,
    );
    await s.start();
    await s.exec('INSERT INTO users (id) VALUES (1)'); // NEW
    await s.exec('INSERT INTO users (id) VALUES (2)'); // OLD: ⚠ pgroll's old version keeps 'unknown user'
    await s.rollback();
    expect(await defaultOf()).toBe(`'unknown user'::text`);
    await s.exec('INSERT INTO users (id) VALUES (3)'); // OLD
    await s.complete();
    await s.exec('INSERT INTO users (id) VALUES (4)'); // NEW
    expect(await names()).toEqual([
      { id: 1, name: null },
      { id: 2, name: null },
      { id: 3, name: 'unknown user' },
      { id: 4, name: null },
    ]);
    expect(await defaultOf()).toBeNull();
  });

  it('S44 set column comment (in contract, as pgroll at complete), then to NULL by a second plan', async () => {
    const plan = planYaml(
      's44',
      `  contract:\n    - set_comment: { table: users, column: name, comment: name of the user, previous: apples }\n`,
    );
    s = await openScenario(
      's44',
      `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL); COMMENT ON COLUMN users.name IS 'apples';`,
      plan,
    );
    const comment = () => s!.value<string | null>(`SELECT col_description('users'::regclass, 2)`);
    await s.start();
    await s.exec(`INSERT INTO users (name) VALUES ('alice')`); // NEW
    await s.exec(`INSERT INTO users (name) VALUES ('bob')`); // OLD
    expect(await comment()).toBe('apples');
    await s.rollback();
    expect(await comment()).toBe('apples');
    await s.complete();
    expect(await comment()).toBe('name of the user');
    expect(await names()).toEqual([
      { id: 1, name: 'alice' },
      { id: 2, name: 'bob' },
    ]);

    s.setPlan(
      planYaml(
        's44-null',
        `  contract:\n    - set_comment: { table: users, column: name, comment: null, previous: name of the user }\n`,
      ),
    );
    await s.complete();
    expect(await comment()).toBeNull();
  });

  it('S60 set replica identity to FULL, then USING INDEX: applied in expand, rollback restores `previous`', async () => {
    s = await openScenario(
      's60',
      'CREATE TABLE users (id serial PRIMARY KEY, name varchar(255) NOT NULL);',
      planYaml('s60', `  expand:\n    - set_replica_identity: { table: users, identity: full, previous: default }\n`),
    );
    const identity = () =>
      s!.rows(
        `SELECT relreplident::text AS r,
                (SELECT indisreplident FROM pg_index WHERE indexrelid = 'users_pkey'::regclass) AS pk
           FROM pg_class WHERE oid = 'users'::regclass`,
      );
    await s.start();
    expect(await identity()).toEqual([{ r: 'f', pk: false }]);
    // ⚠ pgroll's rollback leaves the identity as it is; schemashift puts back `previous`.
    await s.rollback();
    expect(await identity()).toEqual([{ r: 'd', pk: false }]);
    await s.complete();
    expect(await identity()).toEqual([{ r: 'f', pk: false }]);

    s.setPlan(
      planYaml(
        's60-index',
        `  expand:\n    - set_replica_identity: { table: users, identity: index, index: users_pkey, previous: full }\n`,
      ),
    );
    await s.start();
    expect(await identity()).toEqual([{ r: 'i', pk: true }]);
    await s.rollback();
    expect(await identity()).toEqual([{ r: 'f', pk: false }]);
    await s.complete();
    expect(await identity()).toEqual([{ r: 'i', pk: true }]);
  });

  it('S69 drop foreign key constraint (contract, in place): it binds both versions until contract', async () => {
    const plan = planYaml(
      's69',
      `  contract:\n    - drop_constraint: { table: posts, name: fk_users_id, references: users }\n`,
    );
    s = await openScenario(
      's69',
      `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);
       CREATE TABLE posts (id serial PRIMARY KEY, title text NOT NULL,
                           user_id integer NULL CONSTRAINT fk_users_id REFERENCES users (id));`,
      plan,
    );
    await s.start();
    await s.exec(`INSERT INTO users (name) VALUES ('alice'), ('bob')`);
    await s.exec(`INSERT INTO posts (title, user_id) VALUES ('post by alice', 1)`); // NEW
    // ⚠ pgroll's new version writes a shadow copy without the FK at once; here the FK holds until contract.
    await s.fails(`INSERT INTO posts (title, user_id) VALUES ('post by unknown user', 3)`, '23503'); // NEW
    await s.exec(`INSERT INTO posts (title, user_id) VALUES ('post by bob', 2)`); // OLD
    await s.fails(`INSERT INTO posts (title, user_id) VALUES ('post by unknown user', 3)`, '23503'); // OLD
    await s.rollback();
    expect(await constraintsOf(s, 'posts')).toHaveProperty('fk_users_id');
    await s.complete();
    expect(await constraintsOf(s, 'posts')).not.toHaveProperty('fk_users_id');
    await s.exec(`INSERT INTO posts (title, user_id) VALUES ('another post by an unknown user', 4)`); // NEW
    expect(await s.rows('SELECT id, user_id FROM posts ORDER BY id')).toEqual([
      { id: 1, user_id: 1 },
      { id: 3, user_id: 2 },
      { id: 5, user_id: 4 },
    ]);
  });

  it('S72 rename constraint (contract, as pgroll at complete): the check holds under both names', async () => {
    const plan = planYaml(
      's72',
      `  contract:\n    - rename_constraint: { table: users, from: users_check, to: users_check_username_length }\n`,
    );
    s = await openScenario(
      's72',
      `CREATE TABLE users (id serial PRIMARY KEY, username text NOT NULL,
                           CONSTRAINT users_check CHECK (length(username) > 2));`,
      plan,
    );
    const checks = async () =>
      Object.entries(await constraintsOf(s!, 'users'))
        .filter(([, c]) => c.type === 'c')
        .map(([n]) => n);
    await s.start();
    expect(await checks()).toEqual(['users_check']);
    await s.fails(`INSERT INTO users (username) VALUES ('a')`, '23514');
    await s.rollback();
    expect(await checks()).toEqual(['users_check']);
    await s.complete();
    expect(await checks()).toEqual(['users_check_username_length']);
    await s.fails(`INSERT INTO users (username) VALUES ('a')`, '23514');
  });

  it('S68 drop check constraint (contract, in place): the check binds both versions until contract', async () => {
    const plan = planYaml('s68', `  contract:\n    - drop_constraint: { table: posts, name: check_title_length }\n`);
    s = await openScenario(
      's68',
      `CREATE TABLE posts (id serial PRIMARY KEY, title text NOT NULL, CONSTRAINT check_title_length CHECK (length(title) > 3));`,
      plan,
    );
    await s.start();
    await s.exec(`INSERT INTO posts (title) VALUES ('post by alice')`); // OLD
    await s.fails(`INSERT INTO posts (title) VALUES ('b')`, '23514'); // OLD
    await s.exec(`INSERT INTO posts (title) VALUES ('post by carl')`); // NEW
    // ⚠ pgroll's new version writes a copy without the check (old sees ---d through down); here 23514 until contract.
    await s.fails(`INSERT INTO posts (title) VALUES ('d')`, '23514'); // NEW
    await s.rollback();
    expect(await constraintsOf(s, 'posts')).toHaveProperty('check_title_length');
    await s.complete();
    expect(await constraintsOf(s, 'posts')).not.toHaveProperty('check_title_length');
    await s.exec(`INSERT INTO posts (title) VALUES ('e')`); // NEW
    expect(await s.rows('SELECT id, title FROM posts ORDER BY id')).toEqual([
      { id: 1, title: 'post by alice' },
      { id: 3, title: 'post by carl' },
      { id: 5, title: 'e' },
    ]);
  });

  it('S70 drop unique constraint (contract, in place): default, check, NOT NULL and comment of the column stay', async () => {
    const plan = planYaml('s70', `  contract:\n    - drop_constraint: { table: users, name: users_name_key }\n`);
    s = await openScenario(
      's70',
      `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL UNIQUE DEFAULT 'anon' CHECK (length(name) > 2));
       COMMENT ON COLUMN users.name IS 'the name';`,
      plan,
    );
    await s.start();
    await s.exec(`INSERT INTO users (name) VALUES ('alice')`); // OLD
    await s.fails(`INSERT INTO users (name) VALUES ('alice')`, '23505'); // OLD
    // ⚠ pgroll's new version may write a duplicate at once (old gets alice-<n> through down); here 23505.
    await s.fails(`INSERT INTO users (name) VALUES ('alice')`, '23505'); // NEW
    await s.rollback();
    expect(await relkind(s, 'users_name_key')).toBe('i');
    await s.complete();
    await s.exec(`INSERT INTO users (name) VALUES ('alice')`); // NEW
    expect(await relkind(s, 'users_name_key')).toBeNull();
    expect(await s.value('SELECT count(*)::int FROM users')).toBe(2);
    expect(
      Object.values(await constraintsOf(s, 'users'))
        .map((c) => c.type)
        .sort(),
    ).toEqual(['c', 'p']);
    expect(
      await s.rows(
        `SELECT attnotnull, col_description(attrelid, attnum) AS comment, pg_get_expr(adbin, adrelid) AS dflt
           FROM pg_attribute LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum
          WHERE attrelid = 'users'::regclass AND attname = 'name'`,
      ),
    ).toEqual([{ attnotnull: true, comment: 'the name', dflt: `'anon'::text` }]);
  });

  it('S71 drop a multi-column check constraint (contract, in place)', async () => {
    const plan = planYaml(
      's71',
      `  contract:\n    - drop_constraint: { table: products, name: products_check_price_discount }\n`,
    );
    s = await openScenario(
      's71',
      `CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL, price integer NOT NULL, discount integer NOT NULL,
         CONSTRAINT products_check_price_discount CHECK ((discount = 0) OR (price > 0)));`,
      plan,
    );
    await s.start();
    await s.fails(`INSERT INTO products VALUES (1, 'apple', 0, 1)`, '23514'); // OLD
    await s.exec(`INSERT INTO products VALUES (1, 'apple', 1, 1)`); // OLD
    // ⚠ pgroll's new version writes copies without the check (old sees price 100 through down); here 23514.
    await s.fails(`INSERT INTO products VALUES (2, 'banana', 0, 1)`, '23514'); // NEW
    await s.rollback();
    await s.complete();
    await s.exec(`INSERT INTO products VALUES (3, 'carrot', 0, 1)`); // NEW
    expect(await s.rows('SELECT id, price, discount FROM products ORDER BY id')).toEqual([
      { id: 1, price: 1, discount: 1 },
      { id: 3, price: 0, discount: 1 },
    ]);
    expect(await constraintsOf(s, 'products')).not.toHaveProperty('products_check_price_discount');
  });
});
