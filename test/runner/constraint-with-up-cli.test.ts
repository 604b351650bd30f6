/**
 * The shipped plans/add-check-with-up.yaml through the built CLI on real PostgreSQL: validate
 * --database, run expand, both application versions write, run migrate, rollback (the old column
 * keeps every value), run again to the end (the CHECK valid on the swapped-in column), and the
 * refusals: a plan that would lose an attachment of the column, the entry listed under migrate.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { runCli, writePlan } from './cli-process.js';

const PLAN = 'plans/add-check-with-up.yaml';

async function rows(db: TestDatabase, sql: string): Promise<unknown[][]> {
  return (await db.query(sql)).map((r) => Object.values(r));
}

describe.skipIf(!postgresAdminUrl)('add_check with up through the CLI (real PostgreSQL)', () => {
  let db: TestDatabase;
  let url: string;
  const cli = async (...args: string[]) => {
    const done = await runCli([...args, '--database', url]);
    return { ...done, out: done.stdout + done.stderr };
  };
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_check_up');
    url = db.url!;
    await db.exec(
      "CREATE TABLE articles (id int PRIMARY KEY, title text NOT NULL); INSERT INTO articles VALUES (1, 'ab')",
    );
  });
  afterAll(() => db?.close());

  it('run, both versions write, rollback, run to the end', async () => {
    expect((await cli('validate', PLAN)).code).toBe(0);
    const expand = await cli('run', PLAN, '--phase', 'expand', '--yes');
    expect(expand.code, expand.out).toBe(0);
    await db.exec("INSERT INTO articles (id, title) VALUES (2, 'x')"); // old version
    await db.exec("INSERT INTO articles (id, title_new) VALUES (3, 'a new title')"); // new version
    const migrate = await cli('run', PLAN, '--phase', 'migrate', '--yes');
    expect(migrate.code, migrate.out).toBe(0);
    await db.exec("UPDATE articles SET title = 'y' WHERE id = 3"); // old version, after the CHECK is on the copy
    expect(await rows(db, 'SELECT id, title, title_new FROM articles ORDER BY id')).toEqual([
      [1, 'ab', 'ab-xxx'],
      [2, 'x', 'x-xxx'],
      [3, 'y', 'y-xxx'],
    ]);

    const rollback = await cli('rollback', PLAN, '--yes');
    expect(rollback.code, rollback.out).toBe(0);
    expect(await rows(db, 'SELECT * FROM articles ORDER BY id')).toEqual([
      [1, 'ab'],
      [2, 'x'],
      [3, 'y'],
    ]);

    const all = await cli('run', PLAN, '--yes');
    expect(all.code, all.out).toBe(0);
    expect(await rows(db, 'SELECT * FROM articles ORDER BY id')).toEqual([
      [1, 'ab-xxx'],
      [2, 'x-xxx'],
      [3, 'y-xxx'],
    ]);
    expect(
      await rows(
        db,
        "SELECT convalidated FROM pg_constraint WHERE conname = 'articles_title_length' AND contype = 'c'",
      ),
    ).toEqual([[true]]);
    const after = await cli('rollback', PLAN, '--yes');
    expect(after.out).toMatch(/contract has started/);
  }, 120_000);

  it('refuses a plan that would lose the comment of the column, before running anything', async () => {
    await db.exec("CREATE TABLE notes (id int PRIMARY KEY, body text); COMMENT ON COLUMN notes.body IS 'kept'");
    const file = writePlan(`name: notes-body
phases:
  expand:
    - add_check: { table: notes, name: notes_body_len, expression: "length(body) > 1", column: body, type: text, up: "body || '.'" }
`);
    const validate = await cli('validate', file);
    expect(validate.code).not.toBe(0);
    expect(validate.out).toMatch(/would lose the comment/);
    const run = await cli('run', file, '--yes');
    expect(run.code, run.out).toBe(2);
    expect(
      await rows(db, "SELECT attname FROM pg_attribute WHERE attrelid = 'notes'::regclass AND attnum > 0"),
    ).toEqual([['id'], ['body']]);
  }, 60_000);

  it('refuses add_check with up listed under migrate (exit 2, nothing executed)', async () => {
    const moved = readFileSync(PLAN, 'utf8').replace('  expand:\n', '  migrate:\n');
    const done = await runCli(['plan', writePlan(moved)]);
    expect(done.code).toBe(2);
    expect(done.stdout + done.stderr).toMatch(
      /`add_check` with these fields spans phases from expand to contract: it cannot be listed under migrate/,
    );
  });
});
