/**
 * The sync trigger under writes from both application versions (issue 9, item 8), on real
 * PostgreSQL: old-version statements name only old columns, new-version ones only new columns.
 * Every row's final value is checked after contract, and after a rollback of expand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step } from '../../src/operations/types.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { parsePlan } from '../../src/plan/load.js';
import { forward, inverse, parseSpec, runPhase } from '../support/operations.js';

const pg = postgresAdminUrl ? describe : describe.skip;

async function values(db: TestDatabase, sql: string): Promise<unknown[][]> {
  return (await db.query(sql)).map((row) => Object.values(row));
}

async function rollback(db: TestDatabase, kind: string, spec: unknown): Promise<void> {
  const undo = inverse(kind, spec);
  if (!('steps' in undo)) throw new Error('expected reversible');
  await runPhase(db, undo.steps, 'expand');
}

pg('sync expressions that read other columns of the table', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase();
  });
  afterAll(() => db.close());

  /** pgroll's own example and other forms: each must not break any write of either version. */
  const forms: [
    string,
    string,
    (r: { review: string | null; product: string; found: number; Order: string }) => string | null,
  ][] = [
    ["coalesce(review, product || ' is good')", 'pgroll example', (r) => r.review ?? `${r.product} is good`],
    ['"Order" || \'-\' || found::text', 'quoted name, plpgsql variable name', (r) => `${r.Order}-${r.found}`],
    [
      "CASE WHEN review = 'review' THEN upper(review) ELSE lower(product) END",
      'a literal spelled like a column',
      (r) => (r.review === 'review' ? 'REVIEW' : r.product.toLowerCase()),
    ],
    ['(product)', 'a parenthesised column', (r) => r.product],
  ];

  it.each(forms)(
    '%s (%s): old and new versions write during expand and migrate; contract keeps every value',
    async (expression, _what, expected) => {
      await db.exec(
        'DROP TABLE IF EXISTS reviews; CREATE TABLE reviews (id int PRIMARY KEY, product text NOT NULL, review text, found int NOT NULL DEFAULT 7, "Order" text DEFAULT \'o\')',
      );
      await db.exec(
        "INSERT INTO reviews (id, product, review) VALUES (1, 'apple', 'tasty'), (2, 'pear', NULL), (3, 'fig', 'review')",
      );
      const spec = {
        table: 'reviews',
        column: { name: 'summary', type: 'text' },
        sync_from: { column: 'review', expression },
      };
      const steps: Step[] = [
        ...forward('add_column', spec),
        ...forward(
          'backfill',
          { table: 'reviews', set: { summary: expression }, where: 'summary IS NULL', key: ['id'] },
          'migrate',
          'fill',
        ),
      ];

      await runPhase(db, steps, 'expand');
      await db.exec("INSERT INTO reviews (id, product, review) VALUES (10, 'kiwi', 'sour')"); // old version
      await db.exec("INSERT INTO reviews (id, product) VALUES (11, 'lime')"); // old version, review NULL
      await db.exec("UPDATE reviews SET review = 'crisp' WHERE id = 1"); // old version
      await db.exec("INSERT INTO reviews (id, product, summary) VALUES (12, 'plum', 'new-version summary')"); // new version
      await db.exec("UPDATE reviews SET summary = 'edited by the new version' WHERE id = 2"); // new version
      await runPhase(db, steps, 'migrate');
      await db.exec("INSERT INTO reviews (id, product, review) VALUES (13, 'date', 'sweet')");
      await db.exec('UPDATE reviews SET review = NULL WHERE id = 3');
      await runPhase(db, steps, 'contract');

      const rows = await db.query<{
        id: number;
        review: string | null;
        product: string;
        found: number;
        Order: string;
        summary: string;
      }>('SELECT * FROM reviews ORDER BY id');
      const written: Record<number, string> = { 2: 'edited by the new version', 12: 'new-version summary' };
      expect(rows.map((r) => [r.id, r.summary])).toEqual(rows.map((r) => [r.id, written[r.id] ?? expected(r)]));
      expect(rows).toHaveLength(7);
    },
  );

  it('both ways with expressions over other columns: each version sees what the other wrote', async () => {
    await db.exec(
      'DROP TABLE IF EXISTS reviews; CREATE TABLE reviews (id int PRIMARY KEY, product text NOT NULL, review text)',
    );
    await db.exec("INSERT INTO reviews (id, product, review) VALUES (1, 'apple', 'tasty'), (2, 'pear', NULL)");
    const spec = {
      table: 'reviews',
      column: { name: 'summary', type: 'text' },
      sync_from: {
        column: 'review',
        expression: "coalesce(review, product || ' is good')",
        reverse: "nullif(summary, product || ' is good')",
      },
    };
    const steps: Step[] = [
      ...forward('add_column', spec),
      ...forward(
        'backfill',
        {
          table: 'reviews',
          set: { summary: "coalesce(review, product || ' is good')" },
          where: 'summary IS NULL',
          key: ['id'],
        },
        'migrate',
        'fill',
      ),
    ];
    await runPhase(db, steps, 'expand');
    await db.exec("INSERT INTO reviews (id, product, summary) VALUES (10, 'kiwi', 'sour')"); // new version
    await db.exec("INSERT INTO reviews (id, product, summary) VALUES (11, 'lime', 'lime is good')"); // new version
    await db.exec("INSERT INTO reviews (id, product, review) VALUES (12, 'fig', 'dry')"); // old version
    await db.exec("UPDATE reviews SET summary = 'crisp' WHERE id = 1"); // new version
    await runPhase(db, steps, 'migrate');
    await db.exec("UPDATE reviews SET review = 'ripe' WHERE id = 2"); // old version
    expect(await values(db, 'SELECT id, review, summary FROM reviews ORDER BY id')).toEqual([
      [1, 'crisp', 'crisp'],
      [2, 'ripe', 'ripe'],
      [10, 'sour', 'sour'],
      [11, null, 'lime is good'],
      [12, 'dry', 'dry'],
    ]);
    await runPhase(db, steps, 'contract');
    expect(await values(db, 'SELECT id, summary FROM reviews ORDER BY id')).toEqual([
      [1, 'crisp'],
      [2, 'ripe'],
      [10, 'sour'],
      [11, 'lime is good'],
      [12, 'dry'],
    ]);
  });

  it('a column the expression reads that the table lacks fails expand, not every later INSERT', async () => {
    await db.exec('DROP TABLE IF EXISTS reviews; CREATE TABLE reviews (id int PRIMARY KEY, review text)');
    const steps = forward('add_column', {
      table: 'reviews',
      column: { name: 'summary', type: 'text' },
      sync_from: { column: 'review', expression: "coalesce(review, product || ' is good')" },
    });
    await expect(runPhase(db, steps, 'expand')).rejects.toThrow(/column "product" does not exist/);
    await db.exec("INSERT INTO reviews (id, review) VALUES (1, 'fine')");
    expect(
      await values(db, "SELECT tgname FROM pg_trigger WHERE tgrelid = 'reviews'::regclass AND NOT tgisinternal"),
    ).toEqual([]);
  });
});

pg('rename_column on a column with a DEFAULT: direction decided per write', () => {
  let db: TestDatabase;
  const spec = { table: 'orders', from: 'status', to: 'state', type: 'text', backfill: { key: ['id'] } };
  beforeAll(async () => {
    db = await createPostgresDatabase();
  });
  afterAll(() => db.close());

  async function setup(): Promise<Step[]> {
    await db.exec(
      "DROP TABLE IF EXISTS orders; CREATE TABLE orders (id int PRIMARY KEY, status text NOT NULL DEFAULT 'new', note text)",
    );
    await db.exec(
      "INSERT INTO orders (id, status) VALUES (1, 'new'), (2, 'shipped'), (3, 'new'), (4, 'new'), (5, 'new')",
    );
    const steps = forward('rename_column', spec);
    await runPhase(db, steps, 'expand');
    return steps;
  }

  it('new-version INSERT/UPDATE reach the old column; old-version writes reach the new one; contract keeps every write', async () => {
    const steps = await setup();
    await db.exec("INSERT INTO orders (id, state) VALUES (10, 'paid')"); // new version: status gets its default first
    await db.exec('INSERT INTO orders (id) VALUES (11)'); // old version, default
    await db.exec("INSERT INTO orders (id, status) VALUES (12, 'shipped')"); // old version
    await db.exec("UPDATE orders SET state = 'cancelled' WHERE id = 1"); // new version
    await db.exec("UPDATE orders SET status = 'lost' WHERE id = 2"); // old version
    expect(await values(db, 'SELECT id, status, state FROM orders WHERE id IN (1, 2, 10, 11, 12) ORDER BY id')).toEqual(
      [
        [1, 'cancelled', 'cancelled'],
        [2, 'lost', 'lost'],
        [10, 'paid', 'paid'],
        [11, 'new', 'new'],
        [12, 'shipped', 'shipped'],
      ],
    );
    await runPhase(db, steps, 'migrate');
    await db.exec("INSERT INTO orders (id, state) VALUES (13, 'paid')");
    await db.exec("UPDATE orders SET state = 'refunded' WHERE id = 3");
    await db.exec("UPDATE orders SET state = state, note = 'same value' WHERE id = 4"); // new column set to its own value
    await db.exec("UPDATE orders SET status = 'x', state = 'both' WHERE id = 5"); // a statement setting both: the new column wins
    await runPhase(db, steps, 'contract');
    expect(await values(db, 'SELECT id, state FROM orders ORDER BY id')).toEqual([
      [1, 'cancelled'],
      [2, 'lost'],
      [3, 'refunded'],
      [4, 'new'],
      [5, 'both'],
      [10, 'paid'],
      [11, 'new'],
      [12, 'shipped'],
      [13, 'paid'],
    ]);
  });

  it('rollback after expand leaves the values the new version wrote in the old column', async () => {
    await setup();
    await db.exec("INSERT INTO orders (id, state) VALUES (10, 'paid')");
    await db.exec("UPDATE orders SET state = 'cancelled' WHERE id = 1");
    await db.exec("UPDATE orders SET status = 'lost' WHERE id = 2");
    await rollback(db, 'rename_column', spec);
    expect(await values(db, 'SELECT id, status FROM orders ORDER BY id')).toEqual([
      [1, 'cancelled'],
      [2, 'lost'],
      [3, 'new'],
      [4, 'new'],
      [5, 'new'],
      [10, 'paid'],
    ]);
  });
});

pg('change_type with reverse_using on a column with a DEFAULT', () => {
  let db: TestDatabase;
  const spec = {
    table: 'codes',
    column: 'code',
    type: 'integer',
    using: 'code::integer',
    reverse_using: 'code_new::text',
    backfill: { key: ['id'] },
  };
  beforeAll(async () => {
    db = await createPostgresDatabase();
  });
  afterAll(() => db.close());

  async function setup(): Promise<Step[]> {
    await db.exec(
      "DROP TABLE IF EXISTS codes; CREATE TABLE codes (id int PRIMARY KEY, code text NOT NULL DEFAULT '0')",
    );
    await db.exec("INSERT INTO codes (id, code) VALUES (1, '1'), (2, '2'), (3, ' 3')");
    const steps = forward('change_type', spec);
    await runPhase(db, steps, 'expand');
    return steps;
  }

  it('old readers see what the new version wrote; the backfill leaves old values untouched; contract keeps every write', async () => {
    const steps = await setup();
    await db.exec('INSERT INTO codes (id, code_new) VALUES (10, 5)'); // new version
    await db.exec("INSERT INTO codes (id, code) VALUES (11, '6')"); // old version
    await db.exec('INSERT INTO codes (id) VALUES (12)'); // old version, default
    await db.exec('UPDATE codes SET code_new = 7 WHERE id = 1');
    await db.exec("UPDATE codes SET code = '8' WHERE id = 2");
    expect(await values(db, 'SELECT id, code, code_new FROM codes ORDER BY id')).toEqual([
      [1, '7', 7],
      [2, '8', 8],
      [3, ' 3', null],
      [10, '5', 5],
      [11, '6', 6],
      [12, '0', 0],
    ]);
    await runPhase(db, steps, 'migrate');
    expect(await values(db, 'SELECT code FROM codes WHERE id = 3')).toEqual([[' 3']]);
    await db.exec('INSERT INTO codes (id, code_new) VALUES (13, 9)');
    await runPhase(db, steps, 'contract');
    expect(await values(db, 'SELECT id, code FROM codes ORDER BY id')).toEqual([
      [1, 7],
      [2, 8],
      [3, 3],
      [10, 5],
      [11, 6],
      [12, 0],
      [13, 9],
    ]);
  });

  it('rollback after expand: the old column holds what the new version wrote', async () => {
    await setup();
    await db.exec('INSERT INTO codes (id, code_new) VALUES (10, 5)');
    await rollback(db, 'change_type', spec);
    expect(await values(db, 'SELECT id, code FROM codes ORDER BY id')).toEqual([
      [1, '1'],
      [2, '2'],
      [3, ' 3'],
      [10, '5'],
    ]);
  });
});

pg('the new column must have no default while the trigger decides directions', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase();
  });
  afterAll(() => db.close());

  it('installing the sync function refuses a new column that has a DEFAULT', async () => {
    await db.exec("CREATE TABLE t (id int PRIMARY KEY, a text, b text DEFAULT 'x')");
    const steps = forward('add_column', { table: 't', column: { name: 'b', type: 'text' }, sync_from: 'a' }).slice(1);
    await expect(runPhase(db, steps, 'expand')).rejects.toThrow(/t\.b has a DEFAULT/);
  });
});

describe('sync specs refused at validate time', () => {
  it('with the position of the fault in the plan file', async () => {
    const yaml =
      'name: t\nphases:\n  expand:\n    - add_column:\n        table: reviews\n        column: { name: summary, type: text }\n        sync_from: { column: review, expression: "coalesce(review, (SELECT 1))" }\n';
    await expect(parsePlan('plan.yaml', yaml)).rejects.toThrow(/plan\.yaml:7:\d+: error: [\s\S]*subquery/);
  });

  const add =
    (sync_from: unknown, column: Record<string, unknown> = {}) =>
    () =>
      parseSpec('add_column', { table: 'reviews', column: { name: 'summary', type: 'text', ...column }, sync_from });

  it('add_column with sync_from and a default on the new column: accepted, the trigger compares with it', () => {
    expect(add('review', { default: "'none'" })).not.toThrow();
  });

  it('a volatile default the trigger would compare with is refused, with why', () => {
    expect(add({ column: 'review', default: 'random()::text' }, { default: "'x'" })).toThrow(
      /random\(\), which is volatile: the trigger cannot tell/,
    );
    expect(() => parseSpec('drop_column', { table: 't', column: 'c', down: "'x'", default: "nextval('s')" })).toThrow(
      /nextval\(\), which is volatile/,
    );
  });

  it.each([
    ['coalesce(review, (SELECT max(x) FROM other))', /subquery/],
    ['reviews.review', /qualified reference/],
    ['other.review', /qualified reference/],
    ['$1', /parameter/],
  ])('%s', (expression, message) => {
    expect(add({ column: 'review', expression })).toThrow(message);
    expect(add({ column: 'review', reverse: expression })).toThrow(message);
    expect(() =>
      parseSpec('change_type', { table: 'reviews', column: 'review', type: 'text', using: expression }),
    ).toThrow(message);
    expect(() =>
      parseSpec('change_type', {
        table: 'reviews',
        column: 'review',
        type: 'text',
        reverse_using: `coalesce(review_new, ${expression})`,
      }),
    ).toThrow(message);
  });
});
