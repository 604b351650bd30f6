import { describe, expect, it } from 'vitest';
import { findOperation } from '../../src/operations/index.js';
import { forward, inverse, parseSpec } from '../support/operations.js';

describe('check', () => {
  it.each([
    [
      { sql: 'SELECT count(*) FROM orders WHERE customer_id IS NULL' },
      0,
      'check SELECT count(*) FROM orders WHERE customer_id IS NULL = 0',
    ],
    [
      { sql: 'SELECT bool_and(valid) FROM audits', expect: true },
      true,
      'check SELECT bool_and(valid) FROM audits = true',
    ],
    [
      { sql: "SELECT status FROM jobs WHERE name = 'x'", expect: 'done', message: 'the export job finished' },
      'done',
      'the export job finished',
    ],
    [{ sql: 'SELECT max(a) FROM t', expect: null }, null, 'check SELECT max(a) FROM t = null'],
  ])('%j', (spec, expected, summary) => {
    const steps = forward('check', spec, 'migrate', 'check:t');
    expect(steps).toEqual([
      { id: 'check:t', phase: 'migrate', kind: 'check', summary, sql: spec.sql, expect: expected },
    ]);
    expect(inverse('check', spec)).toEqual({ steps: [] });
  });

  it('targets the table the query reads', () => {
    const op = findOperation('check')!;
    expect(op.target(parseSpec('check', { sql: 'SELECT count(*) FROM sales.orders' }))).toBe('sales.orders');
  });

  it('reports bad SQL with the offset of the error', () => {
    const result = findOperation('check')!.schema.safeParse({ sql: 'SELECT count(*) FRM orders' });
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0] as { message: string; path: PropertyKey[]; params?: { offset?: number } };
    expect(issue.path).toEqual(['sql']);
    expect(issue.message).toMatch(/syntax error at or near "orders"/);
    expect(issue.params?.offset).toBe('SELECT count(*) FRM '.length);
  });

  it('refuses a statement that is not a query, and unknown keys', () => {
    expect(() => parseSpec('check', { sql: 'DELETE FROM orders' })).toThrow(/expected a SELECT query/);
    expect(() => parseSpec('check', { sql: 'SELECT 1', expected: 1 })).toThrow(/expected/);
  });
});
