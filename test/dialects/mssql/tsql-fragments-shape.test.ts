import { describe, expect, it } from 'vitest';
import type { FragmentKind } from '../../../src/dialects/parser.js';
import { tsqlFragments as f } from '../../../src/dialects/mssql/tsql-fragments.js';

const problem = (text: string, kind: FragmentKind) => f.fragmentProblem(text, kind);

describe('T-SQL fragments: PostgreSQL spellings get the T-SQL for them', () => {
  it.each([
    ['x::int', 'value', '`::` is PostgreSQL cast syntax, not T-SQL', 1, 'write CAST(x AS type)'],
    [
      'now()',
      'value',
      '`now()` is not a SQL Server function',
      0,
      'write SYSDATETIME() (datetime2) or GETDATE() (datetime)',
    ],
    ['true', 'value', '`true` is not T-SQL', 0, 'T-SQL has no boolean values: write 1 (a bit)'],
    ["a || 'x'", 'value', '`||` is not a T-SQL operator', 2, 'concatenate with `+` or CONCAT(a, b)'],
    ["a ILIKE 'x%'", 'condition', 'ILIKE is PostgreSQL, not T-SQL', 2, 'write LIKE: the column collation decides case'],
    ['SELECT a FROM t LIMIT 10', 'query', 'LIMIT is not read in plan queries', 16, 'write SELECT TOP (n) …'],
    ['boolean', 'type', '`boolean` is not a SQL Server type here', 0, 'SQL Server has no boolean type: write bit'],
    [
      'timestamp',
      'type',
      '`timestamp` is not a SQL Server type here',
      0,
      'in SQL Server `timestamp` is a row version, not a date and time: write rowversion, or datetime2',
    ],
  ] as const)('%j as a %s', (text, kind, message, offset, hint) => {
    expect(problem(text, kind)).toMatchObject({ message, offset, hint });
  });

  it('refuses IS DISTINCT FROM (SQL Server 2022 only) with the INTERSECT spelling', () => {
    const refused = problem('a IS DISTINCT FROM b', 'condition');
    expect(refused).toMatchObject({ message: 'IS [NOT] DISTINCT FROM is not read in plan fragments', offset: 5 });
    expect(refused?.hint).toContain('NOT EXISTS (SELECT a INTERSECT SELECT b)');
  });
});

describe('T-SQL fragments: the shape of each kind', () => {
  it.each([
    ['(a, b) > (1, 2)', 'condition', 'a row value `(a, b)`: T-SQL compares one value at a time', 0],
    [
      'a + 1',
      'condition',
      '`a + 1` is a value, not a condition: T-SQL has no boolean values (found the end of the condition after it)',
      5,
    ],
    [
      'active',
      'condition',
      '`active` is a value, not a condition: T-SQL has no boolean values (found the end of the condition after it)',
      6,
    ],
    [
      '(a + 1)',
      'condition',
      '`(a + 1)` is a value, not a condition: T-SQL has no boolean values (found the end of the condition after it)',
      7,
    ],
    [
      'CASE WHEN a THEN 1 END',
      'value',
      '`a` is a value, not a condition: T-SQL has no boolean values (found `THEN` after it)',
      12,
    ],
    ['a = 1', 'value', 'a condition is not a value in T-SQL (found `=`)', 2],
    ['(a > 1) + 1', 'value', 'a condition is not a value in T-SQL (found `>`)', 3],
    ['(SELECT 1)', 'value', 'a subquery in a SQL expression: schemashift reads subqueries only in queries', 0],
    [
      'EXISTS (SELECT 1)',
      'condition',
      'a subquery in a SQL condition: schemashift reads subqueries only in queries',
      7,
    ],
    ['a = ANY (SELECT 1)', 'condition', 'ANY (subquery) is not read in plan fragments', 4],
    ['a.b.c.d', 'value', 'a column reference has at most three parts (schema.table.column)', 0],
    ['CURRENT_TIMESTAMP()', 'value', 'CURRENT_TIMESTAMP is written without parentheses in T-SQL', 17],
    ['1 +', 'value', 'expected a value, found the end of the expression', 3],
    ['a IS NOT', 'condition', 'expected NULL after IS NOT, found the end of the condition', 8],
    ['SELECT a = 1 FROM t', 'query', '`alias = value` in a select list is not read in plan queries', 7],
    ['SELECT 1 UNION SELECT 2', 'query', 'UNION is not read in plan queries', 9],
    [
      'WITH x AS (SELECT 1) SELECT * FROM x',
      'query',
      'a common table expression (WITH …) is not read in plan fragments',
      0,
    ],
    [
      'SELECT * FROM t WITH (UPDLOCK)',
      'query',
      'expected a read hint (NOLOCK, READUNCOMMITTED, READCOMMITTED, READPAST, NOWAIT), found `UPDLOCK`',
      22,
    ],
  ] as const)('%j as a %s', (text, kind, message, offset) => {
    expect(problem(text, kind)).toMatchObject({ message, offset });
  });
});

describe('T-SQL fragments: types within their documented limits', () => {
  it.each([
    ['nvarchar(5000)', 'nvarchar(5000): the length must be from 1 to 4000', 'write nvarchar(max) for longer values'],
    ['varchar(8001)', 'varchar(8001): the length must be from 1 to 8000', 'write varchar(max) for longer values'],
    ['decimal(0)', 'decimal(0): the precision must be from 1 to 38', 'write decimal as the message says'],
    ['decimal(5, 6)', 'decimal(5, 6): the scale must be from 0 to the precision', 'write decimal as the message says'],
    ['datetime2(8)', 'datetime2(8): the length must be from 0 to 7', 'write datetime2 as the message says'],
    ['char(max)', 'char(max): char has no max; the largest is 8000', 'write char as the message says'],
    ['int(4)', 'int(4): int takes no length or precision', 'write int as the message says'],
    ['varchar', 'varchar without a length is varchar(1) in a column (30 in CAST)', 'write varchar(n) or varchar(max)'],
    [
      'foo(3)',
      '`foo(3)` is not a SQL Server system type, and a user-defined type takes no arguments',
      'check the spelling of the type',
    ],
  ])('%s', (text, message, hint) => {
    expect(problem(text, 'type')).toEqual({ message, offset: 0, hint });
  });

  it('checks the type inside CAST too, at its offset', () => {
    expect(problem('CAST(a AS varchar)', 'value')).toMatchObject({
      offset: 10,
      message: expect.stringContaining('varchar(1)'),
    });
  });
});
