/**
 * pgroll scenarios for create_table (S1, S3, S4, S5, S6, S8, S10), drop_table (S12), drop_column quoting (S27)
 * and rename_table (S14), through the CLI
 * on PostgreSQL 15: start (run), writes, rollback, run again through contract, data and catalog.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresAdminUrl } from '../support/databases.js';
import { columnsOf, constraintsOf, notNull, openScenario, planYaml, relkind, type Scenario } from './support.js';

describe.skipIf(!postgresAdminUrl)('pgroll scenarios: tables', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('S1 create table: rollback drops the table and its sequence, the re-run starts ids at 1 again', async () => {
    const plan = planYaml(
      's1',
      `  expand:
    - create_table:
        name: users
        columns:
          - { name: id, type: serial, pk: true }
          - { name: name, type: varchar(255), unique: true, nullable: false }
`,
    );
    s = await openScenario('s1', '', plan);
    const catalog = async () => {
      expect(await constraintsOf(s!, 'users')).toMatchObject({
        users_pkey: { type: 'p', columns: ['id'] },
        users_name_key: { type: 'u', columns: ['name'] },
      });
      expect(await notNull(s!, 'users', 'name')).toBe(true);
    };
    await s.start();
    await s.exec(`INSERT INTO users (name) VALUES ('Alice')`);
    expect(await s.rows('SELECT id, name FROM users')).toEqual([{ id: 1, name: 'Alice' }]);
    await catalog();
    await s.fails(`INSERT INTO users (name) VALUES ('Alice')`, '23505');

    await s.rollback();
    expect(await relkind(s, 'users')).toBeNull();
    expect(await relkind(s, 'users_id_seq')).toBeNull();

    await s.complete();
    await s.exec(`INSERT INTO users (name) VALUES ('Alice')`);
    expect(await s.rows('SELECT id, name FROM users')).toEqual([{ id: 1, name: 'Alice' }]);
    await catalog();
  });

  it('S5 create table with column and table comments', async () => {
    const plan = planYaml(
      's5',
      `  expand:
    - create_table:
        name: users
        comment: the users table
        columns:
          - { name: id, type: serial, pk: true }
          - { name: name, type: varchar(255), unique: true, nullable: false, comment: the username }
`,
    );
    s = await openScenario('s5', '', plan);
    const comments = () =>
      s!.rows(`SELECT obj_description('users'::regclass, 'pg_class') AS t, col_description('users'::regclass, 2) AS c`);
    await s.start();
    expect(await comments()).toEqual([{ t: 'the users table', c: 'the username' }]);
    await s.rollback();
    expect(await relkind(s, 'users')).toBeNull();
    await s.complete();
    expect(await comments()).toEqual([{ t: 'the users table', c: 'the username' }]);
  });

  it('S3 create table with foreign key with ON DELETE CASCADE: the new table is gone after rollback, users keep theirs', async () => {
    const plan = planYaml(
      's3',
      `  expand:
    - create_table:
        name: orders
        columns:
          - { name: id, type: serial, pk: true }
          - { name: user_id, type: integer, nullable: false, references: { name: fk_users_id, table: users, column: id, on_delete: cascade } }
          - { name: quantity, type: integer, nullable: false }
`,
    );
    s = await openScenario(
      's3',
      'CREATE TABLE users (id serial PRIMARY KEY, name varchar(255) NOT NULL UNIQUE);',
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
    await s.exec(`DELETE FROM users WHERE name = 'alice'`);
    expect(await s.value('SELECT count(*)::int FROM orders')).toBe(0);

    await s.rollback();
    expect(await relkind(s, 'orders')).toBeNull();
    expect(await relkind(s, 'users')).toBe('r');

    await s.complete();
    expect(await fk()).toEqual([{ convalidated: true, del: 'c', upd: 'a' }]);
    await s.exec(`INSERT INTO users (name) VALUES ('bob')`);
    await s.exec('INSERT INTO orders (user_id, quantity) VALUES (2, 200)');
    await s.fails('INSERT INTO orders (user_id, quantity) VALUES (3, 300)', '23503');
    await s.exec(`DELETE FROM users WHERE name = 'bob'`);
    expect(await s.value('SELECT count(*)::int FROM orders')).toBe(0);
  });

  it('S8 create table with a deferrable multi-column foreign key ON DELETE SET DEFAULT', async () => {
    const plan = planYaml(
      's8',
      `  expand:
    - create_table:
        name: pets
        columns:
          - { name: id, type: int, pk: true }
          - { name: owner_id, type: int }
          - { name: owner_city_id, type: text, nullable: false, default: "'chicago'" }
          - { name: name, type: text, nullable: false }
        constraints:
          - name: fk_owners
            type: foreign_key
            columns: [owner_id, owner_city_id]
            deferrable: true
            references: { table: owners, columns: [id, city], on_delete: set_default }
`,
    );
    s = await openScenario(
      's8',
      `CREATE TABLE owners (id int NOT NULL, name text NOT NULL, city text NOT NULL, CONSTRAINT pk_owners PRIMARY KEY (id, city));`,
      plan,
    );
    // ⚠ pgroll lists on_delete_set_columns [owner_id, owner_city_id] (confdelsetcols); every key column is the same here.
    const fk = () =>
      s!.rows(
        `SELECT condeferrable, condeferred, confdeltype::text AS del FROM pg_constraint WHERE conname = 'fk_owners'`,
      );
    await s.start();
    expect(await fk()).toEqual([{ condeferrable: true, condeferred: false, del: 'd' }]);
    await s.exec(`INSERT INTO owners (id, name, city) VALUES (1, 'alice', 'new york')`);
    await s.exec(`INSERT INTO pets (id, owner_id, owner_city_id, name) VALUES (1, 1, 'new york', 'good boy')`);
    await s.fails(
      `INSERT INTO pets (id, owner_id, owner_city_id, name) VALUES (2, 0, 'sacramento', 'spider pig')`,
      '23503',
    );

    await s.rollback();
    expect(await relkind(s, 'pets')).toBeNull();

    await s.complete();
    expect(await fk()).toEqual([{ condeferrable: true, condeferred: false, del: 'd' }]);
    await s.exec(`INSERT INTO pets (id, owner_id, owner_city_id, name) VALUES (1, 1, 'new york', 'cutie pie')`);
    await s.exec('DELETE FROM owners WHERE id = 1');
    expect(await s.rows('SELECT id, owner_id, owner_city_id, name FROM pets')).toEqual([
      { id: 1, owner_id: null, owner_city_id: 'chicago', name: 'cutie pie' },
    ]);
  });

  it('S4 create table with a check constraint (column form NO INHERIT, and table form) and S6 unique / primary key table constraints', async () => {
    const plan = planYaml(
      's4',
      `  expand:
    - create_table:
        name: users
        columns:
          - { name: id, type: serial, pk: true }
          - { name: name, type: text, nullable: false, check: { name: check_name_length, constraint: "length(name) > 3", no_inherit: true } }
    - create_table:
        name: people
        columns:
          - { name: id, type: serial, pk: true }
          - { name: name, type: text, nullable: false }
        constraints: [ { name: check_people_name_length, type: check, check: "length(name) > 3" }, { name: unique_name, type: unique, columns: [name] } ]
    - create_table:
        name: pets
        columns: [ { name: id, type: int, nullable: false }, { name: name, type: text, nullable: false } ]
        constraints: [ { name: pk_pets, type: primary_key, columns: [id] } ]
`,
    );
    s = await openScenario('s4', '', plan);
    const writes = async (alice: string, b: string) => {
      await s!.exec(`INSERT INTO users (name) VALUES ('${alice}'); INSERT INTO people (name) VALUES ('${alice}')`);
      await s!.fails(`INSERT INTO users (name) VALUES ('${b}')`, '23514');
      await s!.fails(`INSERT INTO people (name) VALUES ('${b}')`, '23514');
      await s!.fails(`INSERT INTO people (name) VALUES ('${alice}')`, '23505');
      await s!.exec(`INSERT INTO pets (id, name) VALUES (1, '${alice}')`);
      await s!.fails(`INSERT INTO pets (id, name) VALUES (1, '${b}')`, '23505');
    };
    const catalog = async () => {
      expect(await constraintsOf(s!, 'users')).toMatchObject({ check_name_length: { type: 'c' } });
      expect(await constraintsOf(s!, 'people')).toMatchObject({
        check_people_name_length: { type: 'c' },
        unique_name: { type: 'u', columns: ['name'] },
      });
      expect(await constraintsOf(s!, 'pets')).toMatchObject({ pk_pets: { type: 'p', columns: ['id'] } });
      expect(await s!.value(`SELECT connoinherit FROM pg_constraint WHERE conname = 'check_name_length'`)).toBe(true);
    };
    await s.start();
    await writes('alice', 'b');
    await catalog();
    await s.rollback();
    expect([await relkind(s, 'users'), await relkind(s, 'people'), await relkind(s, 'pets')]).toEqual([
      null,
      null,
      null,
    ]);
    await s.complete();
    await writes('bobby', 'c');
    await catalog();
  });

  it('S10 create table with a generated column does not break a subsequent plan', async () => {
    const plan = planYaml(
      's10',
      `  expand:
    - create_table:
        name: users
        columns:
          - { name: id, type: int, pk: true }
          - { name: name, type: text, nullable: false }
          - { name: loud_name, type: text, generated: { expression: "upper(name)" } }
`,
    );
    s = await openScenario('s10', '', plan);
    await s.complete();
    await s.exec(`INSERT INTO users (id, name) VALUES (1, 'alice'), (2, 'bob')`);
    expect(
      await s.value(
        `SELECT attgenerated FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'loud_name'`,
      ),
    ).toBe('s');
    s.setPlan(
      planYaml(
        's10-next',
        `  expand:
    - add_column: { table: users, column: { name: nick, type: text }, up: "lower(name)" }
  migrate:
    - backfill: { table: users, set: { nick: "lower(name)" }, where: nick IS NULL }
`,
      ),
    );
    const lint = await s.cmd('validate');
    expect(lint.code, lint.stdout).toBe(0);
    await s.start();
    await s.exec(`INSERT INTO users (id, name) VALUES (3, 'Carl')`); // OLD: the trigger fills nick, not loud_name
    await s.complete();
    expect(await s.rows('SELECT id, loud_name, nick FROM users ORDER BY id')).toEqual([
      { id: 1, loud_name: 'ALICE', nick: 'alice' },
      { id: 2, loud_name: 'BOB', nick: 'bob' },
      { id: 3, loud_name: 'CARL', nick: 'carl' },
    ]);
  });

  it('S27 drop a column named array, and a column of a table named array (quoting)', async () => {
    const plan = planYaml(
      's27',
      `  contract:
    - drop_column: { table: users, column: array }
    - drop_column: { table: array, column: name }
`,
    );
    s = await openScenario(
      's27',
      `CREATE TABLE users (id serial PRIMARY KEY, "array" int[] NOT NULL);
       CREATE TABLE "array" (id serial PRIMARY KEY, name text NOT NULL);`,
      plan,
    );
    await s.start();
    expect(await columnsOf(s, 'users')).toEqual(['id', 'array']);
    await s.rollback();
    await s.complete();
    expect(await columnsOf(s, 'users')).toEqual(['id']);
    expect(await columnsOf(s, '"array"')).toEqual(['id']);
  });

  it('S12 drop table: untouched until contract (rollback has nothing to undo), then gone with its sequence', async () => {
    const plan = planYaml('s12', `  contract:\n    - drop_table: { name: users }\n`);
    s = await openScenario(
      's12',
      `CREATE TABLE users (id serial PRIMARY KEY, name varchar(255) NOT NULL UNIQUE);
       INSERT INTO users (name) VALUES ('alice');`,
      plan,
    );
    // ⚠ pgroll renames the table to _pgroll_del_users at start; schemashift drops it only in contract.
    await s.start();
    expect(await relkind(s, 'users')).toBe('r');
    await s.exec(`INSERT INTO users (name) VALUES ('bob')`);
    await s.exec(`UPDATE users SET name = 'alice2' WHERE id = 1`);

    await s.rollback();
    expect(await s.rows('SELECT id, name FROM users ORDER BY id')).toEqual([
      { id: 1, name: 'alice2' },
      { id: 2, name: 'bob' },
    ]);

    await s.complete();
    expect(await relkind(s, 'users')).toBeNull();
    expect(await relkind(s, 'users_id_seq')).toBeNull();
    const late = await s.cmd('rollback', '--yes');
    expect(late.code).not.toBe(0);
    expect(late.stdout + late.stderr).toMatch(/contract/);
  });

  it('S14 rename table: both names read and write during the change, rollback restores, contract drops the view', async () => {
    const plan = planYaml('s14', `  expand:\n    - rename_table: { from: test_table, to: renamed_table }\n`);
    s = await openScenario('s14', 'CREATE TABLE test_table (id serial NOT NULL, name text NOT NULL);', plan);
    await s.start();
    expect(await relkind(s, 'renamed_table')).toBe('r');
    expect(await relkind(s, 'test_table')).toBe('v');
    await s.exec(`INSERT INTO test_table (name) VALUES ('foo')`); // OLD app
    await s.exec(`INSERT INTO renamed_table (name) VALUES ('bar')`); // NEW app
    const both = [
      { id: 1, name: 'foo' },
      { id: 2, name: 'bar' },
    ];
    expect(await s.rows('SELECT id, name FROM test_table ORDER BY id')).toEqual(both);
    expect(await s.rows('SELECT id, name FROM renamed_table ORDER BY id')).toEqual(both);

    await s.rollback();
    expect(await relkind(s, 'test_table')).toBe('r');
    expect(await relkind(s, 'renamed_table')).toBeNull();
    expect(await s.rows('SELECT id, name FROM test_table ORDER BY id')).toEqual(both);

    await s.complete();
    await s.exec(`INSERT INTO renamed_table (name) VALUES ('baz')`);
    expect(await s.rows('SELECT id, name FROM renamed_table ORDER BY id')).toEqual([...both, { id: 3, name: 'baz' }]);
    expect(await relkind(s, 'test_table')).toBeNull();
    expect(await relkind(s, 'renamed_table')).toBe('r');
  });
});
