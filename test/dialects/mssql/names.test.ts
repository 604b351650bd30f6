/** T-SQL names and literals: what reaches the server for hostile plan text. */
import { describe, expect, it } from 'vitest';
import { mssqlCapabilities } from '../../../src/dialects/mssql/capabilities.js';
import { RESERVED_KEYWORDS } from '../../../src/dialects/mssql/keywords.js';
import {
  MAX_IDENTIFIER_LENGTH,
  mssqlNames,
  quoteIdent,
  quoteLiteral,
  quoteQualified,
} from '../../../src/dialects/mssql/names.js';

describe('mssql ident', () => {
  it('leaves regular identifiers bare, mixed case included', () => {
    expect(quoteIdent('orders')).toBe('orders');
    expect(quoteIdent('customer_id')).toBe('customer_id');
    expect(quoteIdent('_x9')).toBe('_x9');
    expect(quoteIdent('CustomerId')).toBe('CustomerId');
  });

  it('brackets reserved keywords in any case', () => {
    expect(quoteIdent('order')).toBe('[order]');
    expect(quoteIdent('ORDER')).toBe('[ORDER]');
    expect(quoteIdent('user')).toBe('[user]');
    expect(quoteIdent('User')).toBe('[User]');
    expect(quoteIdent('key')).toBe('[key]');
    expect(quoteIdent('within')).toBe('[within]');
  });

  it('doubles a closing bracket and keeps quotes and Unicode inside brackets', () => {
    expect(quoteIdent('a]b')).toBe('[a]]b]');
    expect(quoteIdent(']]')).toBe('[]]]]]');
    expect(quoteIdent("x'y")).toBe("[x'y]");
    expect(quoteIdent('a[b')).toBe('[a[b]');
    expect(quoteIdent('a"b')).toBe('[a"b]');
    expect(quoteIdent('naïve')).toBe('[naïve]');
    expect(quoteIdent('заказ')).toBe('[заказ]');
    expect(quoteIdent('注文')).toBe('[注文]');
  });

  it('brackets what T-SQL would read as something else', () => {
    expect(quoteIdent('1st')).toBe('[1st]');
    expect(quoteIdent('@p1')).toBe('[@p1]');
    expect(quoteIdent('#temp')).toBe('[#temp]');
    expect(quoteIdent('has space')).toBe('[has space]');
    expect(quoteIdent('a.b')).toBe('[a.b]');
    expect(quoteIdent('a-- b')).toBe('[a-- b]');
    expect(quoteIdent('a$b')).toBe('[a$b]');
  });

  it('refuses an empty name and one longer than sysname', () => {
    expect(() => quoteIdent('')).toThrow(/empty/);
    expect(quoteIdent('a'.repeat(MAX_IDENTIFIER_LENGTH))).toBe('a'.repeat(128));
    expect(() => quoteIdent('a'.repeat(MAX_IDENTIFIER_LENGTH + 1))).toThrow(/at most 128 characters/);
  });
});

describe('mssql qualified', () => {
  it('quotes each part as needed and adds no default schema', () => {
    expect(quoteQualified('orders')).toBe('orders');
    expect(quoteQualified('dbo.orders')).toBe('dbo.orders');
    expect(quoteQualified('sales.order')).toBe('sales.[order]');
    expect(quoteQualified('user.a]b')).toBe('[user].[a]]b]');
    expect(quoteQualified('Ventes.Commandes')).toBe('Ventes.Commandes');
  });

  it('splits at the first dot only: the rest belongs to the name', () => {
    expect(quoteQualified('s.a.b')).toBe('s.[a.b]');
  });
});

describe('mssql literal', () => {
  it('is a Unicode literal with single quotes doubled', () => {
    expect(quoteLiteral('abc')).toBe("N'abc'");
    expect(quoteLiteral("x'y")).toBe("N'x''y'");
    expect(quoteLiteral("'; DROP TABLE t; --")).toBe("N'''; DROP TABLE t; --'");
    expect(quoteLiteral('a]b')).toBe("N'a]b'");
    expect(quoteLiteral('')).toBe("N''");
  });

  it('keeps backslashes and Unicode as they are (T-SQL has no escapes in strings)', () => {
    expect(quoteLiteral('C:\\temp\\n')).toBe("N'C:\\temp\\n'");
    expect(quoteLiteral('größe – 注文')).toBe("N'größe – 注文'");
  });
});

describe('mssql names part and keywords', () => {
  it('exposes the three functions as DialectNames', () => {
    expect(mssqlNames.ident('order')).toBe('[order]');
    expect(mssqlNames.qualified('dbo.user')).toBe('dbo.[user]');
    expect(mssqlNames.literal("it's")).toBe("N'it''s'");
  });

  it('holds the 185 reserved keywords of the documentation, lower case', () => {
    expect(RESERVED_KEYWORDS.size).toBe(185);
    for (const word of ['select', 'order', 'user', 'key', 'percent', 'try_convert', 'current_user']) {
      expect(RESERVED_KEYWORDS.has(word)).toBe(true);
    }
    expect(RESERVED_KEYWORDS.has('name')).toBe(false);
    expect(RESERVED_KEYWORDS.has('status')).toBe(false);
  });
});

describe('mssql capabilities', () => {
  it('transactional DDL, online index builds (edition checked at run time), WITH NOCHECK', () => {
    expect(mssqlCapabilities).toEqual({
      transactionalDdl: true,
      onlineIndexBuild: true,
      deferredConstraintValidation: true,
      syncFillsBeforeConstraints: false,
      attachesIndexToConstraint: false,
    });
  });
});
