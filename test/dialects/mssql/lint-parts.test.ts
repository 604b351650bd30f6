import { describe, expect, it } from 'vitest';
import { mssqlLint } from '../../../src/dialects/mssql/lint/lint.js';
import { destructiveOutsideContract } from '../../../src/lint/rules/destructive-outside-contract.js';
import { contextOf } from './lint-support.js';

describe('T-SQL lint: names and generated SQL', () => {
  it('compares tables case-insensitively with dbo left out', () => {
    expect(
      ['dbo.Orders', 'DBO.orders', 'Orders', 'Sales.Orders', '[dbo].x'].map((n) => mssqlLint.normaliseTable(n)),
    ).toEqual(['orders', 'orders', 'orders', 'sales.orders', '[dbo].x']);
  });

  it('counts rows and tests NULLs with bracketed names and the condition in parentheses', () => {
    expect(mssqlLint.countRowsWhere('sales.orders', 'a = 1 OR b = 2')).toBe(
      'SELECT COUNT_BIG(*) FROM [sales].[orders] WHERE (a = 1 OR b = 2)',
    );
    expect(mssqlLint.anyNull(['a', 'b]c'])).toBe('[a] IS NULL OR [b]]c] IS NULL');
  });

  it('knows the generated drops, renames and trigger drops', () => {
    expect(mssqlLint.removesOldPath('ALTER TABLE [t] DROP COLUMN IF EXISTS [c]')).toBe(true);
    expect(mssqlLint.removesOldPath('DROP INDEX IF EXISTS [i] ON [t]')).toBe(true);
    expect(mssqlLint.removesOldPath("EXEC sp_rename N'[t]', N'u'")).toBe(true);
    expect(mssqlLint.removesOldPath('ALTER TABLE [t] ADD [c] int NULL')).toBe(false);
    expect(mssqlLint.dropsTrigger('DROP TRIGGER IF EXISTS [s].[tr]')).toBe(true);
    expect(mssqlLint.dropsTrigger('CREATE TRIGGER [tr] ON [t] AFTER INSERT AS SELECT 1')).toBe(false);
  });

  it('offers recipes in T-SQL', () => {
    const r = mssqlLint.recipes;
    expect(r.setDefaultLater('orders', 'n', '0')).toBe(
      '`sql: { up: "ALTER TABLE orders ADD CONSTRAINT DF_orders_n DEFAULT (0) FOR n" }`',
    );
    expect(r.throttleQuery).toBe("SELECT COUNT_BIG(*) FROM sys.dm_tran_locks WHERE request_status = N'WAIT'");
    expect(r.attachUnique('t', 'uq', 'ix')).toMatch(/^SQL Server cannot attach index ix to a constraint/);
    expect(r.serialColumn('t', 'n', 'bigint', 't_n_seq')).toContain(
      'CREATE SEQUENCE t_n_seq AS bigint START WITH 1; ALTER TABLE t ADD CONSTRAINT DF_t_n DEFAULT (NEXT VALUE FOR t_n_seq) FOR n',
    );
    expect(r.volatileDefault('t', 'g', 'uniqueidentifier', 'NEWID()')).toContain(
      '`backfill: { table: t, set: { g: "NEWID()" }, where: "g IS NULL" }`',
    );
  });
});

describe('T-SQL lint: raw statements for the plan rules', () => {
  it('describes drops, column changes and removals, skipping tables the step creates', () => {
    const ctx = contextOf([
      {
        up:
          "ALTER TABLE dbo.Orders ADD note nvarchar(10) NULL DEFAULT N'x', flag bit NULL;\n" +
          'ALTER TABLE orders DROP COLUMN legacy;\nTRUNCATE TABLE audit;\nDROP INDEX ix ON orders',
      },
      { up: 'CREATE TABLE fresh (id int);\nDROP TABLE fresh;\nDROP TABLE old_stuff' },
    ]);
    expect(ctx.raw.map((r) => [r.stepId, r.start, r.text.slice(0, 12), r.removesOldPath])).toEqual([
      ['sql#1', 0, 'ALTER TABLE ', false],
      ['sql#1', 79, 'ALTER TABLE ', true],
      ['sql#1', 118, 'TRUNCATE TAB', true],
      ['sql#1', 140, 'DROP INDEX i', true],
      ['sql#2', 0, 'CREATE TABLE', false],
      ['sql#2', 29, 'DROP TABLE f', true],
      ['sql#2', 47, 'DROP TABLE o', true],
    ]);
    expect(ctx.raw[0]?.columnChanges).toEqual([
      { change: 'add', table: 'orders', column: 'note', offset: 27, hasDefault: true },
      { change: 'add', table: 'orders', column: 'flag', offset: 64, hasDefault: false },
    ]);
    expect(ctx.raw.flatMap((r) => r.destroys)).toEqual([
      { what: 'column', statement: 'DROP COLUMN', table: 'orders', column: 'legacy', offset: 110 },
      { what: 'rows', statement: 'TRUNCATE TABLE', tables: ['audit'] },
      { what: 'index', statement: 'DROP INDEX', names: ['ix'] },
      { what: 'table', statement: 'DROP TABLE', names: ['old_stuff'] },
    ]);
  });

  it('feeds destructive-outside-contract: DROP COLUMN before contract is found, in contract it is not', () => {
    const expand = destructiveOutsideContract.check(contextOf([{ up: 'SELECT 1;\nALTER TABLE t DROP COLUMN c' }]));
    expect(expand.map((f) => [f.rule, f.at.col, f.message])).toEqual([
      [
        'destructive-outside-contract',
        37,
        'DROP COLUMN in the expand phase removes t.c while the running application may still read or write it',
      ],
    ]);
    expect(expand[0]?.help).toContain('  - drop_column: { table: t, column: c }');
    const contract = contextOf([{ up: 'ALTER TABLE t DROP COLUMN c', phase: 'contract' }]);
    expect(destructiveOutsideContract.check(contract)).toEqual([]);
  });

  it('leaves out a step whose SQL is refused (validate reports it)', () => {
    expect(contextOf([{ up: 'UPDATE t SET a = 1 DELETE FROM t' }]).raw).toEqual([]);
  });
});
