import { describe, expect, it } from 'vitest';
import { tsqlFragments as f } from '../../../src/dialects/mssql/tsql-fragments.js';

describe('T-SQL fragments: defaults and their calls', () => {
  it('calls NEWID(), NEWSEQUENTIALID(), CRYPT_GEN_RANDOM() and NEXT VALUE FOR volatile: one value per row', () => {
    expect(f.volatility('NEWID()')).toEqual({ volatile: true, fn: 'newid' });
    expect(f.volatility("CONCAT(N'x', NEWSEQUENTIALID())")).toEqual({ volatile: true, fn: 'newsequentialid' });
    expect(f.volatility('CRYPT_GEN_RANDOM(4)')).toEqual({ volatile: true, fn: 'crypt_gen_random' });
    expect(f.volatility('NEXT VALUE FOR dbo.ids')).toEqual({ volatile: true, fn: 'next value for' });
  });

  it('reads runtime constants (GETDATE(), SYSDATETIME(), CURRENT_TIMESTAMP, RAND()) as not volatile', () => {
    for (const e of ['GETDATE()', 'DATEADD(day, 1, SYSDATETIME())', 'CURRENT_TIMESTAMP', 'RAND()', '0'])
      expect(f.volatility(e)).toEqual({ volatile: false });
  });

  it('lists user functions and unknown names once each, built-ins never', () => {
    expect(f.unknownCalls('dbo.f(x) + foo(1) + DBO.F(2) + LEN(a) + COALESCE(b, GETDATE())')).toEqual([
      { kind: 'function', schema: 'dbo', name: 'f' },
      { kind: 'function', name: 'foo' },
    ]);
    expect(f.unknownCalls('CAST(a AS int) + IIF(b > 0, 1, 0)')).toEqual([]);
  });
});

describe('T-SQL fragments: column references', () => {
  it('renames bare references only, token by token, keeping the rest of the text exactly', () => {
    expect(f.renameColumnRefs("qty + [Qty] * t.qty + LEN('qty') /* qty */ + DATEADD(qty, 1, x)", 'qty', 'amount')).toBe(
      "[amount] + [amount] * t.qty + LEN('qty') /* qty */ + DATEADD(qty, 1, x)",
    );
    expect(f.renameColumnRefs('a IS NOT NULL AND a>0', 'a', 'b]c')).toBe('[b]]c] IS NOT NULL AND [b]]c]>0');
    expect(() => f.renameColumnRefs('a +', 'a', 'b')).toThrow(/does not parse/);
  });

  it('reads whether an expression, condition or query names a column', () => {
    expect(f.readsColumn('a + b', 'B')).toBe(true);
    expect(f.readsColumn("a + LEN('b')", 'b')).toBe(false);
    expect(f.readsColumn('SELECT 1 FROM t WHERE b > 0', 'b')).toBe(true);
    expect(f.readsColumn('a +', 'a')).toBeUndefined();
  });

  it('finds the column of an index key that is just a column', () => {
    expect(f.bareColumn('[Qty]')).toBe('Qty');
    expect(f.bareColumn('qty')).toBe('qty');
    expect(f.bareColumn('qty + 1')).toBeUndefined();
    expect(f.bareColumn('t.qty')).toBeUndefined();
  });

  it('brackets a column reference, doubling ]', () => {
    expect(f.columnRef('order')).toBe('[order]');
    expect(f.columnRef('a]b')).toBe('[a]]b]');
  });

  it('lists the columns a condition demands NOT NULL of, through AND only', () => {
    expect(
      f.notNullColumns('a IS NOT NULL AND (t.b IS NOT NULL AND c > 0) AND (d IS NOT NULL OR e IS NOT NULL)'),
    ).toEqual(['a', 'b']);
    expect(f.notNullColumns('NOT (a IS NULL)')).toEqual([]);
    expect(f.notNullColumns('a IS NOT')).toEqual([]);
  });
});

describe('T-SQL fragments: comparable expressions', () => {
  const same = (a: string, b: string) => expect(f.comparableExpression(a)).toBe(f.comparableExpression(b));
  const differ = (a: string, b: string) => expect(f.comparableExpression(a)).not.toBe(f.comparableExpression(b));

  it('ignores spacing, redundant parentheses, keyword case and name quoting (as SQL Server stores definitions)', () => {
    same('((0))', '0');
    same('(getdate())', 'GETDATE ( )');
    same('([Qty]>(0))', 'qty > 0');
    same('a != b', 'a <> b');
    same('((-1))', '-1');
    same('(getdate())', 'CURRENT_TIMESTAMP');
    same('([a]=(3) OR [a]=(2) OR [a]=(1))', 'a IN (1, 2, 3)');
    same('([a]>=(1) AND [a]<=(10) AND [b] IS NOT NULL)', 'b IS NOT NULL AND a BETWEEN 1 AND 10');
    same('([a]<(1) OR [a]>(10))', 'a NOT BETWEEN 1 AND 10');
    same("case when [a] is null then N'x' end", "CASE WHEN a IS NULL THEN N'x' END");
  });

  it('keeps every constant, cast and operation', () => {
    differ("N'x'", "'x'");
    differ('0', '0.0');
    differ('CAST(0.5 AS int)', '0.5');
    differ('a + b * c', '(a + b) * c');
    differ("'X'", "'x'");
    differ('a IN (1, 2)', 'a IN (1, 3)');
    differ('a > 1 AND b > 1', 'a > 1 OR b > 1');
  });

  it('renders the tree canonically and leaves text it cannot read as it is', () => {
    expect(f.comparableExpression('([Qty] > (0)) AND b IS NOT NULL')).toBe('(([b] IS NOT NULL) AND ([qty] > 0))');
    expect(f.comparableExpression('  a +  ')).toBe('a +');
  });
});

describe('T-SQL fragments: names and types', () => {
  it('returns the parts of a type name, synonyms resolved; none when it does not read', () => {
    expect(f.typeNameParts('[dbo].[phone]')).toEqual(['dbo', 'phone']);
    expect(f.typeNameParts('nvarchar(10)')).toEqual(['nvarchar']);
    expect(f.typeNameParts('INTEGER')).toEqual(['int']);
    expect(f.typeNameParts('double precision')).toEqual(['float']);
    expect(f.typeNameParts('serial')).toEqual([]);
    expect(f.typeNameParts('int;')).toEqual([]);
  });

  it('refuses names longer than 128 characters (sysname)', () => {
    expect(f.nameLengthProblem('a'.repeat(128))).toBeUndefined();
    expect(f.nameLengthProblem('a'.repeat(129))).toBe(
      `\`${'a'.repeat(129)}\` is 129 characters long; SQL Server names are at most 128 characters`,
    );
  });
});
