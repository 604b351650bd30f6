/** SQL Server metadata steps: named default constraints with their drift guard, MS_Description, constraint renames. */
import { describe, expect, it } from 'vitest';
import { render, rendered } from './render-support.js';

const HEAD = ['SET XACT_ABORT ON;', 'BEGIN TRANSACTION;'];

describe('set-column-default', () => {
  const live =
    "FROM sys.default_constraints WHERE parent_object_id = OBJECT_ID(N'[dbo].[t]') AND parent_column_id = " +
    "COLUMNPROPERTY(OBJECT_ID(N'[dbo].[t]'), N'c', 'ColumnId')";

  it('drops the live default constraint by its catalog name (QUOTENAME, sp_executesql), then adds the named one', () => {
    const r = rendered({ kind: 'set-column-default', table: 'dbo.t', column: 'c', default: "N'x'" });
    expect(r.sql).toBe(
      [
        ...HEAD,
        'DECLARE @default sysname, @live nvarchar(max), @expected nvarchar(max), @target nvarchar(max), @sql nvarchar(max), @drift nvarchar(2048);',
        "IF COLUMNPROPERTY(OBJECT_ID(N'[dbo].[t]'), N'c', 'ColumnId') IS NULL THROW 50000, N'dbo.t has no column c', 1;",
        `SELECT @default = name, @live = definition ${live};`,
        'IF @default IS NOT NULL BEGIN',
        "SET @sql = N'ALTER TABLE [dbo].[t] DROP CONSTRAINT ' + QUOTENAME(@default);",
        'EXEC sys.sp_executesql @sql;',
        'END;',
        "ALTER TABLE [dbo].[t] ADD CONSTRAINT [DF_t_c] DEFAULT (N'x') FOR [c];",
        `SELECT @target = definition ${live};`,
        'COMMIT TRANSACTION',
      ].join('\n'),
    );
    expect(r.lock).toEqual({ level: 'Sch-M', impact: 'blocks-all', on: ['dbo.t'] });
    expect(r.probe).toBe(
      `SELECT CAST(CASE WHEN EXISTS (SELECT 1 ${live} AND definition COLLATE Latin1_General_BIN2 IN ` +
        "(N'(N''x'')', N'((N''x''))')) THEN 1 ELSE 0 END AS bit)",
    );
  });

  it('with replaces, has the server print the expected and the target defaults, then refuses drift', () => {
    const r = rendered({
      kind: 'set-column-default',
      table: 'dbo.t',
      column: 'c',
      default: '1',
      replaces: { value: '0', targetOk: false },
    });
    const lines = r.sql.split('\n');
    expect(lines.slice(9, 16)).toEqual([
      'ALTER TABLE [dbo].[t] ADD CONSTRAINT [DF_t_c] DEFAULT (0) FOR [c];',
      `SELECT @expected = definition ${live};`,
      'ALTER TABLE [dbo].[t] DROP CONSTRAINT [DF_t_c];',
      'ALTER TABLE [dbo].[t] ADD CONSTRAINT [DF_t_c] DEFAULT (1) FOR [c];',
      `SELECT @target = definition ${live};`,
      'IF NOT ((CASE WHEN @live COLLATE Latin1_General_BIN2 = @expected OR (@live IS NULL AND @expected IS NULL) THEN 1 ELSE 0 END = 1)) BEGIN',
      '  IF (CASE WHEN @live COLLATE Latin1_General_BIN2 = @target OR (@live IS NULL AND @target IS NULL) THEN 1 ELSE 0 END = 1) SET @drift = ' +
        "LEFT(CONCAT(N'the default of dbo.t.c is already what this step sets: it was set before this plan, not by it; " +
        "remove this step (there is nothing to change), or make the plan say what it replaces: ', ISNULL(@live, N'none')), 2048)",
    ]);
    expect(lines.slice(-4)).toEqual([
      expect.stringContaining(
        "ELSE SET @drift = LEFT(CONCAT(N'the default of dbo.t.c changed since the plan was written",
      ),
      '  THROW 50000, @drift, 1;',
      'END;',
      'COMMIT TRANSACTION',
    ]);
  });

  it('lets its own target pass when targetOk, and drops without adding for a null default', () => {
    const undo = rendered({
      kind: 'set-column-default',
      table: 'dbo.t',
      column: 'c',
      default: null,
      replaces: { value: '0', targetOk: true },
    });
    expect(undo.sql).toContain(
      'IF NOT ((CASE WHEN @live COLLATE Latin1_General_BIN2 = @expected OR (@live IS NULL AND @expected IS NULL) THEN 1 ELSE 0 END = 1) OR ' +
        '(CASE WHEN @live COLLATE Latin1_General_BIN2 = @target OR (@live IS NULL AND @target IS NULL) THEN 1 ELSE 0 END = 1)) BEGIN',
    );
    expect(undo.sql).not.toContain('DEFAULT (NULL)');
    expect(undo.sql.match(/ADD CONSTRAINT/g)).toHaveLength(1);
    expect(undo.probe).toBe(
      "SELECT CAST(CASE WHEN COLUMNPROPERTY(OBJECT_ID(N'[dbo].[t]'), N'c', 'ColumnId') IS NOT NULL AND NOT EXISTS " +
        `(SELECT 1 ${live}) THEN 1 ELSE 0 END AS bit)`,
    );
  });

  it('quotes hostile names: the found name only through QUOTENAME, plan names bracketed and N-quoted', () => {
    const r = rendered({ kind: 'set-column-default', table: 'a]b', column: "x'; DROP", default: '0' });
    expect(r.sql).toContain("COLUMNPROPERTY(OBJECT_ID(N'[a]]b]'), N'x''; DROP', 'ColumnId')");
    expect(r.sql).toContain("SET @sql = N'ALTER TABLE [a]]b] DROP CONSTRAINT ' + QUOTENAME(@default);");
    expect(r.sql).toContain("ALTER TABLE [a]]b] ADD CONSTRAINT [DF_a]]b_x'; DROP] DEFAULT (0) FOR [x'; DROP];");
  });
});

describe('set-comment', () => {
  it('adds or updates MS_Description of a table in its own schema', () => {
    const r = rendered({ kind: 'set-comment', table: 'sales.orders', comment: "it's" });
    const described =
      "sys.extended_properties WHERE class = 1 AND major_id = OBJECT_ID(N'[sales].[orders]') AND minor_id = 0 AND name = N'MS_Description'";
    const args =
      "@name = N'MS_Description', @value = N'it''s', @level0type = N'SCHEMA', @level0name = @schema, @level1type = N'TABLE', @level1name = N'orders'";
    expect(r.sql).toBe(
      [
        ...HEAD,
        "DECLARE @schema sysname = N'sales', @live nvarchar(max), @expected nvarchar(max), @target nvarchar(max), @drift nvarchar(2048);",
        "IF NOT (ISNULL(OBJECTPROPERTY(OBJECT_ID(N'[sales].[orders]'), 'IsUserTable'), 0) = 1) THROW 50000, N'the comment on table sales.orders: there is no such table', 1;",
        `SET @live = (SELECT CAST(value AS nvarchar(max)) FROM ${described});`,
        `IF @live IS NULL EXEC sys.sp_addextendedproperty ${args}`,
        `ELSE EXEC sys.sp_updateextendedproperty ${args};`,
        'COMMIT TRANSACTION',
      ].join('\n'),
    );
    expect(r.lock).toEqual({ level: 'Sch-M', impact: 'blocks-all', on: ['sales.orders'] });
    expect(r.probe).toBe(
      "SELECT CAST(CASE WHEN ISNULL(OBJECTPROPERTY(OBJECT_ID(N'[sales].[orders]'), 'IsUserTable'), 0) = 1 AND " +
        `(SELECT CAST(value AS nvarchar(max)) FROM ${described}) COLLATE Latin1_General_BIN2 = N'it''s' THEN 1 ELSE 0 END AS bit)`,
    );
  });

  it('drops a column comment (null), guarded by what it replaces; unqualified tables read their schema from the table', () => {
    const r = rendered({
      kind: 'set-comment',
      table: 't',
      column: 'c]1',
      comment: null,
      replaces: { value: 'old', targetOk: true },
    });
    expect(r.sql).toContain("DECLARE @schema sysname = OBJECT_SCHEMA_NAME(OBJECT_ID(N'[t]'))");
    expect(r.sql).toContain("minor_id = COLUMNPROPERTY(OBJECT_ID(N'[t]'), N'c]1', 'ColumnId')");
    expect(r.sql).toContain("SET @expected = N'old';\nSET @target = NULL;");
    expect(r.sql).toContain("ISNULL(@live, N'no comment')");
    expect(r.sql).toContain(
      "IF @live IS NOT NULL EXEC sys.sp_dropextendedproperty @name = N'MS_Description', @level0type = N'SCHEMA', " +
        "@level0name = @schema, @level1type = N'TABLE', @level1name = N't', @level2type = N'COLUMN', @level2name = N'c]1';",
    );
    expect(r.probe).toContain(`'ColumnId') IS NOT NULL AND (SELECT CAST(value AS nvarchar(max)) FROM`);
    expect(r.probe).toContain("name = N'MS_Description') IS NULL THEN 1");
  });
});

describe('rename-constraint', () => {
  it('finds the constraint through its table and renames it with sp_rename as schema.constraint', () => {
    const r = rendered({ kind: 'rename-constraint', table: 'dbo.t', from: "a]'b", to: 'c' });
    expect(r.sql).toBe(
      [
        ...HEAD,
        "DECLARE @constraint nvarchar(520) = (SELECT QUOTENAME(SCHEMA_NAME(schema_id)) + N'.' + QUOTENAME(name) FROM " +
          "sys.objects WHERE parent_object_id = OBJECT_ID(N'[dbo].[t]') AND name = N'a]''b' AND type IN ('C', 'D', 'F', 'PK', 'UQ'));",
        "IF @constraint IS NULL THROW 50000, N'dbo.t has no constraint a]''b to rename', 1;",
        "EXEC sys.sp_rename @objname = @constraint, @newname = N'c', @objtype = N'OBJECT';",
        'COMMIT TRANSACTION',
      ].join('\n'),
    );
    expect(r.lock).toEqual({ level: 'Sch-M', impact: 'blocks-all', on: ['dbo.t'] });
    expect(r.probe).toBe(
      "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM sys.objects WHERE parent_object_id = OBJECT_ID(N'[dbo].[t]') AND " +
        "name = N'c' AND type IN ('C', 'D', 'F', 'PK', 'UQ')) AND NOT EXISTS (SELECT 1 FROM sys.objects WHERE " +
        "parent_object_id = OBJECT_ID(N'[dbo].[t]') AND name = N'a]''b' AND type IN ('C', 'D', 'F', 'PK', 'UQ')) THEN 1 ELSE 0 END AS bit)",
    );
  });
});

describe('set-replica-identity', () => {
  it('is refused: SQL Server identifies replicated rows by the primary key', () => {
    const r = render({ kind: 'set-replica-identity', table: 't', identity: 'full' });
    expect(r).toEqual({
      unsupported: expect.stringContaining('SQL Server has no replica identity'),
      instead: expect.stringContaining('remove the step'),
    });
  });
});
