/** SQL Server materialized views as indexed views: exact T-SQL, the query rules checked from tokens, the refusals. */
import { describe, expect, it } from 'vitest';
import type { ViewSwap } from '../../../src/dialects/actions-shadow.js';
import { indexedViewQuery } from '../../../src/dialects/mssql/ddl-views-query.js';
import { refused, rendered } from './render-support.js';

const SET_OPTIONS = [
  'SET ANSI_NULLS, ANSI_PADDING, ANSI_WARNINGS, ARITHABORT, CONCAT_NULL_YIELDS_NULL, QUOTED_IDENTIFIER ON;',
  'SET NUMERIC_ROUNDABORT OFF;',
];
const TOTALS =
  'SELECT o.customer_id, SUM(o.total) AS total, COUNT_BIG(*) AS n FROM dbo.orders AS o ' +
  'JOIN [sales].[customers] c ON c.id = o.customer_id GROUP BY o.customer_id; -- per customer';

describe('create-materialized-view', () => {
  it('creates a schema-bound view through sp_executesql, the query inside an N literal on lines of its own', () => {
    const r = rendered({ kind: 'create-materialized-view', name: 'dbo.totals', query: TOTALS, withData: true });
    expect(r.sql).toBe(
      [
        ...SET_OPTIONS,
        'SET XACT_ABORT ON;',
        'BEGIN TRANSACTION;',
        "IF OBJECT_ID(N'[dbo].[totals]') IS NOT NULL THROW 50000, N'dbo.totals already exists and this step did not create it: it is not replaced', 1;",
        "DECLARE @sql nvarchar(max) = N'CREATE VIEW [dbo].[totals] WITH SCHEMABINDING AS",
        'SELECT o.customer_id, SUM(o.total) AS total, COUNT_BIG(*) AS n FROM dbo.orders AS o JOIN [sales].[customers] c ON c.id = o.customer_id GROUP BY o.customer_id',
        "';",
        'EXEC sys.sp_executesql @sql;',
        'COMMIT TRANSACTION',
      ].join('\n'),
    );
    expect(r.lock).toEqual({ level: 'Sch-S', impact: 'blocks-ddl', on: ['dbo.orders', 'sales.customers'] });
    expect(r.probe).toBe(
      "SELECT CAST(CASE WHEN OBJECTPROPERTY(OBJECT_ID(N'[dbo].[totals]'), 'IsView') = 1 AND " +
        "OBJECTPROPERTY(OBJECT_ID(N'[dbo].[totals]'), 'IsSchemaBound') = 1 THEN 1 ELSE 0 END AS bit)",
    );
  });

  it('keeps quotes of the query inside the literal and brackets a hostile view name', () => {
    const r = rendered({
      kind: 'create-materialized-view',
      name: "a]b.x'; DROP",
      query: "SELECT t.id, t.name FROM dbo.t AS t WHERE t.name <> N'it''s'",
      withData: true,
    });
    expect(r.sql).toContain(
      "DECLARE @sql nvarchar(max) = N'CREATE VIEW [a]]b].[x''; DROP] WITH SCHEMABINDING AS\n" +
        "SELECT t.id, t.name FROM dbo.t AS t WHERE t.name <> N''it''''s''\n';",
    );
  });

  it('refuses WITH NO DATA: an indexed view is always populated', () => {
    const r = refused({ kind: 'create-materialized-view', name: 'v', query: 'SELECT t.a FROM dbo.t', withData: false });
    expect(r.unsupported).toContain('always populated');
  });

  it('refuses a query that breaks an indexed view rule its tokens show', () => {
    const problem = (query: string) => {
      const q = indexedViewQuery(query);
      return 'unsupported' in q
        ? q.unsupported
            .replace('an indexed view cannot hold this query: ', '')
            .replace(/ \(schemashift checks .*\)$/, '')
        : 'accepted';
    };
    expect(indexedViewQuery('SELECT a FROM t')).toMatchObject({
      unsupported: expect.stringContaining(
        'SQL Server checks the rest when the view and its unique clustered index are created',
      ),
      instead: expect.stringContaining('COUNT_BIG(*) with GROUP BY'),
    });
    expect(problem('SELECT a FROM t')).toBe('t: tables must be named schema.table (two parts)');
    expect(problem('SELECT a FROM db.dbo.t')).toBe('db.dbo…: tables must be named schema.table (two parts)');
    expect(problem('SELECT * FROM dbo.t')).toBe('a * column list (name every column)');
    expect(problem('SELECT t.* FROM dbo.t')).toBe('a * column list (name every column)');
    expect(problem('SELECT a.x FROM dbo.a AS a LEFT JOIN dbo.b AS b ON b.id = a.id')).toBe('an outer join');
    expect(problem('SELECT a.x FROM dbo.a a CROSS APPLY dbo.f(a.x) f')).toBe('APPLY');
    expect(problem('SELECT a.x, COUNT(*) AS n FROM dbo.a a GROUP BY a.x')).toBe('COUNT (write COUNT_BIG)');
    expect(problem('SELECT a.x, SUM(a.y) AS s FROM dbo.a a GROUP BY a.x')).toBe(
      'GROUP BY without COUNT_BIG(*) in the column list',
    );
    expect(problem('SELECT DISTINCT a.x FROM dbo.a a')).toBe('DISTINCT');
    expect(problem('SELECT a.x FROM dbo.a a WHERE a.at < GETDATE()')).toBe('the non-deterministic GETDATE');
    expect(problem('SELECT a.x FROM dbo.a a WHERE a.id IN (SELECT b.id FROM dbo.b b)')).toBe('a subquery');
    expect(problem('SELECT x.y FROM (SELECT 1 AS y) x')).toBe('a subquery');
    expect(problem('SELECT a.x FROM dbo.a a; DROP TABLE dbo.a')).toBe('more than one statement');
    expect(problem('SELECT a.x FROM dbo.a a WHERE a.id = @id')).toBe('a variable (@id)');
    expect(problem('WITH c AS (SELECT 1 AS x) SELECT c.x FROM c')).toBe('it does not start with SELECT');
    expect(problem("SELECT a.x FROM dbo.a a WHERE a.n = 'open")).toBe('a string is not closed at offset 36');
  });

  it('accepts inner joins, comma lists, LEFT() as a function and finds every table read', () => {
    const q = indexedViewQuery(
      'SELECT LEFT(a.name, 3) AS p, a.id * 2 AS twice FROM dbo.a AS a, dbo.b b INNER JOIN sales.c ON c.id = b.id;',
    );
    expect(q).toEqual({
      text: 'SELECT LEFT(a.name, 3) AS p, a.id * 2 AS twice FROM dbo.a AS a, dbo.b b INNER JOIN sales.c ON c.id = b.id',
      tables: ['dbo.a', 'dbo.b', 'sales.c'],
    });
  });
});

describe('create-view-index', () => {
  it('makes the first unique index UNIQUE CLUSTERED (it materializes the view), later ones NONCLUSTERED', () => {
    const r = rendered({
      kind: 'create-view-index',
      view: 'dbo.totals',
      name: 'totals_pk',
      columns: ['customer_id'],
      unique: true,
    });
    expect(r.sql).toBe(
      [
        '-- the first (unique clustered) index of a view is built offline: writers of its tables wait for the build',
        ...SET_OPTIONS,
        "IF EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = OBJECT_ID(N'[dbo].[totals]') AND type = 1) " +
          'CREATE UNIQUE NONCLUSTERED INDEX [totals_pk] ON [dbo].[totals] ([customer_id])',
        'ELSE CREATE UNIQUE CLUSTERED INDEX [totals_pk] ON [dbo].[totals] ([customer_id])',
      ].join('\n'),
    );
    expect(r.lock).toEqual({ level: 'S', impact: 'blocks-writes', on: ['dbo.totals'] });
    expect(r.probe).toContain("sys.indexes WHERE object_id = OBJECT_ID(N'[dbo].[totals]') AND name = N'totals_pk'");
  });

  it('refuses (THROW) a non-unique index before the unique clustered one', () => {
    const r = rendered({ kind: 'create-view-index', view: 'v]1', name: "ix'", columns: ['a]'], unique: false });
    expect(r.sql.split('\n').slice(3)).toEqual([
      "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = OBJECT_ID(N'[v]]1]') AND type = 1) THROW 50000, " +
        "N'the first index on view v]1 must be UNIQUE CLUSTERED (it materializes the view): build the unique index before ix''', 1;",
      "CREATE NONCLUSTERED INDEX [ix'] ON [v]]1] ([a]]])",
    ]);
  });
});

describe('refresh, drop, swap', () => {
  it('refuses refresh: an indexed view is maintained in every write', () => {
    const r = refused({ kind: 'refresh-materialized-view', name: 'dbo.totals', concurrently: true });
    expect(r.unsupported).toContain('nothing to refresh');
    expect(r.instead).toContain('remove the refresh step');
  });

  it('drops a view only when nothing depends on it', () => {
    const r = rendered({ kind: 'drop-materialized-view', name: 'dbo.totals' });
    expect(r.sql).toContain("LEFT(N'cannot drop view dbo.totals: other objects depend on it");
    expect(r.sql.split('\n').slice(-2)).toEqual([
      "IF OBJECTPROPERTY(OBJECT_ID(N'[dbo].[totals]'), 'IsView') = 1 DROP VIEW [dbo].[totals];",
      'COMMIT TRANSACTION',
    ]);
    expect(r.probe).toBe("SELECT CAST(CASE WHEN OBJECT_ID(N'[dbo].[totals]') IS NULL THEN 1 ELSE 0 END AS bit)");
  });

  const swap: ViewSwap = {
    view: 'dbo.totals',
    building: 'dbo.totals_new',
    retired: 'dbo.totals_old',
    indexes: [{ final: 'totals_pk', building: 'totals_pk_new', retired: 'totals_pk_old' }],
  };
  const NOTE =
    '-- sp_rename keeps the old name in sys.sql_modules.definition: script views from the catalog, not that text';
  /** Schema-bound dependents pin the view: the swap names them and refuses before any sp_rename. */
  const GUARD = [
    'DECLARE @bound nvarchar(max), @bound_refusal nvarchar(2048);',
    "SELECT @bound = STRING_AGG(CAST(LOWER(REPLACE(o.type_desc, N'_', N' ')) + N' ' + QUOTENAME(OBJECT_SCHEMA_NAME(o.object_id)) + N'.' + QUOTENAME(o.name) AS nvarchar(max)), N', ')",
    '  FROM sys.sql_expression_dependencies AS d JOIN sys.objects AS o ON o.object_id = d.referencing_id',
    "  WHERE d.referenced_id = OBJECT_ID(N'[dbo].[totals]') AND d.is_schema_bound_reference = 1 AND o.object_id <> OBJECT_ID(N'[dbo].[totals]');",
    "SET @bound_refusal = LEFT(N'cannot swap dbo.totals: schema-bound objects reference it and would keep the old view (sp_rename refuses to move it under them); drop them (or recreate them WITHOUT SCHEMABINDING), swap, then create them again: ' + @bound, 2048);",
    'IF @bound IS NOT NULL THROW 50000, @bound_refusal, 1;',
  ];

  it('swaps the views and their index names with sp_rename in one transaction', () => {
    const r = rendered({ kind: 'swap-materialized-view', ...swap });
    expect(r.sql).toBe(
      [
        NOTE,
        'SET XACT_ABORT ON;',
        'BEGIN TRANSACTION;',
        ...GUARD,
        "IF INDEXPROPERTY(OBJECT_ID(N'[dbo].[totals]'), N'totals_pk', 'IndexID') IS NOT NULL EXEC sys.sp_rename @objname = N'[dbo].[totals].[totals_pk]', @newname = N'totals_pk_old', @objtype = N'INDEX';",
        "EXEC sys.sp_rename @objname = N'[dbo].[totals]', @newname = N'totals_old', @objtype = N'OBJECT';",
        "EXEC sys.sp_rename @objname = N'[dbo].[totals_new]', @newname = N'totals', @objtype = N'OBJECT';",
        "EXEC sys.sp_rename @objname = N'[dbo].[totals].[totals_pk_new]', @newname = N'totals_pk', @objtype = N'INDEX';",
        'COMMIT TRANSACTION',
      ].join('\n'),
    );
    expect(r.lock).toEqual({ level: 'Sch-M', impact: 'blocks-all', on: ['dbo.totals', 'dbo.totals_new'] });
    expect(r.probe).toBe(
      "SELECT CAST(CASE WHEN OBJECT_ID(N'[dbo].[totals_old]') IS NOT NULL AND OBJECT_ID(N'[dbo].[totals_new]') IS NULL THEN 1 ELSE 0 END AS bit)",
    );
  });

  it('swaps back only while the old view is parked', () => {
    const r = rendered({ kind: 'swap-back-materialized-view', ...swap });
    expect(r.sql.split('\n').slice(3)).toEqual([
      "IF OBJECT_ID(N'[dbo].[totals_old]') IS NOT NULL BEGIN",
      ...GUARD,
      "IF INDEXPROPERTY(OBJECT_ID(N'[dbo].[totals]'), N'totals_pk', 'IndexID') IS NOT NULL EXEC sys.sp_rename @objname = N'[dbo].[totals].[totals_pk]', @newname = N'totals_pk_new', @objtype = N'INDEX';",
      "EXEC sys.sp_rename @objname = N'[dbo].[totals]', @newname = N'totals_new', @objtype = N'OBJECT';",
      "EXEC sys.sp_rename @objname = N'[dbo].[totals_old]', @newname = N'totals', @objtype = N'OBJECT';",
      "IF INDEXPROPERTY(OBJECT_ID(N'[dbo].[totals]'), N'totals_pk_old', 'IndexID') IS NOT NULL EXEC sys.sp_rename @objname = N'[dbo].[totals].[totals_pk_old]', @newname = N'totals_pk', @objtype = N'INDEX';",
      'END;',
      'COMMIT TRANSACTION',
    ]);
    expect(r.probe).toBe("SELECT CAST(CASE WHEN OBJECT_ID(N'[dbo].[totals_old]') IS NULL THEN 1 ELSE 0 END AS bit)");
  });
});
