/**
 * pgroll scenarios for create_table (S1, S5), drop_table (S12) and rename_table (S14), through the CLI
 * on PostgreSQL 15: start (run), writes, rollback, run again through contract, data and catalog.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresAdminUrl } from '../support/databases.js';
import { constraintsOf, notNull, openScenario, planYaml, relkind, type Scenario } from './support.js';

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
      s!.rows(
        `SELECT obj_description('users'::regclass, 'pg_class') AS t, col_description('users'::regclass, 2) AS c`,
      );
    await s.start();
    expect(await comments()).toEqual([{ t: 'the users table', c: 'the username' }]);
    await s.rollback();
    expect(await relkind(s, 'users')).toBeNull();
    await s.complete();
    expect(await comments()).toEqual([{ t: 'the users table', c: 'the username' }]);
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
