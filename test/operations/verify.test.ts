import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import type { VerifyStep } from '../../src/operations/types.js';
import { verifyStatements } from '../../src/operations/verify.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { mssql } from '../../src/dialects/mssql/mssql-dialect.js';
import { findOperation } from '../../src/operations/index.js';
import { forward, inverse, loopChunks, parseSpec } from '../support/operations.js';

const stepOf = (spec: unknown) => forward('verify', spec, 'migrate')[0] as VerifyStep;

describe('verify step', () => {
  it('fills the step: read-only chunks of 20,000 by default, no delay, ACCESS SHARE; inverse is empty', () => {
    const step = stepOf({ table: 'orders', compare: { customer_id: 'client_id' }, throttle: { max_lock_waiters: 2 } });
    expect(step).toMatchObject({
      id: 'verify:test',
      phase: 'migrate',
      kind: 'verify',
      summary: 'verify orders: customer_id = client_id',
      table: 'orders',
      compare: { customer_id: 'client_id' },
      batch: { size: 20_000, delayMs: 0 },
      throttle: { maxLockWaiters: 2 },
      lock: { level: 'ACCESS SHARE', on: ['orders'] },
    });
    expect(inverse('verify', { table: 'orders', compare: { customer_id: 'client_id' } })).toEqual({ steps: [] });
  });

  it('on: replica marks the step (its summary says so); on: primary is the default and leaves it out', () => {
    const spec = { table: 'orders', compare: { customer_id: 'client_id' } };
    const onReplica = stepOf({ ...spec, on: 'replica' });
    expect(onReplica).toMatchObject({
      on: 'replica',
      summary: 'verify orders: customer_id = client_id (read on a replica)',
    });
    expect(stepOf(spec)).not.toHaveProperty('on');
    expect(stepOf({ ...spec, on: 'primary' })).not.toHaveProperty('on');
    expect(() => parseSpec('verify', { ...spec, on: 'standby' })).toThrow();
  });

  it('SQL Server refuses on: replica at compile time, saying to verify on the primary', () => {
    const spec = parseSpec('verify', { table: 'orders', compare: { customer_id: 'client_id' }, on: 'replica' });
    const compile = () =>
      findOperation('verify')!.forward(spec, { dialect: mssql, id: 'verify:test', phase: 'migrate' });
    expect(compile).toThrow(/mssql cannot verify on a replica: a verify on a readable secondary/);
    try {
      compile();
    } catch (e) {
      expect((e as { hint?: string }).hint).toMatch(/leave `on` out/);
    }
    const onPrimary = parseSpec('verify', { table: 'orders', compare: { customer_id: 'client_id' } });
    expect(findOperation('verify')!.forward(onPrimary, { dialect: mssql, id: 'v', phase: 'migrate' })).toHaveLength(1);
  });

  it('shows a chunk as one statement: the backfill bound on the key, then one comparison over the key range up to it', () => {
    const step = stepOf({
      table: 'orders',
      compare: { customer_id: 'client_id' },
      key: ['id'],
      where: "status <> 'void'",
    });
    expect(step.chunkSql).toMatch(
      /^WITH b AS MATERIALIZED \(\(SELECT orders\.id AS k1 FROM orders WHERE \(id\) > \(\$1\) AND \(status <> 'void'\) ORDER BY orders\.id OFFSET \$2 - 1 LIMIT 1\) UNION ALL \(SELECT orders\.id AS k1 FROM orders WHERE \(id\) > \(\$1\) AND \(status <> 'void'\) ORDER BY orders\.id DESC LIMIT 1\) LIMIT 1\)\nSELECT b\.k1::text AS k1, c\.rows, c\.mismatches,\n/,
    );
    expect(step.chunkSql).toContain(
      "FROM b CROSS JOIN LATERAL (SELECT count(*) AS rows, count(*) FILTER (WHERE customer_id IS DISTINCT FROM client_id) AS mismatches FROM orders WHERE (id) > ($1) AND (id) <= (b.k1) AND (status <> 'void')) c",
    );
    expect(step.chunkSql).toContain('CASE WHEN c.mismatches > 0 THEN');
  });

  it('compares several columns at once, each expression parenthesised, and bounds a composite key on its first column too', () => {
    const sql = verifyStatements(postgres, { table: 'lines', compare: { total: 'qty * price', note: "'x' --" } }, [
      'order_id',
      'line',
    ]).next;
    expect(sql).toContain("(total IS DISTINCT FROM (qty * price) OR note IS DISTINCT FROM ('x' --\n))");
    expect(sql).toContain(
      'WHERE (order_id, line) > ($1, $2) AND (order_id, line) <= (b.k1, b.k2) AND order_id >= $1 AND order_id <= b.k1',
    );
  });

  it.each([
    ['an empty compare', { compare: {} }, /names no column/],
    ['a bad column name', { compare: { 'customer-id': 'client_id' } }, /not a valid identifier/],
    ['an expression that does not parse', { compare: { customer_id: 'client_id +' } }, /does not parse/],
    ['workers', { batch: { workers: 2 } }, /one chunk at a time/],
    ['a throttle query without above', { throttle: { query: 'SELECT 1' } }, /needs `above`/],
  ])('rejects %s', (_name, patch, message) => {
    expect(() => parseSpec('verify', { table: 'orders', compare: { customer_id: 'client_id' }, ...patch })).toThrow(
      message,
    );
  });
});

describe.skipIf(!postgresAdminUrl)('verify chunk SQL on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_verify_op');
    await db.exec(`CREATE TABLE lines (order_id int NOT NULL, line int NOT NULL, qty int, qty_new bigint, PRIMARY KEY (order_id, line));
      INSERT INTO lines SELECT o, l, o * l, o * l FROM generate_series(1, 50) o, generate_series(1, 4) l;
      UPDATE lines SET qty_new = NULL WHERE (order_id, line) IN ((3, 2), (40, 1));
      UPDATE lines SET qty = NULL, qty_new = NULL WHERE (order_id, line) = (7, 1);`);
  });
  afterAll(() => db?.close());

  it('counts rows whose new value differs (NULL equals NULL) over every chunk of a composite key', async () => {
    const step = stepOf({
      table: 'lines',
      compare: { qty_new: 'qty::bigint' },
      key: ['order_id', 'line'],
      batch: { size: 7 },
    });
    expect(await loopChunks(db, step.chunkSql, 7, [0, 0])).toBe(2);
  });

  it('returns its bound, the first keys that differ and the last one, as text, in key order; no row at the end', async () => {
    const sql = verifyStatements(postgres, { table: 'lines', compare: { qty_new: 'qty::bigint' } }, [
      'order_id',
      'line',
    ]);
    const [row] = await db.query(sql.first, [1000]);
    expect(row).toEqual({
      k1: '50',
      k2: '4',
      rows: '200',
      mismatches: '2',
      sample: [
        ['3', '2'],
        ['40', '1'],
      ],
      last_mismatch: [['40', '1']],
    });
    const [clean] = await db.query(sql.next, [10, 1, 43]);
    expect(clean).toEqual({ k1: '20', k2: '4', rows: '43', mismatches: '0', sample: null, last_mismatch: null });
    expect(await db.query(sql.next, [50, 4, 1000])).toEqual([]);
  });
});
