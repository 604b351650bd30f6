/**
 * add_check with `column` + `up`: the CHECK goes on a copy of the column, so the old application
 * version keeps writing values that violate it while the new version writes the copy. Both
 * versions write during expand and migrate; rollback leaves the old column with every value;
 * contract swaps the copy in with the CHECK valid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStep, Step } from '../../src/operations/types.js';
import { parsePlan } from '../../src/plan/load.js';
import { lint } from '../lint/helpers.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { convalidated, forward, inverse, parseSpec, probe, runPhase } from '../support/operations.js';

const spec = {
  table: 'posts',
  name: 'posts_title_length',
  expression: 'length(title) > 3',
  column: 'title',
  type: 'text',
  up: "CASE WHEN length(title) > 3 THEN title ELSE title || '-xxx' END",
  not_null: true,
  backfill: { key: ['id'] },
};

async function rows(db: TestDatabase, columns: string): Promise<unknown[][]> {
  return (await db.query(`SELECT id, ${columns} FROM posts ORDER BY id`)).map((r) => Object.values(r));
}

async function columnsOf(db: TestDatabase): Promise<string[]> {
  const found = await db.query<{ attname: string }>(
    "SELECT attname FROM pg_attribute WHERE attrelid = 'posts'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
  );
  return found.map((r) => r.attname);
}

const sqlSteps = (steps: Step[], phase: string) =>
  steps.filter((s): s is SqlStep => s.kind === 'sql' && s.phase === phase && s.probe !== undefined);

describe('add_check with up: the plan', () => {
  it('puts the CHECK on the copy, NOT VALID then VALIDATE, before the application gate', () => {
    const steps = forward('add_check', spec);
    const ids = steps.map((s) => `${s.phase} ${s.id.replace('add_check:test', '')}`);
    expect(ids).toEqual([
      'expand ',
      'expand /sync-function',
      'expand /sync-trigger',
      'migrate /backfill',
      'migrate /verify',
      'migrate /not-null-check',
      'migrate /not-null-validate',
      'migrate /set-not-null',
      'migrate /drop-not-null-check',
      'migrate /on-copy',
      'migrate /on-copy/validate',
      'migrate /deploy',
      'contract /swap',
      'contract /drop-sync-function',
    ]);
    const sql = steps.map((s) => ('sql' in s ? s.sql : ''));
    expect(sql).toContain(
      'ALTER TABLE posts ADD CONSTRAINT posts_title_length CHECK (length(title_new) > 3) NOT VALID',
    );
    expect(sql).toContain('ALTER TABLE posts VALIDATE CONSTRAINT posts_title_length');
  });

  it('without up it is exactly the in-place add_check', () => {
    const plain = { table: 'posts', name: 'posts_title_length', expression: 'length(title) > 3' };
    expect(forward('add_check', plain).map((s) => s.id)).toEqual(['add_check:test', 'add_check:test/validate']);
  });

  it.each([
    [{ ...spec, column: undefined }, /`up` needs `column`/],
    [{ ...spec, type: undefined }, /missing `type`/],
    [{ ...spec, column: 'body' }, /the expression does not read body/],
    [{ ...spec, validate: false }, /`validate: false` cannot be used with `up`/],
    [{ ...spec, down: 'upper(title)' }, /down does not read title_new/],
    [{ ...spec, up: '(SELECT 1)' }, /subquery/],
    [{ table: 'posts', name: 'c', expression: 'length(title) > 3', type: 'text' }, /`type` is only used with `up`/],
    [{ table: 'posts', name: 'c', expression: 'length(title) > 3', not_null: true }, /`not_null` is only used/],
  ])('refuses %j', (given, message) => {
    expect(() => parseSpec('add_check', given)).toThrow(message);
  });
});

describe('add_check with up: in a plan', () => {
  const entry =
    "    - add_check: { table: posts, name: c, expression: 'length(title) > 3', column: title, type: text, up: 'title' }\n";
  const plan = (rest: string) => `name: t\nphases:\n  expand:\n${entry}${rest}`;

  it('refuses if_exists: adopt: the copy would be overwritten', async () => {
    const adopt = plan('').replace('    - add_check:', '    - if_exists: adopt\n      add_check:');
    await expect(parsePlan('plan.yaml', adopt)).rejects.toThrow(/copy of title \(title_new\)/);
  });

  it('drop-column-still-synced: dropping the copy, or the column before contract, is flagged', async () => {
    const early = await lint(plan('  migrate:\n    - drop_column: { table: posts, column: title }\n'));
    expect(early.map((f) => f.rule)).toContain('drop-column-still-synced');
    const copy = await lint(plan('  contract:\n    - drop_column: { table: posts, column: title_new }\n'));
    expect(copy.find((f) => f.rule === 'drop-column-still-synced')?.message).toMatch(/migrated data is thrown away/);
  });
});

describe.each(engines)('add_check with up on $name: both versions write', ({ create }) => {
  let db: TestDatabase;
  const steps = forward('add_check', spec);
  beforeAll(async () => {
    db = await create();
  });
  afterAll(() => db.close());

  async function setup(): Promise<void> {
    await db.exec('DROP TABLE IF EXISTS posts; CREATE TABLE posts (id int PRIMARY KEY, title text NOT NULL)');
    await db.exec("INSERT INTO posts VALUES (1, 'ab'), (2, 'a long title')");
  }

  /** Old version: writes title only; new version: writes title_new only. */
  async function writeDuringExpand(): Promise<void> {
    await db.exec("INSERT INTO posts (id, title) VALUES (3, 'x')"); // old version, violates the CHECK
    await db.exec("UPDATE posts SET title = 'yo' WHERE id = 2"); // old version, violates it
    await db.exec("INSERT INTO posts (id, title_new) VALUES (4, 'brand new')"); // new version
    await db.exec("UPDATE posts SET title_new = 'edited' WHERE id = 1"); // new version
  }

  it('expand → writes → migrate → rollback keeps every old value; re-run → contract: CHECK valid', async () => {
    await setup();
    await runPhase(db, steps, 'expand');
    for (const step of sqlSteps(steps, 'expand')) expect(await probe(db, step)).toBe(true);
    await writeDuringExpand();
    expect(await rows(db, 'title, title_new')).toEqual([
      [1, 'edited', 'edited'],
      [2, 'yo', 'yo-xxx'],
      [3, 'x', 'x-xxx'],
      [4, 'brand new', 'brand new'],
    ]);
    await runPhase(db, steps, 'migrate');
    for (const step of sqlSteps(steps, 'migrate')) expect(await probe(db, step)).toBe(true);
    expect(await convalidated(db, 'posts', 'posts_title_length')).toBe(true);
    await db.exec("INSERT INTO posts (id, title) VALUES (5, 'z')"); // old version still writes a violating value
    await expect(db.exec("INSERT INTO posts (id, title_new) VALUES (6, 'no')")).rejects.toThrow(/posts_title_length/);
    await db.exec("UPDATE posts SET title_new = 'fine title' WHERE id = 3"); // new version

    const undo = inverse('add_check', spec);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await runPhase(db, undo.steps, 'expand');
    expect(await columnsOf(db)).toEqual(['id', 'title']);
    expect(await convalidated(db, 'posts', 'posts_title_length')).toBeUndefined();
    expect(await rows(db, 'title')).toEqual([
      [1, 'edited'],
      [2, 'yo'],
      [3, 'fine title'],
      [4, 'brand new'],
      [5, 'z'],
    ]);
    await db.exec("INSERT INTO posts (id, title) VALUES (7, 'q')"); // no trigger left: the old version alone

    for (const phase of ['expand', 'migrate'] as const) await runPhase(db, steps, phase);
    const swap = steps.find((s) => s.id.endsWith('/swap')) as SqlStep;
    expect(await probe(db, swap)).toBe(false);
    await runPhase(db, steps, 'contract');
    expect(await probe(db, swap)).toBe(true);
    expect(await columnsOf(db)).toEqual(['id', 'title']);
    expect(await convalidated(db, 'posts', 'posts_title_length')).toBe(true);
    expect(await rows(db, 'title')).toEqual([
      [1, 'edited'],
      [2, 'yo-xxx'],
      [3, 'fine title'],
      [4, 'brand new'],
      [5, 'z-xxx'],
      [7, 'q-xxx'],
    ]);
    const [notNull] = await db.query<{ attnotnull: boolean }>(
      "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'posts'::regclass AND attname = 'title'",
    );
    expect(notNull?.attnotnull).toBe(true);
    await expect(db.exec("INSERT INTO posts VALUES (8, 'no')")).rejects.toThrow(/posts_title_length/);
    const triggers = await db.query("SELECT 1 FROM pg_trigger WHERE tgrelid = 'posts'::regclass AND NOT tgisinternal");
    expect(triggers).toEqual([]);
  });

  it('a run killed after the copy got its CHECK resumes: the done steps probe true, the rest false', async () => {
    await setup();
    await runPhase(db, steps, 'expand');
    const migrate = steps.filter((s) => s.phase === 'migrate');
    const onCopy = migrate.findIndex((s) => s.id.endsWith('/on-copy'));
    await runPhase(db, migrate.slice(0, onCopy + 1), 'migrate');
    const validate = migrate[onCopy + 1] as SqlStep;
    expect(await probe(db, migrate[onCopy] as SqlStep)).toBe(true);
    expect(await probe(db, validate)).toBe(false);
    await runPhase(db, migrate.slice(onCopy + 1), 'migrate');
    expect(await probe(db, validate)).toBe(true);
  });
});
