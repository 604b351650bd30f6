import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOperation } from '../../src/operations/index.js';
import type { Phase, SqlStep, Step } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { applySql, forward, inverse, probe, sqlOf } from '../support/operations.js';

/** The lock's level and tables (its neutral impact is checked in test/dialects/actions-shadow.test.ts). */
const shape = (s: Step) => ({
  id: s.id,
  phase: s.phase,
  sql: (s as SqlStep).sql,
  lock: { level: (s as SqlStep).lock.level, on: (s as SqlStep).lock.on },
});

describe('create_materialized_view SQL', () => {
  it.each([
    [
      { name: 'order_totals', query: 'SELECT customer_id, sum(amount) AS total FROM orders GROUP BY 1' },
      'CREATE MATERIALIZED VIEW order_totals AS\nSELECT customer_id, sum(amount) AS total FROM orders GROUP BY 1\nWITH DATA',
      ['orders'],
      'order_totals',
    ],
    [
      {
        name: 'sales.Totals',
        query: 'SELECT * FROM sales.orders o JOIN customers c ON c.id = o.customer_id',
        with_data: false,
      },
      'CREATE MATERIALIZED VIEW sales."Totals" AS\nSELECT * FROM sales.orders o JOIN customers c ON c.id = o.customer_id\nWITH NO DATA',
      ['sales.orders', 'customers'],
      'sales."Totals"',
    ],
  ])('%j', (spec, sql, tables, quoted) => {
    const [step] = forward('create_materialized_view', spec, 'expand', 'c') as SqlStep[];
    expect(step).toMatchObject({ id: 'c', sql, lock: { level: 'ACCESS SHARE', on: tables }, transactional: true });
    expect(step!.probe).toMatch(/IS NOT NULL$/);
    const undo = inverse('create_materialized_view', spec, 'expand', 'c');
    expect(undo).toMatchObject({ steps: [{ id: 'c/undo', lock: { level: 'ACCESS EXCLUSIVE' } }] });
    // Refused while anything depends on it, never CASCADE: the drop runs after the guard, in its DO block.
    const dropSql = (undo as { steps: SqlStep[] }).steps[0]!.sql;
    expect(dropSql).toMatch(/^DO \$schemashift\$\n/);
    expect(dropSql).toContain(`\n  DROP MATERIALIZED VIEW IF EXISTS ${quoted};\nEND\n`);
  });

  it.each([
    ['SELECT 1 AS one -- trailing comment', /a comment/, 16],
    ['SELECT 1 AS one;', /`;` in a SQL query/, 15],
  ])('refuses %j: a query is spliced before WITH DATA', (query, message, offset) => {
    const result = findOperation('create_materialized_view')!.schema.safeParse({ name: 'v', query });
    expect(result.error!.issues[0]).toMatchObject({
      path: ['query'],
      message: expect.stringMatching(message),
      params: { offset },
    });
  });

  it('reports a query that does not parse with its offset', () => {
    const result = findOperation('create_materialized_view')!.schema.safeParse({
      name: 'v',
      query: 'SELECT a FROM t WHERE',
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({
      path: ['query'],
      params: { offset: 'SELECT a FROM t WHERE'.length },
    });
  });
});

describe('refresh_materialized_view SQL', () => {
  it.each([
    [{ name: 'order_totals' }, 'REFRESH MATERIALIZED VIEW order_totals', 'ACCESS EXCLUSIVE'],
    [
      { name: 'sales.order_totals', concurrently: true },
      'REFRESH MATERIALIZED VIEW CONCURRENTLY sales.order_totals',
      'EXCLUSIVE',
    ],
  ])('%j', (spec, sql, level) => {
    expect(forward('refresh_materialized_view', spec, 'migrate', 'r').map(shape)).toEqual([
      { id: 'r', phase: 'migrate', sql, lock: { level, on: [spec.name] } },
    ]);
    expect(inverse('refresh_materialized_view', spec)).toEqual({ steps: [] });
  });

  it('says in its description that CONCURRENTLY needs a unique index', () => {
    expect(findOperation('refresh_materialized_view')!.description).toMatch(/unique index/);
  });
});

describe('replace_materialized_view SQL', () => {
  const spec = {
    name: 'sales.totals',
    query: 'SELECT customer_id, count(*) AS n FROM sales.orders GROUP BY 1',
    unique_index: { columns: ['customer_id'] },
    indexes: [{ columns: ['n'] }, { name: 'totals_by_n', columns: ['n', 'customer_id'] }],
  };

  it('builds beside, indexes, swaps in one step, drops the old one in contract', () => {
    expect(forward('replace_materialized_view', spec, 'expand', 'r').map(shape)).toEqual([
      {
        id: 'r/build',
        phase: 'expand',
        sql: 'CREATE MATERIALIZED VIEW sales.totals__new AS\nSELECT customer_id, count(*) AS n FROM sales.orders GROUP BY 1\nWITH DATA',
        lock: { level: 'ACCESS SHARE', on: ['sales.orders'] },
      },
      {
        id: 'r/index-totals_customer_id_key',
        phase: 'expand',
        sql: 'CREATE UNIQUE INDEX totals_customer_id_key__new ON sales.totals__new (customer_id)',
        lock: { level: 'SHARE', on: ['sales.totals__new'] },
      },
      {
        id: 'r/index-totals_n_idx',
        phase: 'expand',
        sql: 'CREATE INDEX totals_n_idx__new ON sales.totals__new (n)',
        lock: { level: 'SHARE', on: ['sales.totals__new'] },
      },
      {
        id: 'r/index-totals_by_n',
        phase: 'expand',
        sql: 'CREATE INDEX totals_by_n__new ON sales.totals__new (n, customer_id)',
        lock: { level: 'SHARE', on: ['sales.totals__new'] },
      },
      {
        id: 'r/swap',
        phase: 'expand',
        // Plain renames between the DO block that reads and drops the dependents and the one that recreates them.
        sql: expect.stringContaining(
          [
            '$schemashift$',
            'ALTER INDEX IF EXISTS sales.totals_customer_id_key RENAME TO totals_customer_id_key__old',
            'ALTER INDEX IF EXISTS sales.totals_n_idx RENAME TO totals_n_idx__old',
            'ALTER INDEX IF EXISTS sales.totals_by_n RENAME TO totals_by_n__old',
            'ALTER MATERIALIZED VIEW sales.totals RENAME TO totals__old',
            'ALTER MATERIALIZED VIEW sales.totals__new RENAME TO totals',
            'ALTER INDEX sales.totals_customer_id_key__new RENAME TO totals_customer_id_key',
            'ALTER INDEX sales.totals_n_idx__new RENAME TO totals_n_idx',
            'ALTER INDEX sales.totals_by_n__new RENAME TO totals_by_n',
            'DO $schemashift$',
          ].join(';\n'),
        ),
        lock: { level: 'ACCESS EXCLUSIVE', on: ['sales.totals', 'sales.totals__new'] },
      },
      {
        id: 'r/drop-old',
        phase: 'contract',
        sql: expect.stringContaining('\n  DROP MATERIALIZED VIEW IF EXISTS sales.totals__old;\n'),
        lock: { level: 'ACCESS EXCLUSIVE', on: ['sales.totals__old'] },
      },
    ]);
  });

  it('inverse swaps back only while the old view is kept, then drops the new one', () => {
    const undo = inverse('replace_materialized_view', spec, 'expand', 'r');
    if (!('steps' in undo)) throw new Error('expected reversible');
    const [swapBack, drop] = undo.steps as SqlStep[];
    expect(swapBack!.sql).toMatch(/\nBEGIN\n {2}IF to_regclass\('sales\.totals__old'\) IS NOT NULL THEN\n/);
    expect(swapBack!.sql).toContain('ALTER MATERIALIZED VIEW sales.totals__old RENAME TO totals;');
    expect(drop!.sql).toContain('\n  DROP MATERIALIZED VIEW IF EXISTS sales.totals__new;\n');
  });

  it('keeps generated names within 63 bytes', () => {
    const name = `v${'x'.repeat(62)}`;
    const sql = sqlOf(
      forward('replace_materialized_view', { name, query: 'SELECT 1 AS a', unique_index: { columns: ['a'] } }),
    ).join('\n');
    const names = sql.match(/[A-Za-z_][A-Za-z0-9_]*/g)!.filter((n) => n.startsWith('v'));
    expect(names.length).toBeGreaterThan(3);
    for (const n of names) expect(Buffer.byteLength(n)).toBeLessThanOrEqual(63);
    expect(new Set(names).size).toBeGreaterThan(3);
  });

  it('refuses two indexes that would get the same name', () => {
    const result = findOperation('replace_materialized_view')!.schema.safeParse({
      name: 'v',
      query: 'SELECT 1 AS a',
      indexes: [{ columns: ['a'] }, { columns: ['a'] }],
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({
      path: ['indexes'],
      message: 'two indexes of v would both be named v_a_idx',
    });
  });
});

describe.each(engines)('materialized views on $name', ({ create }) => {
  let db: TestDatabase;
  const rows = async (sql: string) =>
    (await db.query<Record<string, unknown>>(sql)).map((r) => Object.values(r).map(Number));
  const run = (steps: Step[], phases?: Phase[]) => applySql(db, steps, phases);

  beforeAll(async () => {
    db = await create();
    await db.exec('CREATE TABLE mv_orders (id int PRIMARY KEY, customer_id int NOT NULL, amount int NOT NULL)');
    await db.exec('INSERT INTO mv_orders VALUES (1, 1, 10), (2, 1, 5), (3, 2, 7)');
  });
  afterAll(() => db.close());

  it('creates, then refreshes concurrently with a unique index', async () => {
    const spec = {
      name: 'mv_totals',
      query: 'SELECT customer_id, sum(amount) AS total FROM mv_orders GROUP BY customer_id',
    };
    const [step] = forward('create_materialized_view', spec) as SqlStep[];
    expect(await probe(db, step!)).toBe(false);
    await run([step!]);
    expect(await probe(db, step!)).toBe(true);
    expect(await rows('SELECT customer_id, total FROM mv_totals ORDER BY 1')).toEqual([
      [1, 15],
      [2, 7],
    ]);

    await db.exec('CREATE UNIQUE INDEX mv_totals_customer_id_key ON mv_totals (customer_id)');
    await db.exec('INSERT INTO mv_orders VALUES (4, 2, 1), (5, 3, 100)');
    await run(forward('refresh_materialized_view', { name: 'mv_totals', concurrently: true }));
    expect(await rows('SELECT customer_id, total FROM mv_totals ORDER BY 1')).toEqual([
      [1, 15],
      [2, 8],
      [3, 100],
    ]);

    const undo = inverse('create_materialized_view', spec);
    if (!('steps' in undo)) throw new Error('expected reversible');
    await run(undo.steps);
    expect(await probe(db, step!)).toBe(false);
  });

  it('creates WITH NO DATA: unreadable until refreshed', async () => {
    await run(
      forward('create_materialized_view', {
        name: 'mv_empty',
        query: 'SELECT count(*) AS n FROM mv_orders',
        with_data: false,
      }),
    );
    await expect(db.query('SELECT n FROM mv_empty')).rejects.toThrow(/has not been populated/);
    await run(forward('refresh_materialized_view', { name: 'mv_empty' }));
    expect(await rows('SELECT n FROM mv_empty')).toEqual([[5]]);
  });

  it('replaces step by step, keeps readers on the old view until the swap, and can do it again', async () => {
    await db.exec(
      'CREATE MATERIALIZED VIEW mv_counts AS SELECT customer_id, count(*) AS n FROM mv_orders GROUP BY customer_id',
    );
    const spec = {
      name: 'mv_counts',
      query: 'SELECT customer_id, count(*) AS n, sum(amount) AS total FROM mv_orders GROUP BY customer_id',
      unique_index: { columns: ['customer_id'] },
      indexes: [{ columns: ['total'] }],
    };
    const [build, uniq, byTotal, swap, dropOld] = forward('replace_materialized_view', spec) as SqlStep[];

    await run([build!]);
    expect(await probe(db, build!)).toBe(true);
    expect(await rows('SELECT * FROM mv_counts ORDER BY 1')).toEqual([
      [1, 2],
      [2, 2],
      [3, 1],
    ]);
    expect(await rows('SELECT * FROM mv_counts__new ORDER BY 1')).toEqual([
      [1, 2, 15],
      [2, 2, 8],
      [3, 1, 100],
    ]);

    await run([uniq!, byTotal!]);
    expect([await probe(db, uniq!), await probe(db, byTotal!)]).toEqual([true, true]);

    expect(await probe(db, swap!)).toBe(false);
    await run([swap!]);
    expect(await probe(db, swap!)).toBe(true);
    expect(await rows('SELECT * FROM mv_counts ORDER BY 1')).toEqual([
      [1, 2, 15],
      [2, 2, 8],
      [3, 1, 100],
    ]);
    expect(await rows('SELECT * FROM mv_counts__old ORDER BY 1')).toEqual([
      [1, 2],
      [2, 2],
      [3, 1],
    ]);
    const indexes = await db.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE tablename = 'mv_counts' ORDER BY 1",
    );
    expect(indexes.map((i) => i.indexname)).toEqual(['mv_counts_customer_id_key', 'mv_counts_total_idx']);
    await db.exec('INSERT INTO mv_orders VALUES (6, 3, 1)');
    await run(forward('refresh_materialized_view', { name: 'mv_counts', concurrently: true }));
    expect(await rows('SELECT * FROM mv_counts WHERE customer_id = 3')).toEqual([[3, 2, 101]]);

    expect(dropOld!.phase).toBe('contract');
    await run([dropOld!]);
    expect(await probe(db, dropOld!)).toBe(true);

    await run(forward('replace_materialized_view', spec));
    expect(await rows('SELECT * FROM mv_counts ORDER BY 1')).toEqual([
      [1, 2, 15],
      [2, 2, 8],
      [3, 2, 101],
    ]);
    const after = await db.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE tablename LIKE 'mv_counts%' ORDER BY 1",
    );
    expect(after.map((i) => i.indexname)).toEqual(['mv_counts_customer_id_key', 'mv_counts_total_idx']);
  });

  it('inverse after the swap puts the old view back and drops the new one; before the swap it only drops the new one', async () => {
    await db.exec('CREATE MATERIALIZED VIEW mv_back AS SELECT customer_id FROM mv_orders GROUP BY 1');
    await db.exec('CREATE UNIQUE INDEX mv_back_customer_id_key ON mv_back (customer_id)');
    const spec = {
      name: 'mv_back',
      query: 'SELECT customer_id, max(amount) AS top FROM mv_orders GROUP BY 1',
      unique_index: { columns: ['customer_id'] },
    };
    const undo = inverse('replace_materialized_view', spec);
    if (!('steps' in undo)) throw new Error('expected reversible');
    const steps = forward('replace_materialized_view', spec);

    await run(steps, ['expand']);
    expect(await rows('SELECT * FROM mv_back ORDER BY 1')).toEqual([
      [1, 10],
      [2, 7],
      [3, 100],
    ]);
    await run(undo.steps);
    expect(await rows('SELECT * FROM mv_back ORDER BY 1')).toEqual([[1], [2], [3]]);
    expect(await db.query("SELECT to_regclass('mv_back__new') AS n, to_regclass('mv_back__old') AS o")).toEqual([
      { n: null, o: null },
    ]);
    const indexes = await db.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE tablename = 'mv_back'",
    );
    expect(indexes.map((i) => i.indexname)).toEqual(['mv_back_customer_id_key']);

    await run(steps.slice(0, 2));
    await run(undo.steps);
    expect(await rows('SELECT * FROM mv_back ORDER BY 1')).toEqual([[1], [2], [3]]);
    expect(await db.query("SELECT to_regclass('mv_back__new') AS n")).toEqual([{ n: null }]);
  });
});
