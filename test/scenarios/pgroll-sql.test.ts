/**
 * pgroll scenarios for raw SQL (S73) and for two operations in one plan on a new table (create_table,
 * then a contract `sql` like pgroll's onComplete), through the CLI on PostgreSQL 15.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postgresAdminUrl } from '../support/databases.js';
import { columnsOf, openScenario, planYaml, relkind, type Scenario } from './support.js';

describe.skipIf(!postgresAdminUrl)('pgroll scenarios: raw SQL', () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('S73 raw SQL with up and down (a table with a generated column): rollback runs down, the re-run up again', async () => {
    const plan = planYaml(
      's73',
      `  expand:
    - sql:
        up: "CREATE TABLE test_table (id serial, name text, loud_name text GENERATED ALWAYS AS (upper(name)) STORED)"
        down: "DROP TABLE test_table"
`,
    );
    s = await openScenario('s73', '', plan);
    await s.start();
    await s.exec(`INSERT INTO test_table (name) VALUES ('foo')`);
    expect(await s.rows('SELECT id, name, loud_name FROM test_table')).toEqual([
      { id: 1, name: 'foo', loud_name: 'FOO' },
    ]);
    await s.rollback();
    expect(await relkind(s, 'test_table')).toBeNull();
    await s.complete();
    await s.exec(`INSERT INTO test_table (name) VALUES ('bar')`);
    expect(await s.rows('SELECT id, name, loud_name FROM test_table')).toEqual([
      { id: 1, name: 'bar', loud_name: 'BAR' },
    ]);
  });

  it('S73 create table, then raw SQL in contract (pgroll onComplete): the column appears only at contract', async () => {
    const plan = planYaml(
      's73-complete',
      `  expand:
    - create_table:
        name: test_table
        columns:
          - { name: id, type: serial, pk: true }
          - { name: name, type: text }
  contract:
    - sql: { up: "ALTER TABLE test_table ADD COLUMN age int" }
`,
    );
    s = await openScenario('s73c', '', plan);
    await s.start();
    expect(await columnsOf(s, 'test_table')).toEqual(['id', 'name']);
    await s.rollback();
    expect(await relkind(s, 'test_table')).toBeNull();
    await s.complete();
    expect(await columnsOf(s, 'test_table')).toEqual(['id', 'name', 'age']);
    await s.exec(`INSERT INTO test_table (name, age) VALUES ('foo', 42)`);
    expect(await s.rows('SELECT name, age FROM test_table')).toEqual([{ name: 'foo', age: 42 }]);
    // A sql step without down cannot be undone: rollback after contract is refused.
    expect((await s.cmd('rollback', '--yes')).code).not.toBe(0);
  });
});
