import { describe, expect, it } from 'vitest';
import { tokenize, TsqlLexError } from '../../../src/dialects/mssql/tsql-lexer.js';

const kinds = (sql: string) => tokenize(sql).map((t) => `${t.kind}:${t.value}`);

describe('T-SQL lexer', () => {
  it('reads names, strings, numbers, variables and symbols', () => {
    expect(
      kinds("SELECT [a]]b], \"c\"\"d\", N'it''s', 'x', 0x1F, 1.5e3, $2.50, @v, @@ROWCOUNT FROM #t WHERE a<>b"),
    ).toEqual([
      'word:SELECT',
      'quoted:a]b',
      'symbol:,',
      'quoted:c"d',
      'symbol:,',
      "string:it's",
      'symbol:,',
      'string:x',
      'symbol:,',
      'number:0x1F',
      'symbol:,',
      'number:1.5e3',
      'symbol:,',
      'number:$2.50',
      'symbol:,',
      'variable:@v',
      'symbol:,',
      'variable:@@ROWCOUNT',
      'word:FROM',
      'word:#T',
      'word:WHERE',
      'word:A',
      'symbol:<>',
      'word:B',
    ]);
  });

  it('skips comments, nested ones too, and records the spacing before a token', () => {
    const tokens = tokenize('a /* x /* y */ z */ b -- c\n.d');
    expect(tokens.map((t) => t.text)).toEqual(['a', 'b', '.', 'd']);
    expect(tokens.map((t) => t.spaced)).toEqual([true, true, true, false]);
  });

  it('refuses unclosed strings, names and comments with their offset', () => {
    for (const [sql, offset] of [
      ["a = 'x", 4],
      ['[a', 0],
      ['/* a /* b */', 0],
      ['"a', 0],
    ] as const) {
      const error = (() => {
        try {
          tokenize(sql);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(TsqlLexError);
      expect((error as TsqlLexError).offset).toBe(offset);
    }
  });

  it('refuses characters T-SQL has no token for', () => {
    expect(() => tokenize('a ? b')).toThrow(/no token starting with "\?"/);
  });
});
