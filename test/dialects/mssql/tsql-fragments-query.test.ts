import { describe, expect, it } from 'vitest';
import { tsqlFragments as f } from '../../../src/dialects/mssql/tsql-fragments.js';

describe('T-SQL fragments: hostile text inside one token stays one token', () => {
  it.each([
    ["'); DROP TABLE t; --'", 'value'],
    ["N'it''s /* not a comment */'", 'value'],
    ['[x]]) OR 1=1 --]', 'value'],
    ['"a; GO"', 'value'],
    ["a = 'GO'", 'condition'],
  ] as const)('%j as a %s', (text, kind) => {
    expect(f.fragmentProblem(text, kind)).toBeUndefined();
  });
});

describe('T-SQL fragments: queries', () => {
  it.each([
    'SELECT 1',
    'SELECT DISTINCT TOP 10 a FROM t',
    'SELECT TOP (5) PERCENT a FROM s.t AS x ORDER BY a',
    'SELECT a, COUNT_BIG(*) AS n FROM t GROUP BY a HAVING COUNT_BIG(*) > 1',
    'SELECT 1 FROM t WHERE a IN (SELECT b FROM u) AND NOT EXISTS (SELECT 1 FROM v WHERE v.id = t.id)',
    'SELECT (SELECT MAX(id) FROM u) AS top_id',
    'SELECT x.* FROM db.dbo.t x FULL OUTER JOIN u ON x.id = u.id RIGHT JOIN w ON w.id = u.id',
  ])('%s', (query) => {
    expect(f.fragmentProblem(query, 'query')).toBeUndefined();
  });

  it.each([
    ['SELECT a FROM t CROSS APPLY f(t.a)', 'CROSS APPLY is not read in plan queries', 22],
    ['SELECT 1 FOR XML PATH', 'FOR is not read in plan queries', 9],
    ['SELECT a FROM dbo.f(1)', 'a table-valued function is not read in plan queries', 19],
    ['SELECT a FROM t INNER HASH JOIN u ON 1 = 1', 'join hints are not read in plan queries', 22],
    ['SELECT TOP (1) WITH TIES a FROM t', 'TOP … WITH TIES is not read in plan queries', 15],
    [
      'SELECT a FROM t WHERE a',
      '`a` is a value, not a condition: T-SQL has no boolean values (found the end of the query after it)',
      23,
    ],
    ['SELECT a AS FROM t', 'expected an alias after AS, found `FROM`', 12],
    ['SELECT a FROM t OPTION (RECOMPILE)', 'OPTION is not read in plan queries', 16],
  ])('refuses %j', (query, message, offset) => {
    expect(f.fragmentProblem(query, 'query')).toMatchObject({ message, offset });
  });

  it('never reads a column-definition word as a user type', () => {
    expect(f.fragmentProblem('SPARSE', 'type')).toEqual({
      message: '`sparse` is a column option, not a type',
      offset: 0,
      hint: 'write the type first',
    });
  });
});
