import { describe, expect, it } from 'vitest';
import type { FragmentKind } from '../../../src/dialects/parser.js';
import { tsqlFragments as f } from '../../../src/dialects/mssql/tsql-fragments.js';

const problem = (text: string, kind: FragmentKind) => f.fragmentProblem(text, kind);

describe('T-SQL fragments: accepted', () => {
  it.each([
    ['1', 'value'],
    ["N'it''s' + 'x'", 'value'],
    ['0x1F', 'value'],
    ['NULL', 'value'],
    ['-(-1.5e3) % 2', 'value'],
    ['[a b] + "c" * t.d', 'value'],
    ['~flags & 3 | b ^ 1', 'value'],
    ['dbo.f(x, 2)', 'value'],
    ['COUNT(*) + COUNT(DISTINCT x)', 'value'],
    ['CAST(x AS decimal(10, 2))', 'value'],
    ['TRY_CONVERT(nvarchar(20), x, 120)', 'value'],
    ["CASE WHEN a > 1 THEN 'x' ELSE 'y' END", 'value'],
    ['CASE a WHEN 1 THEN 2 END', 'value'],
    ['COALESCE(a, 0) + NULLIF(b, 0) + IIF(c > 0, 1, 0)', 'value'],
    ['name COLLATE Latin1_General_CI_AS', 'value'],
    ['CURRENT_TIMESTAMP', 'value'],
    ['DATEADD(day, 1, SYSDATETIME())', 'value'],
    ['NEXT VALUE FOR dbo.order_ids', 'value'],
    ['LEFT(a, 3) /* a block comment closes itself */', 'value'],
    ['a > 0 AND b IS NOT NULL', 'condition'],
    ['(a + 1) * 2 > 3', 'condition'],
    ['((a > 1)) OR NOT (b !< 2)', 'condition'],
    ["a NOT IN (1, 2) AND b BETWEEN 1 AND 2 AND c NOT LIKE 'x!%' ESCAPE '!'", 'condition'],
    ['int', 'type'],
    ['decimal(10, 2)', 'type'],
    ['nvarchar(max)', 'type'],
    ['varchar(8000)', 'type'],
    ['datetime2(7)', 'type'],
    ['double precision', 'type'],
    ['[dbo].[phone_number]', 'type'],
    ['SELECT COUNT(*) FROM dbo.orders o WITH (NOLOCK) WHERE o.qty > 0', 'query'],
    [
      'SELECT TOP (1) a.x, b.* FROM a INNER JOIN b ON a.id = b.id LEFT OUTER JOIN c ON c.id = a.id CROSS JOIN d ' +
        'WHERE EXISTS (SELECT 1 FROM e WHERE e.id = a.id) GROUP BY a.x HAVING COUNT(*) > 1 ORDER BY a.x DESC',
      'query',
    ],
    ['SELECT s.a AS total FROM (SELECT 1 AS a) s', 'query'],
  ] as const)('%s as a %s', (text, kind) => {
    expect(problem(text, kind)).toBeUndefined();
  });
});

describe('T-SQL fragments: what could change the statement they are spliced into', () => {
  it.each([
    ['1); DROP TABLE x; --', 'value', '`)` closes a parenthesis the SQL expression did not open', 1],
    [
      '1 /* */ ; SELECT 1',
      'value',
      '`;` in a SQL expression: it would end the statement the expression is spliced into',
      8,
    ],
    ['a) OR (1=1', 'condition', '`)` closes a parenthesis the SQL condition did not open', 1],
    ["'x'' ; drop", 'value', 'a string is not closed', 0],
    [
      '1\nGO\nDROP TABLE t',
      'value',
      'a line holding only GO in a SQL expression: SQL Server tools end the batch there, even inside a comment or a string',
      2,
    ],
    ['SELECT a FROM t GO', 'query', 'GO in a SQL query: SQL Server tools read it as the end of a batch', 16],
    ['(a = 1', 'condition', '`(` is never closed in the SQL condition', 0],
    ['[a', 'value', 'a [bracketed] name is not closed', 0],
    ['1 /* /* */', 'value', 'a /* comment is not closed', 2],
    [
      'a = 1 -- AND id <= 10',
      'condition',
      'a `--` comment in a SQL condition: it would swallow the SQL written after the condition on the same line',
      6,
    ],
    [
      '1 /* -- */',
      'value',
      'a `--` comment in a SQL expression: it would swallow the SQL written after the expression on the same line',
      5,
    ],
    ['@x + 1', 'value', '`@x` in a SQL expression: a plan fragment has no variables', 0],
    ['1 1', 'value', 'expected the end of the expression, found `1`', 2],
    ['1abc', 'value', '`1abc`: a number runs into the text after it', 1],
    ['DROP TABLE t', 'value', 'expected a value, found `DROP`', 0],
    ['SELECT 1 DELETE FROM t', 'query', '`DELETE` after the query: a query here only reads', 9],
    ['SELECT * INTO t2 FROM t', 'query', 'SELECT … INTO creates a table; a query here only reads', 9],
    ['DELETE FROM t', 'query', 'expected SELECT at the start of a query, found `DELETE`', 0],
    ['varchar(10) NOT NULL', 'type', 'expected the end of the type, found `NOT`', 12],
    ['', 'value', 'the SQL expression is empty', 0],
    ['{fn now()}', 'value', 'T-SQL has no token starting with "{"', 0],
    ['a -\u00a0- 1', 'value', 'an unusual space character (U+00A0) in a SQL expression', 3],
    ['1\0', 'value', 'a NUL character in a SQL expression', 1],
    ['1.2.3', 'value', '`1.2.3`: a number runs into the text after it', 3],
  ] as const)('%j as a %s', (text, kind, message, offset) => {
    expect(problem(text, kind)).toMatchObject({ message, offset });
  });

  it('names the subset and the way out in the hint of what it does not read', () => {
    expect(problem('SUM(a) OVER ()', 'value')).toEqual({
      message: 'OVER is not read in plan fragments',
      offset: 7,
      hint:
        'schemashift reads a subset of T-SQL (SQL Server 2019/2022) in plan fragments: write it within that ' +
        'subset as the message says, or move it to a raw `sql` step',
      syntax: true,
    });
    expect(f.syntaxHint).toContain('move it to a raw `sql` step');
  });
});

describe('text that would change how the statement is sent', () => {
  it.each([
    ['$1 + $2', /`\$1` in a SQL expression: a money constant written with `\$` would be read as a parameter/],
    ['$2.50', /`\$2\.50` in a SQL expression/],
    ['total /*\nGO\nDROP TABLE dbo.orders\nGO\n*/', /a line holding only GO/],
    ["N'a\n  go  \nb'", /a line holding only GO/],
    ["N'a\nGO 5\nb'", /a line holding only GO/],
  ])('%j is refused', (text, message) => {
    expect(f.fragmentProblem(text, 'value')?.message).toMatch(message);
  });

  it('GO with other text on its line is not a batch separator', () => {
    expect(f.fragmentProblem("N'GO team'", 'value')).toBeUndefined();
  });
});
