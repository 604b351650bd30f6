/**
 * Both application versions writing through rename_column / change_type with up and down, and
 * through the row-computed syncs (drop_column down, add_column up), with defaults on either side:
 * every value either version wrote is asserted after rollback and after contract.
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

async function leftovers(db: TestDatabase, table: string): Promise<unknown[][]> {
  return rows(
    db,
    `SELECT tgname FROM pg_trigger WHERE tgrelid = '${table}'::regclass AND NOT tgisinternal ` +
      "UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE 'schemashift_sync%'",
  );
}

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

  describe('rename_column with up and down that are not inverses', () => {
    const spec = {
      table: 'users',
      from: 'email',
      to: 'login',
      type: 'text',
      up: 'lower(email)',
      down: 'login',
      backfill: { key: ['id'] },
    };
    async function writeBoth(): Promise<Step[]> {
      await db.exec("DROP TABLE IF EXISTS users; CREATE TABLE users (id int PRIMARY KEY, email text DEFAULT 'none')");
      await db.exec("INSERT INTO users VALUES (1, 'A@X'), (2, 'B@X')");
      const steps = forward('rename_column', spec);
      await runPhase(db, steps, 'expand');
      await db.exec("INSERT INTO users (id, email) VALUES (10, 'C@Y')"); // old
      await db.exec('INSERT INTO users (id) VALUES (11)'); // old, default
      await db.exec("INSERT INTO users (id, login) VALUES (20, 'New@Z')"); // new: kept as written
      await db.exec("UPDATE users SET login = 'Edit@Z' WHERE id = 2"); // new
      await runPhase(db, steps, 'migrate');
      await probesHold(db, steps, 'migrate');
      await db.exec("UPDATE users SET email = 'D@Y' WHERE id = 20"); // old, on a new-version row
      await db.exec("INSERT INTO users (id, login) VALUES (21, 'Late@Z')"); // new
      return steps;
    }
    it('rollback: the old column has what each version wrote', async () => {
      await writeBoth();
      await rollback(db, 'rename_column', spec);
      expect(await rows(db, 'SELECT id, email FROM users ORDER BY id')).toEqual([
        [1, 'A@X'],
        [2, 'Edit@Z'],
        [10, 'C@Y'],
        [11, 'none'],
        [20, 'D@Y'],
        [21, 'Late@Z'],
      ]);
      expect(await leftovers(db, 'users')).toEqual([]);
    });
    it('contract: new-version values are not overwritten by up(row) in the backfill', async () => {
      const steps = await writeBoth();
      await runPhase(db, steps, 'contract');
      await probesHold(db, steps, 'contract');
      expect(await rows(db, 'SELECT id, login FROM users ORDER BY id')).toEqual([
        [1, 'a@x'],
        [2, 'Edit@Z'],
        [10, 'c@y'],
        [11, 'none'],
        [20, 'd@y'],
        [21, 'Late@Z'],
      ]);
      expect(await leftovers(db, 'users')).toEqual([]);
    });
  });

  describe('change_type with up and down over other columns, old column with a default', () => {
    const spec = {
      table: 'prices',
      column: 'amount',
      type: 'numeric',
      up: "nullif(amount, '')::numeric * rate",
      down: '(amount_new / rate)::text',
      backfill: { key: ['id'] },
    };
    async function writeBoth(): Promise<Step[]> {
      await db.exec(
        "DROP TABLE IF EXISTS prices; CREATE TABLE prices (id int PRIMARY KEY, amount text NOT NULL DEFAULT '0', rate int NOT NULL DEFAULT 1)",
      );
      await db.exec("INSERT INTO prices VALUES (1, '5', 2), (2, '', 1)");
      const steps = forward('change_type', spec);
      await runPhase(db, steps, 'expand');
      await db.exec("INSERT INTO prices (id, amount, rate) VALUES (10, '7', 3)"); // old
      await db.exec('INSERT INTO prices (id) VALUES (11)'); // old, defaults
      await db.exec('INSERT INTO prices (id, amount_new, rate) VALUES (20, 8, 2)'); // new
      await runPhase(db, steps, 'migrate');
      await db.exec('UPDATE prices SET rate = 10 WHERE id = 1'); // old, a column up reads
      await db.exec('UPDATE prices SET amount_new = 30 WHERE id = 10'); // new
      return steps;
    }
    it('rollback: the old column', async () => {
      await writeBoth();
      await rollback(db, 'change_type', spec);
      expect(await rows(db, 'SELECT id, amount FROM prices ORDER BY id')).toEqual([
        [1, '5'],
        [2, ''],
        [10, '10.0000000000000000'],
        [11, '0'],
        [20, '4.0000000000000000'],
      ]);
    });
    it('contract: the new column', async () => {
      const steps = await writeBoth();
      await runPhase(db, steps, 'contract');
      expect(await rows(db, 'SELECT id, amount::text FROM prices ORDER BY id')).toEqual([
        [1, '50'],
        [2, null],
        [10, '30'],
        [11, '0'],
        [20, '8'],
      ]);
    });
  });

  describe('drop_column with down', () => {
    const spec = { table: 'accounts', column: 'legacy', down: "'L-' || name" };
    async function writeBoth(): Promise<Step[]> {
      await db.exec(
        'DROP TABLE IF EXISTS accounts; CREATE TABLE accounts (id int PRIMARY KEY, legacy text NOT NULL, name text)',
      );
      await db.exec("INSERT INTO accounts VALUES (1, 'one', 'a'), (2, 'two', 'b')");
      const steps = forward('drop_column', spec);
      await runPhase(db, steps, 'expand');
      await probesHold(db, steps, 'expand');
      await db.exec("INSERT INTO accounts (id, legacy, name) VALUES (10, 'ten', 'c')"); // old
      await db.exec("UPDATE accounts SET legacy = 'uno' WHERE id = 1"); // old
      await db.exec("INSERT INTO accounts (id, name) VALUES (20, 'd')"); // new: NOT NULL satisfied by down
      await db.exec("UPDATE accounts SET name = 'e' WHERE id = 2"); // new: legacy follows
      await db.exec("UPDATE accounts SET name = 'f', legacy = 'own' WHERE id = 10"); // old, both: its value kept
      return steps;
    }
    it('rollback: the column stays, every row consistent, the trigger gone', async () => {
      await writeBoth();
      await rollback(db, 'drop_column', spec);
      expect(await rows(db, 'SELECT id, legacy, name FROM accounts ORDER BY id')).toEqual([
        [1, 'uno', 'a'],
        [2, 'L-e', 'e'],
        [10, 'own', 'f'],
        [20, 'L-d', 'd'],
      ]);
      expect(await leftovers(db, 'accounts')).toEqual([]);
    });
    it('contract: the trigger, its function and the column go in one step', async () => {
      const steps = await writeBoth();
      await runPhase(db, steps, 'contract');
      await probesHold(db, steps, 'contract');
      expect(await rows(db, 'SELECT * FROM accounts ORDER BY id')).toEqual([
        [1, 'a'],
        [2, 'e'],
        [10, 'f'],
        [20, 'd'],
      ]);
      expect(await leftovers(db, 'accounts')).toEqual([]);
    });
  });

  it('drop_column down with the column at its declared default: INSERTs leaving it get down(row)', async () => {
    await db.exec(
      "DROP TABLE IF EXISTS tickets; CREATE TABLE tickets (id int PRIMARY KEY, status text NOT NULL DEFAULT 'new', closed boolean NOT NULL DEFAULT false)",
    );
    const spec = {
      table: 'tickets',
      column: 'status',
      down: "CASE WHEN closed THEN 'closed' ELSE 'open' END",
      default: "'new'",
    };
    const steps = forward('drop_column', spec);
    await runPhase(db, steps, 'expand');
    await db.exec("INSERT INTO tickets (id, status) VALUES (1, 'held')"); // old, written
    await db.exec('INSERT INTO tickets (id, closed) VALUES (2, true)'); // new
    await db.exec('INSERT INTO tickets (id) VALUES (3)'); // either, left out
    expect(await rows(db, 'SELECT id, status FROM tickets ORDER BY id')).toEqual([
      [1, 'held'],
      [2, 'closed'],
      [3, 'open'],
    ]);
    await rollback(db, 'drop_column', spec);
    expect(await leftovers(db, 'tickets')).toEqual([]);
  });

  it('add_column up with a default: unwritten rows get up(row), written ones keep their value', async () => {
    await db.exec('DROP TABLE IF EXISTS clients; CREATE TABLE clients (id int PRIMARY KEY, spend int)');
    await db.exec('INSERT INTO clients VALUES (1, 500)');
    const spec = {
      table: 'clients',
      column: { name: 'tier', type: 'text', default: "'basic'" },
      up: "CASE WHEN spend > 100 THEN 'gold' ELSE 'basic' END",
    };
    const steps = forward('add_column', spec);
    await runPhase(db, steps, 'expand');
    await db.exec('INSERT INTO clients (id, spend) VALUES (10, 200)'); // old
    await db.exec("INSERT INTO clients (id, spend, tier) VALUES (20, 300, 'silver')"); // new
    await db.exec('UPDATE clients SET spend = 50 WHERE id = 10'); // old: tier follows
    await db.exec("UPDATE clients SET tier = 'platinum' WHERE id = 1"); // new
    await db.exec('UPDATE clients SET spend = 1 WHERE id = 20'); // old on a new row: recomputed (up reads spend)
    expect(await rows(db, 'SELECT id, tier FROM clients ORDER BY id')).toEqual([
      [1, 'platinum'],
      [10, 'basic'],
      [20, 'basic'],
    ]);
    await runPhase(db, steps, 'contract');
    expect(await leftovers(db, 'clients')).toEqual([]);
    expect(await rows(db, 'SELECT id, tier FROM clients ORDER BY id')).toHaveLength(3);
  });

  it('a json column with a default (json has no =): compared by binary image, no write fails', async () => {
    await db.exec('DROP TABLE IF EXISTS docs; CREATE TABLE docs (id int PRIMARY KEY, raw text)');
    const spec = {
      table: 'docs',
      column: { name: 'meta', type: 'json', default: "'{}'" },
      up: "json_build_object('raw', raw)",
    };
    await runPhase(db, forward('add_column', spec), 'expand');
    await db.exec("INSERT INTO docs (id, raw) VALUES (1, 'a')"); // old
    await db.exec("INSERT INTO docs (id, raw, meta) VALUES (2, 'b', '{\"x\": 1}')"); // new
    await db.exec("UPDATE docs SET raw = 'c' WHERE id = 1"); // old
    expect(await rows(db, 'SELECT id, meta::text FROM docs ORDER BY id')).toEqual([
      [1, '{"raw" : "c"}'],
      [2, '{"x": 1}'],
    ]);
    await rollback(db, 'add_column', spec);
  });

  it('add_column sync_from both ways with defaults on both sides: the per-statement rule', async () => {
    await db.exec(
      "DROP TABLE IF EXISTS orders; CREATE TABLE orders (id int PRIMARY KEY, status text NOT NULL DEFAULT 'new')",
    );
    const spec = {
      table: 'orders',
      column: { name: 'state', type: 'text', default: "'draft'" },
      sync_from: { column: 'status', expression: 'upper(status)', reverse: 'lower(state)', default: "'new'" },
    };
    const steps = forward('add_column', spec);
    await runPhase(db, steps, 'expand');
    await db.exec("INSERT INTO orders (id, status) VALUES (1, 'paid')"); // old, written
    await db.exec('INSERT INTO orders (id) VALUES (2)'); // both at their defaults: left alone
    await db.exec("INSERT INTO orders (id, state) VALUES (3, 'SHIPPED')"); // new, written
    await db.exec("INSERT INTO orders (id, status, state) VALUES (4, 'paid', 'LOST')"); // both: the new side wins
    await db.exec("INSERT INTO orders (id, status) VALUES (5, 'new')"); // old writes the default: not written
    await db.exec("UPDATE orders SET status = 'held' WHERE id = 2"); // old
    await db.exec("UPDATE orders SET state = 'DONE' WHERE id = 1"); // new
    expect(await rows(db, 'SELECT id, status, state FROM orders ORDER BY id')).toEqual([
      [1, 'done', 'DONE'],
      [2, 'held', 'HELD'],
      [3, 'shipped', 'SHIPPED'],
      [4, 'lost', 'LOST'],
      [5, 'new', 'draft'],
    ]);
  });
});
