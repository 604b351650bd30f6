/**
 * pgroll scenarios for add_primary_key (S67, pgroll's create_constraint primary_key) and create_index
 * column options (S62: descending order, hash with a storage parameter), through the CLI on PostgreSQL 15.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresAdminUrl } from '../support/databases.js';
import { constraintsOf, notNull, openScenario, planYaml, relkind, type Scenario } from './support.js';

const U = (n: number) => `'00000000-0000-0000-0000-0000000000${String(n).padStart(2, '0')}'`;

describe.skipIf(!postgresAdminUrl)('pgroll scenarios: keys and index options', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('S67 create primary key constraint on multiple columns (in place): duplicates refused for both versions', async () => {
    const plan = planYaml(
      's67',
      `  expand:\n    - add_primary_key: { table: users, name: id_pkey, columns: [id1, id2] }\n`,
    );
    s = await openScenario(
      's67',
      'CREATE TABLE users (id1 uuid NOT NULL, id2 uuid NOT NULL, name varchar(255) NOT NULL);',
      plan,
    );
    const pk = async () => (await constraintsOf(s!, 'users')).id_pkey;
    await s.start();
    expect(await pk()).toMatchObject({ type: 'p', columns: ['id1', 'id2'] });
    await s.exec(`INSERT INTO users (id1, id2, name) VALUES (${U(1)}, ${U(2)}, 'alice')`); // OLD
    // ⚠ pgroll builds the key on shadow copies (up: gen_random_uuid()), so its old version may repeat ids.
    await s.fails(`INSERT INTO users (id1, id2, name) VALUES (${U(1)}, ${U(2)}, 'bob')`, '23505'); // OLD
    await s.exec(`INSERT INTO users (id1, id2, name) VALUES (${U(3)}, ${U(4)}, 'alice')`); // NEW
    await s.fails(`INSERT INTO users (id1, id2, name) VALUES (${U(3)}, ${U(4)}, 'bob')`, '23505'); // NEW

    await s.rollback();
    expect(await pk()).toBeUndefined();
    expect(await relkind(s, 'id_pkey')).toBeNull();
    expect([await notNull(s, 'users', 'id1'), await notNull(s, 'users', 'id2')]).toEqual([true, true]);
    await s.exec(`INSERT INTO users (id1, id2, name) VALUES (${U(5)}, ${U(6)}, 'carl')`); // OLD

    await s.complete();
    expect(await pk()).toEqual({ type: 'p', validated: true, columns: ['id1', 'id2'] });
    expect(
      await s.value(`SELECT indisvalid AND indisprimary FROM pg_index WHERE indexrelid = 'id_pkey'::regclass`),
    ).toBe(true);
    await s.fails(`INSERT INTO users (id1, id2, name) VALUES (${U(5)}, ${U(6)}, 'dora')`, '23505');
    expect(await s.value('SELECT count(*)::int FROM users')).toBe(3);
  });

  it('S62 create index with descending order, and a hash index with a storage parameter', async () => {
    const plan = planYaml(
      's62',
      `  expand:
    - create_index: { table: users, name: idx_users_name_desc, columns: [ { column: name, sort: desc } ] }
    - create_index: { table: users, name: idx_users_name_hash, columns: [name], method: hash, storage_parameters: { fillfactor: 70 } }
`,
    );
    s = await openScenario(
      's62',
      'CREATE TABLE users (id serial PRIMARY KEY, name varchar(255) NOT NULL, registered_at_year integer NOT NULL);',
      plan,
    );
    const indexes = () =>
      s!.rows(
        `SELECT indexrelid::regclass::text AS n, pg_get_indexdef(indexrelid) AS d, indoption[0]::int & 1 AS desc
           FROM pg_index WHERE indrelid = 'users'::regclass AND NOT indisprimary ORDER BY 1`,
      );
    const expected = [
      {
        n: 'idx_users_name_desc',
        d: 'CREATE INDEX idx_users_name_desc ON public.users USING btree (name DESC)',
        desc: 1,
      },
      {
        n: 'idx_users_name_hash',
        d: `CREATE INDEX idx_users_name_hash ON public.users USING hash (name) WITH (fillfactor='70')`,
        desc: 0,
      },
    ];
    await s.start();
    expect(await indexes()).toEqual(expected);
    await s.rollback();
    expect(await indexes()).toEqual([]);
    await s.complete();
    expect(await indexes()).toEqual(expected);
  });
});
