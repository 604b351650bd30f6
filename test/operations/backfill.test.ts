import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillStep } from '../../src/operations/types.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { forward, inverse, parseSpec, loopBatches } from '../support/operations.js';

const stepOf = (spec: unknown) => forward('backfill', spec, 'migrate')[0] as BackfillStep & { key?: string[] };

describe('backfill batch SQL', () => {
  it.each([
    [
      'single key with where',
      { table: 'orders', set: { customer_id: 'client_id' }, where: 'customer_id IS NULL', key: ['id'] },
      '(SELECT orders.id::text AS k1 FROM orders WHERE (id) > ($1) AND (customer_id IS NULL) ORDER BY orders.id OFFSET $2 - 1 LIMIT 1) UNION ALL (SELECT orders.id::text AS k1 FROM orders WHERE (id) > ($1) AND (customer_id IS NULL) ORDER BY orders.id DESC LIMIT 1) LIMIT 1;\n' +
        'UPDATE orders SET customer_id = client_id WHERE (id) > ($1) AND (id) <= ($2) AND (customer_id IS NULL)',
    ],
    [
      'single key without where',
      { table: 'orders', set: { customer_id: 'client_id' }, key: ['id'] },
      '(SELECT orders.id::text AS k1 FROM orders WHERE (id) > ($1) ORDER BY orders.id OFFSET $2 - 1 LIMIT 1) UNION ALL (SELECT orders.id::text AS k1 FROM orders WHERE (id) > ($1) ORDER BY orders.id DESC LIMIT 1) LIMIT 1;\n' +
        'UPDATE orders SET customer_id = client_id WHERE (id) > ($1) AND (id) <= ($2)',
    ],
    [
      'composite key, expressions parenthesised',
      {
        table: 'sales.order_lines',
        set: { total: 'qty * price', Note: "'x'" },
        where: 'total IS NULL',
        key: ['order_id', 'line'],
      },
      '(SELECT sales.order_lines.order_id::text AS k1, sales.order_lines.line::text AS k2 FROM sales.order_lines WHERE (order_id, line) > ($1, $2) AND (total IS NULL) ORDER BY sales.order_lines.order_id, sales.order_lines.line OFFSET $3 - 1 LIMIT 1) UNION ALL (SELECT sales.order_lines.order_id::text AS k1, sales.order_lines.line::text AS k2 FROM sales.order_lines WHERE (order_id, line) > ($1, $2) AND (total IS NULL) ORDER BY sales.order_lines.order_id DESC, sales.order_lines.line DESC LIMIT 1) LIMIT 1;\n' +
        'UPDATE sales.order_lines SET total = (qty * price), "Note" = (\'x\') WHERE (order_id, line) > ($1, $2) AND (order_id, line) <= ($3, $4) AND order_id >= $1 AND order_id <= $3 AND (total IS NULL)',
    ],
    [
      'no key: the primary key is found at run time',
      { table: 'user', set: { order: 'legacy_order' } },
      '(SELECT "user".<primary key>::text AS k1 FROM "user" WHERE (<primary key>) > ($1) ORDER BY "user".<primary key> OFFSET $2 - 1 LIMIT 1) UNION ALL (SELECT "user".<primary key>::text AS k1 FROM "user" WHERE (<primary key>) > ($1) ORDER BY "user".<primary key> DESC LIMIT 1) LIMIT 1;\n' +
        'UPDATE "user" SET "order" = legacy_order WHERE (<primary key>) > ($1) AND (<primary key>) <= ($2)',
    ],
  ])('%s', (_name, spec, sql) => {
    expect(stepOf(spec).batchSql).toBe(sql);
  });

  it('fills the step: defaults in ms, throttle, lock, key; inverse is empty', () => {
    const step = stepOf({
      table: 'orders',
      set: { customer_id: 'client_id' },
      key: ['id'],
      throttle: { max_replica_lag: '5s', query: 'SELECT 1', above: 0 },
    });
    expect(step).toMatchObject({
      id: 'backfill:test',
      phase: 'migrate',
      kind: 'backfill',
      table: 'orders',
      set: { customer_id: 'client_id' },
      key: ['id'],
      batch: { size: 200, delayMs: 0, adaptive: true },
      throttle: { maxReplicaLagMs: 5000, query: 'SELECT 1', above: 0 },
      lock: { level: 'ROW EXCLUSIVE', on: ['orders'] },
    });
    expect(step.batch.maxRowsPerSecond).toBeUndefined();
    expect(step.batch.targetMs).toBeUndefined();
    expect(inverse('backfill', { table: 'orders', set: { customer_id: 'client_id' } })).toEqual({ steps: [] });
  });

  it('paces itself with no size, delay or target_ms; any one of them makes the settings fixed', () => {
    const of = (batch: Record<string, unknown>) => stepOf({ table: 'orders', set: { a: 'b' }, batch }).batch;
    expect(of({ workers: 2, max_rows_per_second: 9000 })).toEqual({
      size: 200,
      delayMs: 0,
      adaptive: true,
      workers: 2,
      maxRowsPerSecond: 9000,
    });
    expect(of({ size: 300 })).toEqual({ size: 300, delayMs: 2 });
    expect(of({ delay: '0ms' })).toEqual({ size: 100, delayMs: 0 });
    expect(of({ target_ms: 50 })).toEqual({ size: 100, delayMs: 2, targetMs: 50 });
  });

  it('converts explicit batch settings', () => {
    const step = stepOf({
      table: 'orders',
      set: { a: 'b' },
      batch: { size: 5000, delay: '50ms', target_ms: 300, max_rows_per_second: 50000 },
      throttle: { max_lock_waiters: 2 },
    });
    expect(step.batch).toEqual({ size: 5000, delayMs: 50, targetMs: 300, maxRowsPerSecond: 50000 });
    expect(stepOf({ table: 'orders', set: { a: 'b' }, batch: { target_ms: 0 } }).batch).toEqual({
      size: 100,
      delayMs: 2,
    });
    expect(step.throttle).toEqual({ maxLockWaiters: 2 });
  });

  it.each([
    ['batch size 0', { batch: { size: 0 } }, /too small|>0|> 0/i],
    ['a negative target_ms', { batch: { target_ms: -1 } }, /too small|>=0|>= 0/i],
    ['negative batch size', { batch: { size: -5 } }, /too small|>0|> 0/i],
    ['max_rows_per_second 0', { batch: { max_rows_per_second: 0 } }, /too small|>0|> 0/i],
    ['a bad column name in set', { set: { 'customer-id': 'client_id' } }, /not a valid identifier/],
    ['a syntax error in a set expression', { set: { customer_id: 'client_id +' } }, /does not parse/],
    ['an empty set', { set: {} }, /names no column/],
    ['a set that writes a key column', { key: ['id'], set: { id: 'id + 1' } }, /key column/],
    ['throttle query without above', { throttle: { query: 'SELECT 1' } }, /needs `above`/],
    ['throttle above without query', { throttle: { above: 3 } }, /needs `query`/],
    ['a throttle query that is not a SELECT', { throttle: { query: 'DELETE FROM t', above: 0 } }, /SELECT/],
  ])('rejects %s', (_name, patch, message) => {
    expect(() => parseSpec('backfill', { table: 'orders', set: { customer_id: 'client_id' }, ...patch })).toThrow(
      message,
    );
  });
});

/** Run batchSql from JS as the runner does; returns the number of batches. */
async function runBatches(db: TestDatabase, step: BackfillStep, _key: string[], start: unknown[]): Promise<number> {
  return loopBatches(db, step.batchSql, step.batch.size, start);
}

describe.each(engines)('backfill on $name', ({ create }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await create();
  });
  afterAll(() => db.close());

  const countUpdates = `CREATE FUNCTION bf_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updates := OLD.updates + 1; RETURN NEW; END $$`;

  it('batches over 1,000 rows update each row exactly as one UPDATE would', async () => {
    await db.exec(countUpdates);
    for (const t of ['bf_orders', 'bf_expected']) {
      await db.exec(
        `CREATE TABLE ${t} (id int PRIMARY KEY, client_id int, customer_id int, updates int NOT NULL DEFAULT 0)`,
      );
      await db.exec(
        `INSERT INTO ${t} (id, client_id, customer_id) SELECT i, i * 7 % 101, CASE WHEN i % 3 = 0 THEN -i END FROM generate_series(1, 1000) AS i`,
      );
      await db.exec(`CREATE TRIGGER bf_count BEFORE UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION bf_count()`);
    }
    await db.exec('UPDATE bf_expected SET customer_id = client_id * 2 WHERE customer_id IS NULL');
    const step = stepOf({
      table: 'bf_orders',
      set: { customer_id: 'client_id * 2' },
      where: 'customer_id IS NULL',
      key: ['id'],
      batch: { size: 37 },
    });
    expect(await runBatches(db, step, ['id'], [0])).toBe(Math.ceil(667 / 37));
    const diff = await db.query(
      '(TABLE bf_orders EXCEPT TABLE bf_expected) UNION ALL (TABLE bf_expected EXCEPT TABLE bf_orders)',
    );
    expect(diff).toEqual([]);
    const [summary] = await db.query<{ once: string; untouched: string }>(
      'SELECT count(*) FILTER (WHERE updates = 1) AS once, count(*) FILTER (WHERE updates = 0) AS untouched FROM bf_orders',
    );
    expect([Number(summary?.once), Number(summary?.untouched)]).toEqual([667, 333]);
  });

  it('walks a key named like its output column (k1) in key order, and a uuid key', async () => {
    await db.exec(
      'CREATE TABLE bf_k1 (k1 int PRIMARY KEY, v int); INSERT INTO bf_k1 (k1) SELECT g FROM generate_series(1, 25) AS g',
    );
    const byName = stepOf({ table: 'bf_k1', set: { v: 'k1 * 2' }, key: ['k1'], batch: { size: 4 } });
    expect(await runBatches(db, byName, ['k1'], [0])).toBe(Math.ceil(25 / 4));
    await db.exec(
      `CREATE TABLE bf_uuid (id uuid PRIMARY KEY, v int); INSERT INTO bf_uuid (id) SELECT md5(g::text)::uuid FROM generate_series(1, 30) AS g`,
    );
    const byUuid = stepOf({ table: 'bf_uuid', set: { v: '1' }, key: ['id'], batch: { size: 7 } });
    expect(await runBatches(db, byUuid, ['id'], ['00000000-0000-0000-0000-000000000000'])).toBe(Math.ceil(30 / 7));
    const [left] = await db.query<{ n: string }>(
      'SELECT (SELECT count(*) FROM bf_k1 WHERE v IS DISTINCT FROM k1 * 2) + (SELECT count(*) FROM bf_uuid WHERE v IS NULL) AS n',
    );
    expect(Number(left?.n)).toBe(0);
  });

  it('batches over a composite key', async () => {
    await db.exec('CREATE TABLE bf_lines (order_id int, line int, qty int, total int, PRIMARY KEY (order_id, line))');
    await db.exec(
      'INSERT INTO bf_lines (order_id, line, qty) SELECT o, l, o + l FROM generate_series(1, 30) AS o, generate_series(1, 7) AS l',
    );
    const step = stepOf({
      table: 'bf_lines',
      set: { total: 'qty * 10' },
      key: ['order_id', 'line'],
      batch: { size: 20 },
    });
    expect(await runBatches(db, step, ['order_id', 'line'], [0, 0])).toBe(Math.ceil(210 / 20));
    const [left] = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM bf_lines WHERE total IS DISTINCT FROM qty * 10',
    );
    expect(Number(left?.n)).toBe(0);
  });
});
