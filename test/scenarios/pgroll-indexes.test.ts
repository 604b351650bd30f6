/**
 * pgroll scenarios for create_index (S61, S62) and drop_index (S63), through the CLI on PostgreSQL 15.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresAdminUrl } from '../support/databases.js';
import { openScenario, planYaml, type Scenario } from './support.js';

const USERS = `CREATE TABLE users (id serial PRIMARY KEY, name varchar(255) NOT NULL, email varchar(255) NOT NULL,
  registered_at_year integer NOT NULL DEFAULT 2020);`;

/** name → definition of the indexes of users, the primary key left out. */
async function indexes(s: Scenario): Promise<Record<string, string>> {
  const rows = await s.rows<{ n: string; d: string }>(
    `SELECT indexrelid::regclass::text AS n, pg_get_indexdef(indexrelid) AS d FROM pg_index
      WHERE indrelid = 'users'::regclass AND NOT indisprimary ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.n, r.d]));
}

describe.skipIf(!postgresAdminUrl)('pgroll scenarios: indexes', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('S61 create index (plain, mixed case name, several columns) and S62 partial index: built in expand, dropped by rollback', async () => {
    const plan = planYaml(
      's61',
      `  expand:
    - create_index: { table: users, name: idx_users_name, columns: [name] }
    - create_index: { table: users, name: idx_USERS_name, columns: [name] }
    - create_index: { table: users, name: idx_users_name_email, columns: [name, email] }
    - create_index: { table: users, name: idx_users_name_after_2019, columns: [registered_at_year], where: "registered_at_year > 2019" }
`,
    );
    s = await openScenario('s61', USERS, plan);
    const expected = {
      '"idx_USERS_name"': 'CREATE INDEX "idx_USERS_name" ON public.users USING btree (name)',
      idx_users_name: 'CREATE INDEX idx_users_name ON public.users USING btree (name)',
      idx_users_name_after_2019:
        'CREATE INDEX idx_users_name_after_2019 ON public.users USING btree (registered_at_year) WHERE (registered_at_year > 2019)',
      idx_users_name_email: 'CREATE INDEX idx_users_name_email ON public.users USING btree (name, email)',
    };
    await s.start();
    expect(await indexes(s)).toEqual(expected);
    expect(await s.value(`SELECT bool_and(indisvalid) FROM pg_index WHERE indrelid = 'users'::regclass`)).toBe(true);
    await s.rollback();
    expect(await indexes(s)).toEqual({});
    await s.complete();
    expect(await indexes(s)).toEqual(expected);
  });

  it('S63 drop index (and one with a mixed case name): kept until contract, gone after', async () => {
    const plan = planYaml(
      's63',
      `  contract:
    - drop_index: { table: users, name: idx_users_name }
    - drop_index: { table: users, name: idx_USERS_name }
`,
    );
    s = await openScenario(
      's63',
      `${USERS} CREATE INDEX idx_users_name ON users (name); CREATE INDEX "idx_USERS_name" ON users (name);`,
      plan,
    );
    const both = ['"idx_USERS_name"', 'idx_users_name'];
    await s.start();
    expect(Object.keys(await indexes(s))).toEqual(both);
    await s.rollback();
    expect(Object.keys(await indexes(s))).toEqual(both);
    await s.complete();
    expect(await indexes(s)).toEqual({});
    const late = await s.cmd('rollback', '--yes');
    expect(late.code).not.toBe(0);
  });
});
