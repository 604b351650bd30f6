/** The PostgreSQL SqlParser describes raw SQL in neutral terms, without changing what src/sql decides. */
import { beforeAll, describe, expect, it } from 'vitest';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { fragmentProblem } from '../../src/dialects/postgres/sql/fragment.js';
import { lockOfStatement, ownTransactionReason, splitStatements } from '../../src/dialects/postgres/sql/statements.js';

const parser = postgres.parser;
beforeAll(() => parser.load());

describe('postgres.parser', () => {
  const script = `BEGIN; CREATE INDEX CONCURRENTLY idx_a ON app.orders (a);\n  ALTER TABLE orders ADD COLUMN b int; VACUUM orders`;

  it('splits a script with the same text, offsets, locks and transaction needs as src/sql', () => {
    const described = parser.splitStatements(script);
    const raw = splitStatements(script);
    expect(described.map((s) => [s.text, s.offset])).toEqual(raw.map((s) => [s.text, s.offset]));
    expect(described.map((s) => s.lock)).toEqual(raw.map((s) => lockOfStatement(s.node)));
    expect(described.map((s) => s.ownTransactionReason)).toEqual(raw.map((s) => ownTransactionReason(s.node)));
    expect(described.map((s) => [s.label, s.controlsTransaction])).toEqual([
      ['transaction', true],
      ['index', false],
      ['alter_table', false],
      ['vacuum', false],
    ]);
    expect(described[1]?.buildsIndex).toEqual({ name: 'idx_a', table: 'app.orders' });
  });

  it('keeps fragment problems and marks the ones that do not parse', () => {
    expect(parser.fragmentProblem('a +', 'value')).toMatchObject({ ...fragmentProblem('a +', 'value'), syntax: true });
    expect(parser.fragmentProblem('a, b', 'value')).toEqual(fragmentProblem('a, b', 'value'));
    expect(parser.statementsProblem('SELEC 1')?.syntax).toBe(true);
    expect(parser.syntaxProblem('SELECT 1')).toBeUndefined();
  });

  it('reads the columns a condition requires NOT NULL, and volatile calls', () => {
    expect(parser.notNullColumns('a IS NOT NULL AND b > 0 AND t.c IS NOT NULL')).toEqual(['a', 'c']);
    expect(parser.notNullColumns('a > 0')).toEqual([]);
    expect(parser.volatility('gen_random_uuid()')).toEqual({ volatile: true, fn: 'gen_random_uuid' });
    expect(parser.unknownCalls('public.f(1) + 2')).toEqual([{ kind: 'function', schema: 'public', name: 'f' }]);
  });
});
