/** `import` never emits a plan that runs statements acting on the same object in another order than the SQL. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, folderWith } from '../cli/cli-support.js';

async function importSql(sql: string) {
  const dir = folderWith({ 'm.sql': sql });
  const result = await cli(['import', 'm.sql'], { cwd: dir });
  const path = join(dir, 'plans/m.yaml');
  return { ...result, plan: existsSync(path) ? readFileSync(path, 'utf8') : undefined };
}

async function refusedAt(sql: string, later: number, earlier: number) {
  const result = await importSql(sql);
  expect(result.code, result.stdout + result.stderr).toBe(2);
  expect(result.plan).toBeUndefined();
  expect(result.stderr).toContain(`m.sql:${later}:1: error:`);
  expect(result.stderr).toContain(`the earlier statement is m.sql:${earlier}`);
  expect(result.stderr).toMatch(/after: \[<first plan>\]/);
}

describe('import: statements acting on the same object keep their order', () => {
  it('DROP TABLE then CREATE TABLE of the same name is refused (the drop would run last)', () =>
    refusedAt('DROP TABLE IF EXISTS cache;\nCREATE TABLE IF NOT EXISTS cache (k text primary key);\n', 2, 1));

  it('INSERT into a table, then a foreign key to it, is refused (the key would be validated first)', () =>
    refusedAt(
      "INSERT INTO roles (id, name) VALUES (1, 'user');\n" +
        'ALTER TABLE users ADD COLUMN role_id int NOT NULL DEFAULT 1 REFERENCES roles(id);\n',
      2,
      1,
    ));

  it('DROP CONSTRAINT x, ADD CONSTRAINT x in one ALTER is kept as written (the add would run before the drop)', async () => {
    const result = await importSql('ALTER TABLE t DROP CONSTRAINT c, ADD CONSTRAINT c CHECK (n > 0);\n');
    expect(result.code, result.stderr).toBe(0);
    expect(result.plan).toContain('drops and adds back constraint c: kept as written so the drop comes first');
    expect(result.plan).toMatch(/- sql:\n\s+up: ALTER TABLE t DROP CONSTRAINT c, ADD CONSTRAINT c CHECK \(n > 0\)/);
    expect(result.plan).not.toMatch(/add_check|drop_constraint/);
  });

  it('DROP CONSTRAINT x; ADD CONSTRAINT x in two statements is refused', () =>
    refusedAt('ALTER TABLE t DROP CONSTRAINT c;\nALTER TABLE t ADD CONSTRAINT c CHECK (n > 0);\n', 2, 1));

  it('DROP COLUMN then ADD COLUMN of the same name is refused', () =>
    refusedAt('ALTER TABLE t DROP COLUMN IF EXISTS c;\nALTER TABLE t ADD COLUMN IF NOT EXISTS c int;\n', 2, 1));

  it('DROP DEFAULT then SET DEFAULT is the SET DEFAULT alone', async () => {
    const result = await importSql('ALTER TABLE t ALTER c DROP DEFAULT;\nALTER TABLE t ALTER c SET DEFAULT 42;\n');
    expect(result.code, result.stderr).toBe(0);
    expect(result.plan).not.toContain('drop_default');
    expect(result.plan).toMatch(/- set_default:\n\s+table: t\n\s+column: c\n\s+default: "42"/);
    expect(result.plan).toContain('m.sql:1: ALTER TABLE t ALTER c DROP DEFAULT (superseded by m.sql:2');
  });

  it("Knex's .alter() (drop default, drop not null, type, set default, set not null) is one change_type", async () => {
    const result = await importSql(
      'alter table "t" alter column "c" drop default;\nalter table "t" alter column "c" drop not null;\n' +
        'alter table "t" alter column "c" type integer using ("c"::integer);\n' +
        'alter table "t" alter column "c" set default \'42\';\nalter table "t" alter column "c" set not null;\n',
    );
    expect(result.code, result.stderr).toBe(0);
    const change = /- change_type:\n((\s{8}\w+: .*\n)+)/.exec(result.plan!)?.[1] ?? '';
    expect(change).toContain(`default: "'42'"`);
    expect(change).toContain('not_null: true');
    expect(result.plan).not.toMatch(/- (set_default|drop_default|set_not_null|drop_not_null):/);
  });

  it('TYPE and SET NOT NULL in one ALTER: NOT NULL carried by the change_type, not set on the old column', async () => {
    const result = await importSql('ALTER TABLE t ALTER d TYPE bigint, ALTER d SET NOT NULL;\n');
    expect(result.code, result.stderr).toBe(0);
    expect(result.plan).toMatch(/- change_type:\n\s+table: t\n\s+column: d\n\s+type: bigint\n\s+not_null: true\n/);
    expect(result.plan).not.toContain('set_not_null');
  });

  it('DROP DEFAULT then TYPE: the change_type says default: null (the catalog default is not carried back)', async () => {
    const result = await importSql('ALTER TABLE t ALTER c DROP DEFAULT;\nALTER TABLE t ALTER c TYPE bigint;\n');
    expect(result.code, result.stderr).toBe(0);
    expect(result.plan).toMatch(/- change_type:\n\s+table: t\n\s+column: c\n\s+type: bigint\n\s+default: null\n/);
    expect(result.plan).not.toContain('- drop_default');
  });

  it('seed rows, then a plain index and a new column: no conflict (neither changes what the INSERT writes)', async () => {
    const result = await importSql(
      'CREATE TABLE a (id int primary key, x int);\nINSERT INTO a (id, x) VALUES (1, 2);\n' +
        'CREATE INDEX ON a (x);\nALTER TABLE a ADD COLUMN y int;\n',
    );
    expect(result.code, result.stderr).toBe(0);
  });

  it('a positional INSERT then ADD COLUMN is refused (the column would exist before the INSERT)', () =>
    refusedAt('INSERT INTO a VALUES (1, 2);\nALTER TABLE a ADD COLUMN y int;\n', 2, 1));

  it('UPDATE then a UNIQUE index on that column is refused (the index would be built before the backfill)', () =>
    refusedAt('UPDATE a SET y = x;\nCREATE UNIQUE INDEX ON a (y);\n', 2, 1));

  it('SET DEFAULT, an INSERT relying on it, DROP DEFAULT: kept in that order (the INSERT gets the default)', async () => {
    const result = await importSql(
      'ALTER TABLE t ALTER c SET DEFAULT 1;\nINSERT INTO t (id) VALUES (5);\nALTER TABLE t ALTER c DROP DEFAULT;\n',
    );
    expect(result.code, result.stderr).toBe(0);
    const plan = result.plan!;
    expect(plan.indexOf('- set_default')).toBeGreaterThan(0);
    expect(plan.indexOf('- set_default')).toBeLessThan(plan.indexOf('INSERT INTO t'));
    expect(plan.indexOf('INSERT INTO t')).toBeLessThan(plan.indexOf('- drop_default'));
  });

  it('default changes of two columns do not block each other', async () => {
    const result = await importSql(
      'ALTER TABLE t ALTER a DROP DEFAULT;\nALTER TABLE t ALTER b SET DEFAULT 1;\nALTER TABLE t ALTER a SET DEFAULT 2;\n',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.plan).not.toContain('- drop_default');
  });

  it('steps on different columns still move to their phases', async () => {
    const result = await importSql('ALTER TABLE t DROP COLUMN a;\nALTER TABLE t ADD COLUMN b int;\n');
    expect(result.code, result.stderr).toBe(0);
    expect(result.plan!.indexOf('add_column')).toBeLessThan(result.plan!.indexOf('drop_column'));
  });
});
