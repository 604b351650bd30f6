/**
 * Both application versions writing through the shadow-column operations (issue 11): after expand
 * the OLD version writes only the old columns, the NEW version only the new ones, before and after
 * migrate; then rollback (the old column holds what the old version must read) or contract (the
 * final column holds every value). Every written value is asserted, on PostgreSQL and PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { forward, inverse, probe, runPhase } from '../support/operations.js';

async function rows(db: TestDatabase, sql: string): Promise<unknown[][]> {
  return (await db.query(sql)).map((row) => Object.values(row));
}

async function rollback(db: TestDatabase, kind: string, spec: unknown): Promise<void> {
  const undo = inverse(kind, spec);
  if (!('steps' in undo)) throw new Error('expected reversible');
  await runPhase(db, undo.steps, 'expand');
}

async function columnsOf(db: TestDatabase, table: string): Promise<unknown[][]> {
  return rows(
    db,
    `SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = '${table}'::regclass AND attnum > 0 ` +
      'AND NOT attisdropped ORDER BY attnum',
  );
}

async function triggers(db: TestDatabase, table: string): Promise<unknown[][]> {
  return rows(db, `SELECT tgname FROM pg_trigger WHERE tgrelid = '${table}'::regclass AND NOT tgisinternal`);
}

/** Every SQL step's probe is true once its phase ran: a re-run after a kill skips it. */
async function probesHold(db: TestDatabase, steps: Step[], phase: string): Promise<void> {
  for (const step of steps) {
    if (step.kind === 'sql' && step.phase === phase && step.probe) expect(await probe(db, step), step.id).toBe(true);
  }
}

describe.each(engines)('both versions on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(() => db.close());

  describe('set_not_null with up', () => {
    const spec = {
      table: 'posts',
      column: 'title',
      type: 'text',
      up: "coalesce(title, 'untitled: ' || body)",
      backfill: { key: ['id'] },
    };
    async function writeBoth(): Promise<Step[]> {
      await db.exec('DROP TABLE IF EXISTS posts; CREATE TABLE posts (id int PRIMARY KEY, title text, body text)');
      await db.exec("INSERT INTO posts VALUES (1, 'one', 'b1'), (2, NULL, 'b2'), (3, NULL, 'b3')");
      const steps = forward('set_not_null', spec);
      await runPhase(db, steps, 'expand');
      await probesHold(db, steps, 'expand');
      // old version: only title, NULL allowed, with and without the column
      await db.exec("INSERT INTO posts (id, title, body) VALUES (10, NULL, 'b10'), (11, 'eleven', 'b11')");
      await db.exec("INSERT INTO posts (id, body) VALUES (12, 'b12')");
      await db.exec('UPDATE posts SET title = NULL WHERE id = 1');
      // new version: only title_new
      await db.exec("INSERT INTO posts (id, title_new, body) VALUES (20, 'twenty', 'b20')");
      await db.exec("UPDATE posts SET title_new = 'two' WHERE id = 2");
      await runPhase(db, steps, 'migrate');
      await probesHold(db, steps, 'migrate');
      expect(await columnsOf(db, 'posts')).toContainEqual(['title_new', true]);
      // after migrate: the old version still writes NULLs without error
      await db.exec("INSERT INTO posts (id, body) VALUES (13, 'b13')");
      await db.exec("UPDATE posts SET body = 'B3' WHERE id = 3");
      await db.exec("INSERT INTO posts (id, title_new, body) VALUES (21, 'twenty-one', 'b21')");
      return steps;
    }

    it('rollback: the old column holds every old-version NULL and every new-version value', async () => {
      await writeBoth();
      await rollback(db, 'set_not_null', spec);
      expect(await columnsOf(db, 'posts')).toEqual([
        ['id', true],
        ['title', false],
        ['body', false],
      ]);
      expect(await triggers(db, 'posts')).toEqual([]);
      expect(await rows(db, 'SELECT id, title FROM posts ORDER BY id')).toEqual([
        [1, null],
        [2, 'two'],
        [3, null],
        [10, null],
        [11, 'eleven'],
        [12, null],
        [13, null],
        [20, 'twenty'],
        [21, 'twenty-one'],
      ]);
    });

    it('contract: the column is NOT NULL and holds up(row) for every NULL', async () => {
      const steps = await writeBoth();
      await runPhase(db, steps, 'contract');
      await probesHold(db, steps, 'contract');
      expect(await columnsOf(db, 'posts')).toEqual([
        ['id', true],
        ['body', false],
        ['title', true],
      ]);
      expect(await triggers(db, 'posts')).toEqual([]);
      expect(await rows(db, 'SELECT id, title FROM posts ORDER BY id')).toEqual([
        [1, 'untitled: b1'],
        [2, 'two'],
        [3, 'untitled: B3'],
        [10, 'untitled: b10'],
        [11, 'eleven'],
        [12, 'untitled: b12'],
        [13, 'untitled: b13'],
        [20, 'twenty'],
        [21, 'twenty-one'],
      ]);
    });
  });

  describe('drop_not_null with down', () => {
    const spec = {
      table: 'items',
      column: 'label',
      type: 'text',
      down: "coalesce(label_new, 'n/a')",
      backfill: { key: ['id'] },
    };
    async function writeBoth(): Promise<Step[]> {
      await db.exec('DROP TABLE IF EXISTS items; CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL, n int)');
      await db.exec("INSERT INTO items VALUES (1, 'one', 1), (2, 'two', 2)");
      const steps = forward('drop_not_null', spec);
      await runPhase(db, steps, 'expand');
      await probesHold(db, steps, 'expand');
      // old version: label only, never NULL (it is NOT NULL for it)
      await db.exec("INSERT INTO items (id, label) VALUES (10, 'ten')");
      await db.exec("UPDATE items SET label = 'uno' WHERE id = 1");
      // an explicit NULL cannot be told from a new-version INSERT leaving label out (documented): it gets down(row)
      await db.exec('INSERT INTO items (id, label, n) VALUES (19, NULL, 1)');
      // new version: label_new only, NULL allowed, explicit and left out
      await db.exec('INSERT INTO items (id, label_new, n) VALUES (20, NULL, 20)');
      await db.exec('INSERT INTO items (id, n) VALUES (21, 21)');
      await db.exec("INSERT INTO items (id, label_new) VALUES (22, 'twenty-two')");
      await db.exec('UPDATE items SET label_new = NULL WHERE id = 2');
      await runPhase(db, steps, 'migrate');
      await probesHold(db, steps, 'migrate');
      await db.exec("INSERT INTO items (id, label) VALUES (11, 'eleven')");
      await db.exec('INSERT INTO items (id, label_new) VALUES (23, NULL)');
      await db.exec("UPDATE items SET label_new = 'tenth' WHERE id = 10");
      return steps;
    }

    it('rollback: the old column is still NOT NULL and holds down(row) for new-version NULLs', async () => {
      await writeBoth();
      await rollback(db, 'drop_not_null', spec);
      expect(await columnsOf(db, 'items')).toEqual([
        ['id', true],
        ['label', true],
        ['n', false],
      ]);
      expect(await rows(db, 'SELECT id, label FROM items ORDER BY id')).toEqual([
        [1, 'uno'],
        [2, 'n/a'],
        [10, 'tenth'],
        [11, 'eleven'],
        [19, 'n/a'],
        [20, 'n/a'],
        [21, 'n/a'],
        [22, 'twenty-two'],
        [23, 'n/a'],
      ]);
    });

    it('contract: the column is nullable and holds the NULLs the new version wrote', async () => {
      const steps = await writeBoth();
      await runPhase(db, steps, 'contract');
      await probesHold(db, steps, 'contract');
      expect(await columnsOf(db, 'items')).toEqual([
        ['id', true],
        ['n', false],
        ['label', false],
      ]);
      expect(await triggers(db, 'items')).toEqual([]);
      expect(await rows(db, 'SELECT id, label FROM items ORDER BY id')).toEqual([
        [1, 'uno'],
        [2, null],
        [10, 'tenth'],
        [11, 'eleven'],
        [19, null],
        [20, null],
        [21, null],
        [22, 'twenty-two'],
        [23, null],
      ]);
    });
  });
});
