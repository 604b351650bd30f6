import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/db/index.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import type { BackfillStep, BatchSettings } from '../../src/operations/types.js';
import { adaptBatchSize } from '../../src/runner/backfill-run.js';
import { wrapSql } from '../../src/dialects/postgres/backfill-batch.js';
import { firstWait, lockWaiters, replicaLag, throttleQuery } from '../../src/runner/throttle.js';
import { forward } from '../support/operations.js';
import { backfillEngines, type OpenDatabase } from './support.js';

const batch = (patch: Partial<BatchSettings> = {}): BatchSettings => ({
  size: 1000,
  delayMs: 20,
  targetMs: 200,
  ...patch,
});

describe('batch size and pacing', () => {
  it.each([
    ['on target', 1000, 200, 1000],
    ['twice too slow', 1000, 400, 500],
    ['far too slow: at most halved', 1000, 10_000, 500],
    ['a little fast', 1000, 160, 1250],
    ['far too fast: at most doubled', 1000, 1, 2000],
    ['never above 20 × the configured size', 15_000, 1, 20_000],
    ['never below 10', 12, 10_000, 10],
  ])('%s', (_name, size, elapsed, expected) => {
    expect(adaptBatchSize(size, elapsed, batch())).toBe(expected);
  });

  it('keeps the size without a target, and a configured size under 10 as its own floor', () => {
    expect(adaptBatchSize(1000, 5000, { size: 1000, delayMs: 0 })).toBe(1000);
    expect(adaptBatchSize(5, 5000, batch({ size: 5 }))).toBe(5);
  });
});

describe('batch SQL', () => {
  const step = forward(
    'backfill',
    { table: 'orders', set: { customer_id: 'client_id', total: 'id * 2' }, where: 'customer_id IS NULL' },
    'migrate',
  )[0] as BackfillStep;

  it('a batch is a bound on the key (the size-th row to update, in key order) and an UPDATE of that key range; the first batch has no lower bound', () => {
    const sql = postgres.backfill.batchStatements(step, ['id']);
    expect(sql.firstBound).toBe(
      '(SELECT orders.id::text AS k1 FROM orders WHERE (customer_id IS NULL) ORDER BY orders.id OFFSET $1 - 1 LIMIT 1) UNION ALL (SELECT orders.id::text AS k1 FROM orders WHERE (customer_id IS NULL) ORDER BY orders.id DESC LIMIT 1) LIMIT 1',
    );
    expect(sql.firstUpdate).toBe(
      'UPDATE orders SET customer_id = client_id, total = (id * 2) WHERE (id) <= ($1) AND (customer_id IS NULL)',
    );
    expect(sql.nextBound).toBe(
      '(SELECT orders.id::text AS k1 FROM orders WHERE (id) > ($1) AND (customer_id IS NULL) ORDER BY orders.id OFFSET $2 - 1 LIMIT 1) UNION ALL (SELECT orders.id::text AS k1 FROM orders WHERE (id) > ($1) AND (customer_id IS NULL) ORDER BY orders.id DESC LIMIT 1) LIMIT 1',
    );
    expect(sql.nextUpdate).toBe(
      'UPDATE orders SET customer_id = client_id, total = (id * 2) WHERE (id) > ($1) AND (id) <= ($2) AND (customer_id IS NULL)',
    );
    expect(postgres.backfill.remainingCount(step, ['a', 'order'], true)).toBe(
      'SELECT count(*) AS n FROM orders WHERE (a, "order") > ($1, $2) AND (customer_id IS NULL)',
    );
    const { where: _, ...unfiltered } = step;
    expect(postgres.backfill.remainingCount(unfiltered, ['id'], false)).toBe(
      'SELECT count(*) AS n FROM orders WHERE true',
    );
  });

  it('bounds the first key column alone too for a composite key, so the planner sees the narrow range', () => {
    const sql = postgres.backfill.batchStatements(step, ['a', 'order']);
    expect(sql.firstUpdate).toBe(
      'UPDATE orders SET customer_id = client_id, total = (id * 2) WHERE (a, "order") <= ($1, $2) AND a <= $1 AND (customer_id IS NULL)',
    );
    expect(sql.nextUpdate).toBe(
      'UPDATE orders SET customer_id = client_id, total = (id * 2) WHERE (a, "order") > ($1, $2) AND (a, "order") <= ($3, $4) AND a >= $1 AND a <= $3 AND (customer_id IS NULL)',
    );
    expect(sql.nextBound).toBe(
      '(SELECT orders.a::text AS k1, orders."order"::text AS k2 FROM orders WHERE (a, "order") > ($1, $2) AND (customer_id IS NULL) ORDER BY orders.a, orders."order" OFFSET $3 - 1 LIMIT 1) UNION ALL (SELECT orders.a::text AS k1, orders."order"::text AS k2 FROM orders WHERE (a, "order") > ($1, $2) AND (customer_id IS NULL) ORDER BY orders.a DESC, orders."order" DESC LIMIT 1) LIMIT 1',
    );
  });

  it('parenthesises expressions so they cannot add assignments, and ends trailing comments', () => {
    expect(wrapSql('client_id')).toBe('client_id');
    expect(wrapSql('1, other = 2')).toBe('(1, other = 2)');
    expect(wrapSql('a -- note')).toBe('(a -- note\n)');
  });

  it('writes the settings of a batch, a claim, a verify chunk and a findings record as SET LOCAL after BEGIN', () => {
    const begin = (settings: Parameters<typeof postgres.backfill.transaction>[0]) =>
      postgres.backfill.transaction(settings).begin;
    expect(begin({ lockTimeoutMs: 500, statementTimeoutMs: 9000, durableCommit: false })).toBe(
      "BEGIN; SET LOCAL lock_timeout = '500ms'; SET LOCAL statement_timeout = '9000ms'; SET LOCAL synchronous_commit = off",
    );
    expect(begin({ lockTimeoutMs: 500, durableCommit: true })).toBe(
      "BEGIN; SET LOCAL lock_timeout = '500ms'; SET LOCAL synchronous_commit = on",
    );
    expect(begin({ readOnly: true, lockTimeoutMs: 500, statementTimeoutMs: 9000, durableCommit: false })).toBe(
      "BEGIN; SET TRANSACTION READ ONLY; SET LOCAL lock_timeout = '500ms'; SET LOCAL statement_timeout = '9000ms'; SET LOCAL synchronous_commit = off",
    );
    expect(begin({ durableCommit: false })).toBe('BEGIN; SET LOCAL synchronous_commit = off');
    expect(postgres.backfill.transaction({})).toEqual({ begin: 'BEGIN', commit: 'COMMIT', rollback: 'ROLLBACK' });
  });
});

describe.each(backfillEngines)('throttle signals on $name', (engine) => {
  let db: OpenDatabase;
  let conn: Connection;
  beforeAll(async () => {
    db = await engine.open();
    conn = db.conn;
    await conn.exec('CREATE TABLE quiet (id int PRIMARY KEY)');
  });
  afterAll(() => db?.close());

  it('says go when nothing is wrong', async () => {
    const { rows } = await conn.query<{ oid: number }>("SELECT 'quiet'::regclass::oid::int8 AS oid");
    const oid = Number(rows[0]!.oid);
    expect(
      await firstWait([
        lockWaiters(conn, postgres.activity, 'quiet', oid, 0),
        replicaLag(conn, postgres.activity, 1000),
        throttleQuery({ conn, dialect: postgres }, 'SELECT NULL::int', 0),
      ]),
    ).toEqual({ wait: false });
  });

  it('names the query value and threshold; refuses a value that is not a number', async () => {
    expect(await throttleQuery({ conn, dialect: postgres }, 'SELECT 7::bigint', 0).check()).toEqual({
      wait: true,
      reason: 'throttle query returned 7 > 0',
      cause: 'throttle-query',
    });
    expect(await throttleQuery({ conn, dialect: postgres }, 'SELECT 7', 7).check()).toEqual({ wait: false });
    await expect(throttleQuery({ conn, dialect: postgres }, "SELECT 'busy'", 0).check()).rejects.toThrow(
      /returned "busy", not a number/,
    );
  });
});
