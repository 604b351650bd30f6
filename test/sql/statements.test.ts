import { describe, expect, it } from 'vitest';
import { ensureSqlParser } from '../../src/dialects/postgres/sql/parser.js';
import type { LockInfo } from '../../src/operations/types.js';
import { LOCK_IMPACT, type PostgresLockMode } from '../../src/dialects/postgres/lock-modes.js';
import {
  dollarQuote,
  lockOfStatement,
  needsOwnTransaction,
  ownTransactionReason,
  splitStatements,
  strongestLock,
  tablesRead,
} from '../../src/dialects/postgres/sql/statements.js';

await ensureSqlParser();

function only(sql: string) {
  const [statement] = splitStatements(sql);
  return statement!.node;
}

describe('splitStatements', () => {
  it('returns each statement exactly as written, with its character offset', () => {
    const sql = "CREATE INDEX CONCURRENTLY i ON t (a);\n  -- note\n  UPDATE t SET b = 'é;x' WHERE a = 1;\nSELECT 1";
    const parts = splitStatements(sql);
    expect(parts.map((p) => p.text)).toEqual([
      'CREATE INDEX CONCURRENTLY i ON t (a)',
      "UPDATE t SET b = 'é;x' WHERE a = 1",
      'SELECT 1',
    ]);
    for (const p of parts) expect(sql.slice(p.offset, p.offset + p.text.length)).toBe(p.text);
    expect(parts.map((p) => Object.keys(p.node)[0])).toEqual(['IndexStmt', 'UpdateStmt', 'SelectStmt']);
  });

  it('keeps semicolons inside a DO body and counts offsets in characters after multi-byte text', () => {
    const sql = "SELECT 'ünïcödé'; DO $$ BEGIN PERFORM 1; END $$;";
    const parts = splitStatements(sql);
    expect(parts.map((p) => p.text)).toEqual(["SELECT 'ünïcödé'", 'DO $$ BEGIN PERFORM 1; END $$']);
    expect(parts[1]!.offset).toBe(sql.indexOf('DO'));
  });
});

describe('needsOwnTransaction', () => {
  it.each([
    ['CREATE INDEX CONCURRENTLY i ON t (a)', 'CREATE INDEX CONCURRENTLY'],
    ['DROP INDEX CONCURRENTLY i', 'DROP INDEX CONCURRENTLY'],
    ['REINDEX INDEX CONCURRENTLY i', 'REINDEX CONCURRENTLY'],
    ['ALTER TABLE p DETACH PARTITION c CONCURRENTLY', 'ALTER TABLE … DETACH PARTITION … CONCURRENTLY'],
    ['VACUUM t', 'VACUUM'],
    ['CREATE DATABASE x', 'CREATE DATABASE'],
    ["ALTER SYSTEM SET work_mem = '64MB'", 'ALTER SYSTEM'],
  ])('%s', (sql, reason) => {
    expect(ownTransactionReason(only(sql))).toBe(reason);
    expect(needsOwnTransaction(only(sql))).toBe(true);
  });

  it.each([
    'CREATE INDEX i ON t (a)',
    'DROP INDEX i',
    'REINDEX INDEX i',
    'ALTER TABLE p DETACH PARTITION c',
    'ANALYZE t',
    "ALTER TYPE mood ADD VALUE 'meh'",
    'UPDATE t SET a = 1',
  ])('%s runs in a transaction', (sql) => expect(needsOwnTransaction(only(sql))).toBe(false));
});

describe('lockOfStatement', () => {
  it.each([
    ['ALTER TABLE orders ADD COLUMN x int', 'ACCESS EXCLUSIVE', ['orders']],
    ['ALTER TABLE orders VALIDATE CONSTRAINT c', 'SHARE UPDATE EXCLUSIVE', ['orders']],
    ['ALTER TABLE orders ALTER COLUMN x SET STATISTICS 500', 'SHARE UPDATE EXCLUSIVE', ['orders']],
    [
      'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES sales.customers (id) NOT VALID',
      'SHARE ROW EXCLUSIVE',
      ['orders', 'sales.customers'],
    ],
    ['ALTER TABLE orders VALIDATE CONSTRAINT c, ADD COLUMN y int', 'ACCESS EXCLUSIVE', ['orders']],
    ['ALTER TABLE p DETACH PARTITION c CONCURRENTLY', 'SHARE UPDATE EXCLUSIVE', ['p']],
    ['CREATE INDEX i ON sales.orders (a)', 'SHARE', ['sales.orders']],
    ['CREATE INDEX CONCURRENTLY i ON orders (a)', 'SHARE UPDATE EXCLUSIVE', ['orders']],
    ['DROP TABLE a, s.b', 'ACCESS EXCLUSIVE', ['a', 's.b']],
    ['DROP INDEX idx', 'ACCESS EXCLUSIVE', ['idx']],
    ['DROP INDEX CONCURRENTLY idx', 'SHARE UPDATE EXCLUSIVE', ['idx']],
    ['UPDATE orders SET a = 1', 'ROW EXCLUSIVE', ['orders']],
    ['DELETE FROM orders', 'ROW EXCLUSIVE', ['orders']],
    ['INSERT INTO orders SELECT * FROM archive', 'ROW EXCLUSIVE', ['orders']],
    ['WITH x AS (SELECT 1) SELECT * FROM x JOIN orders ON true', 'ACCESS SHARE', ['orders']],
    ['SELECT * FROM orders FOR UPDATE', 'ROW SHARE', ['orders']],
    ['CREATE TRIGGER tr BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f()', 'SHARE ROW EXCLUSIVE', ['orders']],
    ['REFRESH MATERIALIZED VIEW mv', 'ACCESS EXCLUSIVE', ['mv']],
    ['REFRESH MATERIALIZED VIEW CONCURRENTLY mv', 'EXCLUSIVE', ['mv']],
    ['VACUUM (FULL) orders', 'ACCESS EXCLUSIVE', ['orders']],
    ['CREATE TABLE t (a int)', 'none', []],
    ["SET lock_timeout = '2s'", 'none', []],
    ['ALTER MATERIALIZED VIEW mv RENAME TO mv2', 'ACCESS EXCLUSIVE', ['mv']],
    ['DO $$ BEGIN PERFORM 1; END $$', 'ACCESS EXCLUSIVE', []],
  ])('%s → %s', (sql, level, on) => {
    expect(lockOfStatement(only(sql))).toEqual({ level, impact: LOCK_IMPACT[level as PostgresLockMode], on });
  });

  it('strongestLock keeps the tables locked at the strongest level', () => {
    const locks: LockInfo[] = [
      { level: 'ROW EXCLUSIVE', impact: 'blocks-ddl', on: ['a'] },
      { level: 'SHARE', impact: 'blocks-writes', on: ['b'] },
      { level: 'SHARE', impact: 'blocks-writes', on: ['c', 'b'] },
    ];
    expect(strongestLock(locks)).toEqual({ level: 'SHARE', impact: 'blocks-writes', on: ['b', 'c'] });
    expect(strongestLock([])).toEqual({ level: 'none', impact: 'none', on: [] });
  });

  it('tablesRead finds tables in joins and subqueries, not CTE names', () => {
    expect(
      tablesRead(
        only(
          'WITH c AS (SELECT * FROM s.customers) SELECT * FROM orders o JOIN c ON true WHERE EXISTS (SELECT 1 FROM items)',
        ),
      ).sort(),
    ).toEqual(['items', 'orders', 's.customers']);
  });
});

describe('dollarQuote', () => {
  it('picks a tag that does not occur in the body', () => {
    expect(dollarQuote('BEGIN END')).toBe('$schemashift$BEGIN END$schemashift$');
    expect(dollarQuote('x $schemashift$ y')).toBe('$schemashift_$x $schemashift$ y$schemashift_$');
  });
});
