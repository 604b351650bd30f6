import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOperation } from '../../src/operations/index.js';
import type { SqlStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, parseSpec, probe } from '../support/operations.js';

type Issue = { message: string; path: PropertyKey[]; params?: { offset?: number; hint?: string } };

function issuesOf(spec: unknown): Issue[] {
  const result = findOperation('sql')!.schema.safeParse(spec);
  if (result.success) throw new Error('expected the spec to be refused');
  return result.error.issues as Issue[];
}

const shape = (s: SqlStep) => ({ id: s.id, sql: s.sql, transactional: s.transactional, lock: s.lock });

describe('sql SQL', () => {
  it('runs statements that may share a transaction as one step with the whole text and the strongest lock', () => {
    const up = 'ALTER TABLE orders ADD COLUMN x int;\nUPDATE orders SET x = 1;\nSELECT count(*) FROM customers';
    expect((forward('sql', { up }, 'expand', 'sql:t') as SqlStep[]).map(shape)).toEqual([
      {
        id: 'sql:t',
        sql: up,
        transactional: true,
        lock: { level: 'ACCESS EXCLUSIVE', impact: 'blocks-all', on: ['orders'] },
      },
    ]);
  });

  it('a declared lock overrides the derived level, over every table touched', () => {
    const [step] = forward('sql', { up: 'UPDATE orders SET x = 1; DELETE FROM audits', lock: 'SHARE' }) as SqlStep[];
    expect(step!.lock).toEqual({ level: 'SHARE', impact: 'blocks-writes', on: ['orders', 'audits'] });
  });

  it('splits around a statement that cannot run in a transaction block', () => {
    const up = 'CREATE INDEX CONCURRENTLY idx_a ON sales.orders (a);\nUPDATE sales.orders SET a = 0 WHERE a IS NULL;';
    const steps = forward('sql', { up }, 'expand', 'sql:t') as SqlStep[];
    expect(steps.map(shape)).toEqual([
      {
        id: 'sql:t/1',
        sql: 'CREATE INDEX CONCURRENTLY idx_a ON sales.orders (a)',
        transactional: false,
        lock: { level: 'SHARE UPDATE EXCLUSIVE', impact: 'blocks-ddl', on: ['sales.orders'] },
      },
      {
        id: 'sql:t/2',
        sql: 'UPDATE sales.orders SET a = 0 WHERE a IS NULL',
        transactional: true,
        lock: { level: 'ROW EXCLUSIVE', impact: 'blocks-ddl', on: ['sales.orders'] },
      },
    ]);
    expect(steps[0]!.buildsIndex).toBe('idx_a');
    expect(steps[0]!.probe).toContain("to_regclass('sales.idx_a')");
    expect(steps.map((s) => s.summary)).toEqual([
      'run SQL 1/2: CREATE INDEX CONCURRENTLY idx_a ON sales.orders (a)',
      'run SQL 2/2: UPDATE sales.orders SET a = 0 WHERE a IS NULL',
    ]);
  });

  it('transactional: false runs each statement on its own; a lone statement keeps the entry id', () => {
    expect(
      (
        forward(
          'sql',
          { up: 'UPDATE a SET x = 1; UPDATE b SET x = 1', transactional: false },
          'migrate',
          's',
        ) as SqlStep[]
      ).map((s) => [s.id, s.transactional]),
    ).toEqual([
      ['s/1', true],
      ['s/2', true],
    ]);
    expect(
      (forward('sql', { up: 'VACUUM orders' }, 'migrate', 's') as SqlStep[]).map((s) => [
        s.id,
        s.transactional,
        s.lock.level,
      ]),
    ).toEqual([['s', false, 'SHARE UPDATE EXCLUSIVE']]);
  });

  it('inverse: `down` split the same way, or irreversible without it', () => {
    expect(inverse('sql', { up: 'UPDATE a SET x = 1' })).toEqual({ irreversible: 'no `down` SQL given' });
    const undo = inverse(
      'sql',
      { up: 'CREATE INDEX CONCURRENTLY i ON a (x)', down: 'DROP INDEX CONCURRENTLY i' },
      'expand',
      's',
    );
    if (!('steps' in undo)) throw new Error('expected reversible');
    expect((undo.steps as SqlStep[]).map(shape)).toEqual([
      {
        id: 's/undo',
        sql: 'DROP INDEX CONCURRENTLY i',
        transactional: false,
        lock: { level: 'SHARE UPDATE EXCLUSIVE', impact: 'blocks-ddl', on: ['i'] },
      },
    ]);
  });

  it('targets the first table touched', () => {
    const op = findOperation('sql')!;
    expect(op.target(parseSpec('sql', { up: 'UPDATE sales.orders SET x = 1' }))).toBe('sales.orders');
    expect(op.target(parseSpec('sql', { up: 'CREATE EXTENSION pg_trgm' }))).toBe('create_extension');
  });

  it('refuses transactional: true with CREATE INDEX CONCURRENTLY, pointing at the statement', () => {
    const up = 'UPDATE orders SET a = 1;\nCREATE INDEX CONCURRENTLY i ON orders (a)';
    const [issue] = issuesOf({ up, transactional: true });
    expect(issue!.message).toBe(
      'CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and `transactional: true` asks for one',
    );
    expect(issue!.params?.hint).toMatch(/drop `transactional: true`/);
    expect(issue!.path).toEqual(['up']);
    expect(issue!.params?.offset).toBe(up.indexOf('CREATE'));
    expect(issuesOf({ up: 'SELECT 1', down: 'DROP INDEX CONCURRENTLY i', transactional: true })[0]!.path).toEqual([
      'down',
    ]);
  });

  it('refuses transaction control in `up`', () => {
    const [issue] = issuesOf({ up: 'BEGIN; UPDATE a SET x = 1; COMMIT;' });
    expect(issue!.message).toMatch(/transaction control/);
    expect(issue!.params?.offset).toBe(0);
  });

  it('reports bad SQL with the offset of the error', () => {
    const up = 'UPDATE orders SET a = 1;\nALTER TABL orders ADD COLUMN b int';
    const [issue] = issuesOf({ up });
    expect(issue!.path).toEqual(['up']);
    expect(issue!.message).toMatch(/syntax error at or near "TABL"/);
    expect(issue!.params?.offset).toBe(up.indexOf('TABL '));
  });

  it.each([{ up: 'SELECT 1', lock: 'BIG' }, { up: '' }, { down: 'SELECT 1' }, { up: 'SELECT 1', Up: 'x' }])(
    'refuses %j',
    (spec) => {
      expect(issuesOf(spec).length).toBeGreaterThan(0);
    },
  );
});

describe.each(engines)('sql on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(() => db.close());

  it('runs CREATE INDEX CONCURRENTLY and an UPDATE as separate steps, then the `down`', async () => {
    await db.exec(
      'CREATE TABLE raw_orders (id int PRIMARY KEY, a int); INSERT INTO raw_orders VALUES (1, NULL), (2, 5)',
    );
    const spec = {
      up: 'CREATE INDEX CONCURRENTLY raw_orders_a_idx ON raw_orders (a);\nUPDATE raw_orders SET a = 0 WHERE a IS NULL;',
      down: 'DROP INDEX CONCURRENTLY IF EXISTS raw_orders_a_idx;\nUPDATE raw_orders SET a = NULL WHERE a = 0;',
    };
    const steps = forward('sql', spec) as SqlStep[];
    expect(steps.map((s) => s.transactional)).toEqual([false, true]);
    expect(await probe(db, steps[0]!)).toBe(false);
    await applySql(db, [steps[0]!]);
    expect(await probe(db, steps[0]!)).toBe(true);
    await applySql(db, [steps[1]!]);
    expect(await db.query('SELECT id, a FROM raw_orders ORDER BY id')).toEqual([
      { id: 1, a: 0 },
      { id: 2, a: 5 },
    ]);

    const undo = inverse('sql', spec);
    if (!('steps' in undo)) throw new Error('expected reversible');
    expect(undo.steps.map((s) => (s as SqlStep).transactional)).toEqual([false, true]);
    await applySql(db, undo.steps);
    expect(await probe(db, steps[0]!)).toBe(false);
    expect(await db.query('SELECT id, a FROM raw_orders ORDER BY id')).toEqual([
      { id: 1, a: null },
      { id: 2, a: 5 },
    ]);
  });

  it('runs statements that share a transaction as one step', async () => {
    const [step] = forward('sql', {
      up: 'CREATE TABLE raw_one (id int); INSERT INTO raw_one VALUES (1), (2);',
    }) as SqlStep[];
    await applySql(db, [step!]);
    expect(await db.query('SELECT count(*)::int AS n FROM raw_one')).toEqual([{ n: 2 }]);
  });
});
