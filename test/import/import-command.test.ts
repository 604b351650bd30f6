/** `import`: migration order of a folder, and input it refuses (exit 2, nothing written). */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, emptyDir, folderWith } from '../cli/cli-support.js';
import { sourceOfPlanLine } from '../../src/cli/import-command.js';

const DIRS = 'test/fixtures/import/dirs';

async function importInto(cwd: string, args: string[]) {
  return cli(['import', ...args], { cwd });
}

describe('import of a folder: migration order', () => {
  it('Flyway: V files by version (1, 1.1, 2, 10), R files after, U files left out', async () => {
    const cwd = emptyDir();
    const result = await importInto(cwd, [join(process.cwd(), DIRS, 'flyway')]);
    expect(result.code, result.stderr).toBe(0);
    const plan = readFileSync(join(cwd, 'plans/flyway.yaml'), 'utf8');
    expect(plan).toContain(
      '# Order: Flyway: V<version>__ files by version, then R__ repeatable files by name: V1__init.sql, ' +
        'V1.1__note.sql, V2__sku.sql, V10__rename.sql, R__comments.sql.',
    );
    expect(plan).toContain('# Left out: U2__sku.sql: a Flyway undo migration');
    // The rename in V10 knows qty's type from V1, so it is a rename_column, not raw SQL.
    expect(plan).toMatch(/- rename_column:\n\s+table: items\n\s+from: qty\n\s+to: quantity\n\s+type: integer/);
    const validate = await cli(['validate', join(cwd, 'plans/flyway.yaml')]);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
  });

  it('Prisma: timestamped folders holding migration.sql, in timestamp order', async () => {
    const cwd = emptyDir();
    const result = await importInto(cwd, [join(process.cwd(), DIRS, 'prisma'), '--name', 'prisma-post']);
    expect(result.code, result.stderr).toBe(0);
    const plan = readFileSync(join(cwd, 'plans/prisma-post.yaml'), 'utf8');
    expect(plan).toContain('20231231235959_init/migration.sql, 20240102090000_add_slug/migration.sql');
    expect(plan.indexOf('create_table')).toBeLessThan(plan.indexOf('add_column'));
  });
});

describe('import refuses, exit 2, nothing written', () => {
  const GOOD = 'ALTER TABLE t ADD COLUMN c integer;\n';

  async function refused(files: Record<string, string>, args: (dir: string) => string[], message: RegExp) {
    const dir = folderWith(files);
    const before = readdirSync(dir).sort();
    const result = await importInto(dir, args(dir));
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(existsSync(join(dir, 'plans'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(before);
    return result;
  }

  it('SQL that does not parse: file:line:col and the parser message', async () => {
    const result = await refused(
      { 'bad.sql': `${GOOD}ALTER TABLE t\n  ADD COLUMN d integr integer;\n` },
      () => ['bad.sql'],
      /bad\.sql:3:/,
    );
    expect(result.stderr).toMatch(/syntax error at or near "integer"/);
  });

  it('a --name with ../ in it', async () => {
    await refused({ 'm.sql': GOOD }, () => ['m.sql', '--name', '../escape'], /--name \.\.\/escape/);
  });

  it('an --out that exists, unless --force', async () => {
    const dir = folderWith({ 'm.sql': GOOD, 'plan.yaml': 'keep me\n' });
    const result = await importInto(dir, ['m.sql', '--out', 'plan.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/plan\.yaml already exists/);
    expect(result.stderr).toMatch(/--force/);
    expect(readFileSync(join(dir, 'plan.yaml'), 'utf8')).toBe('keep me\n');
    const forced = await importInto(dir, ['m.sql', '--out', 'plan.yaml', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, 'plan.yaml'), 'utf8')).toContain('add_column');
  });

  it('an empty file', async () => {
    await refused({ 'empty.sql': '-- nothing here\n' }, () => ['empty.sql'], /no SQL statements/);
  });

  it('a file of transaction control and bookkeeping only', async () => {
    await refused(
      { 'noop.sql': "BEGIN;\nINSERT INTO schema_migrations (version) VALUES ('1');\nCOMMIT;\n" },
      () => ['noop.sql'],
      /every statement was left out/,
    );
  });

  it('a folder with no .sql files', async () => {
    const dir = folderWith({ 'README.md': '# migrations\n' });
    mkdirSync(join(dir, 'migrations'));
    writeFileSync(join(dir, 'migrations', 'notes.txt'), 'x');
    const result = await importInto(dir, ['migrations']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no \.sql files/);
    expect(existsSync(join(dir, 'plans'))).toBe(false);
  });

  it('a missing path', async () => {
    await refused({}, () => ['nowhere.sql'], /no such file or folder/);
  });

  it('SQL Server: import reads PostgreSQL SQL only', async () => {
    await refused(
      { 'm.sql': GOOD },
      () => ['m.sql', '--dialect', 'mssql'],
      /import reads PostgreSQL SQL; for SQL Server/,
    );
  });

  it('a name in the SQL never reaches a statement unquoted: it is carried as data or the statement stays raw', async () => {
    const dir = folderWith({ 'evil.sql': 'ALTER TABLE "t; DROP TABLE x; --" ADD COLUMN c integer;\n' });
    const result = await importInto(dir, ['evil.sql']);
    expect(result.code, result.stderr).toBe(0);
    const plan = readFileSync(join(dir, 'plans/evil.yaml'), 'utf8');
    expect(plan).toContain('- sql:');
    expect(plan).not.toContain('add_column');
  });
});

describe('import of a folder: subfolders, symlinks, files left out', () => {
  function flywayTree(linkTarget: 'inside' | 'outside') {
    const root = emptyDir();
    const dir = join(root, 'mig');
    mkdirSync(join(dir, '2024'), { recursive: true });
    mkdirSync(join(root, 'outside'));
    mkdirSync(join(dir, 'shared'));
    writeFileSync(join(dir, 'V1__a.sql'), 'CREATE TABLE a (id int);\n');
    writeFileSync(join(dir, '2024', 'V2__b.sql'), 'ALTER TABLE a ADD COLUMN b int;\n');
    writeFileSync(join(dir, 'README.md'), 'notes\n');
    const target = linkTarget === 'inside' ? join(dir, 'shared', 'c.txt') : join(root, 'outside', 'V3__c.sql');
    writeFileSync(target, 'ALTER TABLE a ADD COLUMN c int;\n');
    symlinkSync(target, join(dir, 'V3__c.sql'));
    return { root, dir };
  }

  it('Flyway migrations in subfolders are found; a symlink inside the folder is followed; others are listed', async () => {
    const { root, dir } = flywayTree('inside');
    const result = await importInto(root, [dir, '--name', 'fw']);
    expect(result.code, result.stderr).toBe(0);
    const plan = readFileSync(join(root, 'plans/fw.yaml'), 'utf8');
    expect(plan).toContain('V1__a.sql, 2024/V2__b.sql, V3__c.sql.');
    expect(plan).toContain('# Left out: README.md: not a .sql file.');
    expect(plan).toContain('# Left out: shared/c.txt: not a .sql file.');
  });

  it('a symlink pointing outside the folder is refused, exit 2, nothing written', async () => {
    const { root, dir } = flywayTree('outside');
    const result = await importInto(root, [dir, '--name', 'fw']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/V3__c\.sql: a symbolic link to .*outside the imported folder/);
    expect(existsSync(join(root, 'plans'))).toBe(false);
  });
});

describe('import --out', () => {
  it('--out naming a folder, even with --force: exit 2, nothing written', async () => {
    const dir = folderWith({ 'm.sql': 'ALTER TABLE t ADD COLUMN c integer;\n' });
    mkdirSync(join(dir, 'out'));
    const result = await importInto(dir, ['m.sql', '--out', 'out', '--force']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/--out out is a folder; nothing was written/);
    expect(readdirSync(join(dir, 'out'))).toEqual([]);
  });
});

describe('import: a plan that does not load is reported at the SQL it came from', () => {
  it('a line of the plan maps to the file:line comment above its step', () => {
    const text = [
      '# header',
      'phases:',
      '  expand:',
      '    # m.sql:7: ALTER TABLE t …',
      '    # → why',
      '    - add_column:',
      '        table: t',
    ].join('\n');
    const files = [{ label: 'm.sql', statements: [] }];
    expect(sourceOfPlanLine(text, 7, files)).toEqual({ file: 'm.sql', line: 7 });
    expect(sourceOfPlanLine(text, 2, files)).toBeUndefined();
  });
});
