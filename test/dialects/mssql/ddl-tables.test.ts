/** SQL Server create_table, drop_table and rename_table: the exact T-SQL, its locks and probes, hostile names, refusals. */
import { describe, expect, it } from 'vitest';
import type { CreateTableAction, NewTableConstraint } from '../../../src/dialects/actions-create-table.js';
import { catalogTypeName } from '../../../src/dialects/mssql/ddl-create-table.js';
import { refused, render, rendered } from './render-support.js';

const table = (over: Partial<CreateTableAction> = {}): CreateTableAction => ({
  kind: 'create-table',
  name: 'sales.orders',
  columns: [
    { name: 'id', type: 'bigint', notNull: true, identity: { always: true } },
    { name: 'status', type: 'nvarchar(20)', notNull: true, default: "N'new'", comment: "it's" },
    { name: 'customer_id', type: 'int', notNull: false },
  ],
  constraints: [
    { type: 'primary key', name: 'orders_pk', columns: ['id'], index: { with: { fillfactor: 80 } } },
    { type: 'check', name: 'orders_status_ck', expression: "status <> N''", noInherit: true },
    {
      type: 'foreign key',
      name: 'orders_customer_fk',
      columns: ['customer_id'],
      references: { table: 'sales.customers' },
      onDelete: 'restrict',
      onUpdate: 'cascade',
    },
  ],
  comment: 'Orders',
  ...over,
});

describe('create-table', () => {
  it('renders the table, named defaults and constraints, and MS_Description comments in one transaction', () => {
    const r = rendered(table());
    expect(r.sql).toBe(
      [
        'SET XACT_ABORT ON;',
        'BEGIN TRANSACTION;',
        "IF OBJECT_ID(N'[sales].[orders]') IS NOT NULL THROW 50000, N'sales.orders already exists and this step did not create it: schemashift never takes over a table', 1;",
        'CREATE TABLE [sales].[orders] (',
        '  [id] bigint IDENTITY(1, 1) NOT NULL,',
        "  [status] nvarchar(20) NOT NULL CONSTRAINT [DF_orders_status] DEFAULT (N'new'),",
        '  [customer_id] int NULL,',
        '  CONSTRAINT [orders_pk] PRIMARY KEY ([id]) WITH (FILLFACTOR = 80),',
        "  CONSTRAINT [orders_status_ck] CHECK (status <> N''),",
        '  CONSTRAINT [orders_customer_fk] FOREIGN KEY ([customer_id]) REFERENCES [sales].[customers] ON DELETE NO ACTION ON UPDATE CASCADE',
        ');',
        "DECLARE @schema sysname = N'sales';",
        "EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Orders', @level0type = N'SCHEMA', @level0name = @schema, @level1type = N'TABLE', @level1name = N'orders';",
        "EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'it''s', @level0type = N'SCHEMA', @level0name = @schema, @level1type = N'TABLE', @level1name = N'orders', @level2type = N'COLUMN', @level2name = N'status';",
        'COMMIT TRANSACTION',
      ].join('\n'),
    );
    expect(r.transactional).toBe(true);
    expect(r.lock).toEqual({ level: 'Sch-M', impact: 'blocks-all', on: ['sales.customers'] });
  });

  it('probes for a user table with exactly the planned columns and types (lengths aside)', () => {
    expect(rendered(table()).probe).toBe(
      "SELECT CAST(CASE WHEN OBJECTPROPERTY(OBJECT_ID(N'[sales].[orders]'), 'IsUserTable') = 1 " +
        "AND (SELECT COUNT(*) FROM sys.columns WHERE object_id = OBJECT_ID(N'[sales].[orders]')) = 3 " +
        "AND NOT EXISTS (SELECT 1 FROM (VALUES (N'id', N'bigint'), (N'status', N'nvarchar'), (N'customer_id', N'int')) " +
        'AS p(name, type) WHERE NOT EXISTS (SELECT 1 FROM sys.columns AS c WHERE c.object_id = ' +
        "OBJECT_ID(N'[sales].[orders]') AND c.name = p.name AND TYPE_NAME(c.user_type_id) = p.type)) THEN 1 ELSE 0 END AS bit)",
    );
  });

  it('takes no lock without a foreign key to another table, and reads the default schema when unqualified', () => {
    const r = rendered({
      kind: 'create-table',
      name: 't',
      constraints: [],
      columns: [{ name: 'c', type: 'int', notNull: false, comment: 'x' }],
    });
    expect(r.lock).toEqual({ level: 'none', impact: 'none', on: [] });
    expect(r.sql).toContain("DECLARE @schema sysname = OBJECT_SCHEMA_NAME(OBJECT_ID(N'[t]'));");
  });

  it('renders identity seeds, computed columns and a self-reference', () => {
    const r = rendered({
      kind: 'create-table',
      name: 'node',
      columns: [
        { name: 'id', type: 'int', notNull: true, identity: { always: true, start: 100, increment: 5 } },
        { name: 'parent', type: 'int', notNull: false },
        { name: 'twice', type: 'bigint', notNull: true, generated: 'id * 2' },
      ],
      constraints: [
        { type: 'primary key', name: 'node_pk', columns: ['id'] },
        {
          type: 'foreign key',
          name: 'node_parent_fk',
          columns: ['parent'],
          references: { table: 'node', columns: ['id'] },
        },
        { type: 'unique', name: 'node_twice_uq', columns: ['twice'] },
      ],
    });
    expect(r.sql).toContain('[id] int IDENTITY(100, 5) NOT NULL,');
    expect(r.sql).toContain('[twice] AS (CAST((id * 2) AS bigint)) PERSISTED NOT NULL,');
    expect(r.sql).toContain('CONSTRAINT [node_parent_fk] FOREIGN KEY ([parent]) REFERENCES [node] ([id]),');
    expect(r.lock.on).toEqual([]);
  });

  it('brackets hostile names and keeps plan text out of names', () => {
    const r = rendered({
      kind: 'create-table',
      name: "a]b.x'; DROP",
      columns: [{ name: 'c]--', type: 'int', notNull: true, default: '0', comment: "'; DROP TABLE t--" }],
      constraints: [{ type: 'unique', name: "u'1]", columns: ['c]--'] }],
    });
    expect(r.sql).toContain(
      "IF OBJECT_ID(N'[a]]b].[x''; DROP]') IS NOT NULL THROW 50000, N'a]b.x''; DROP already exists",
    );
    expect(r.sql).toContain(
      "CREATE TABLE [a]]b].[x'; DROP] (\n  [c]]--] int NOT NULL CONSTRAINT [DF_x'; DROP_c]]--] DEFAULT (0),",
    );
    expect(r.sql).toContain("CONSTRAINT [u'1]]] UNIQUE ([c]]--])");
    expect(r.sql).toContain("@value = N'''; DROP TABLE t--'");
    expect(r.sql).toContain("@level1name = N'x''; DROP', @level2type = N'COLUMN', @level2name = N'c]--'");
  });

  const withConstraint = (c: NewTableConstraint) => table({ constraints: [c] });

  it('refuses what SQL Server has no equivalent for, with the reason and the way instead', () => {
    const serial = refused(table({ columns: [{ name: 'id', type: 'bigserial', notNull: true }] }));
    expect(serial.unsupported).toContain('no serial types');
    expect(serial.instead).toContain('IDENTITY(1,1)');
    const byDefault = refused(
      table({ columns: [{ name: 'id', type: 'int', notNull: true, identity: { always: false } }] }),
    );
    expect(byDefault.unsupported).toContain('IDENTITY_INSERT');
    expect(byDefault.instead).toContain('NEXT VALUE FOR');
    expect(
      refused(withConstraint({ type: 'primary key', name: 'p', columns: ['id'], deferrable: true })).unsupported,
    ).toContain('none can be deferred');
    expect(
      refused(withConstraint({ type: 'unique', name: 'u', columns: ['id'], index: { include: ['status'] } }))
        .unsupported,
    ).toContain('no INCLUDE');
    expect(
      refused(withConstraint({ type: 'unique', name: 'u', columns: ['id'], index: { tablespace: 'fast' } }))
        .unsupported,
    ).toContain('filegroups');
    expect(
      refused(
        withConstraint({ type: 'unique', name: 'u', columns: ['id'], index: { with: { deduplicate_items: false } } }),
      ).unsupported,
    ).toContain('deduplicate_items');
    expect(
      refused(
        withConstraint({
          type: 'foreign key',
          name: 'f',
          columns: ['customer_id'],
          references: { table: 'c' },
          match: 'full',
        }),
      ).unsupported,
    ).toContain('MATCH SIMPLE');
  });

  it('refuses a UNIQUE over a nullable column unless NULLs may be equal (SQL Server allows one NULL)', () => {
    const u = refused(withConstraint({ type: 'unique', name: 'u', columns: ['customer_id'] }));
    expect(u.unsupported).toContain('customer_id may be NULL');
    expect(u.instead).toContain('WHERE c IS NOT NULL');
    expect(
      render(withConstraint({ type: 'unique', name: 'u', columns: ['customer_id'], nullsNotDistinct: true })),
    ).not.toHaveProperty('unsupported');
    expect(render(withConstraint({ type: 'unique', name: 'u', columns: ['status'] }))).not.toHaveProperty(
      'unsupported',
    );
  });

  it('names types as sys.types does', () => {
    expect(catalogTypeName('NVARCHAR(200)')).toBe('nvarchar');
    expect(catalogTypeName('decimal (10, 2)')).toBe('decimal');
    expect(catalogTypeName('integer')).toBe('int');
    expect(catalogTypeName('double precision')).toBe('float');
    expect(catalogTypeName('[dbo].[money_t]')).toBe('money_t');
    expect(catalogTypeName('rowversion')).toBe('timestamp');
  });
});

describe('drop-table', () => {
  it('refuses, naming them, while modules or other tables depend on the table; drops only a user table', () => {
    const r = rendered({ kind: 'drop-table', name: 'dbo.orders' });
    const lines = r.sql.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'SET XACT_ABORT ON;',
      'BEGIN TRANSACTION;',
      'DECLARE @dependents nvarchar(max), @dependents_refusal nvarchar(2048);',
    ]);
    expect(r.sql).toContain(
      'FROM sys.sql_expression_dependencies AS d JOIN sys.objects AS o ON o.object_id = d.referencing_id',
    );
    expect(r.sql).toContain(
      "(d.referenced_id = OBJECT_ID(N'[dbo].[orders]') OR (d.referenced_id IS NULL AND d.referenced_database_name IS NULL " +
        "AND d.referenced_entity_name = N'orders' AND (d.referenced_schema_name IS NULL OR d.referenced_schema_name = N'dbo')))",
    );
    expect(r.sql).toContain(
      "FROM sys.foreign_keys AS f WHERE f.referenced_object_id = OBJECT_ID(N'[dbo].[orders]') AND f.parent_object_id <> OBJECT_ID(N'[dbo].[orders]')",
    );
    expect(lines.slice(-4)).toEqual([
      "SET @dependents_refusal = LEFT(N'cannot drop table dbo.orders: other objects depend on it (schemashift never drops them with it): ' + @dependents, 2048);",
      'IF @dependents IS NOT NULL THROW 50000, @dependents_refusal, 1;',
      "IF OBJECTPROPERTY(OBJECT_ID(N'[dbo].[orders]'), 'IsUserTable') = 1 DROP TABLE [dbo].[orders];",
      'COMMIT TRANSACTION',
    ]);
    expect(r.lock).toEqual({ level: 'Sch-M', impact: 'blocks-all', on: ['dbo.orders'] });
    expect(r.probe).toBe("SELECT CAST(CASE WHEN OBJECT_ID(N'[dbo].[orders]') IS NULL THEN 1 ELSE 0 END AS bit)");
  });

  it('quotes a hostile table name everywhere', () => {
    const r = rendered({ kind: 'drop-table', name: 'a]b' });
    expect(r.sql).toContain("d.referenced_entity_name = N'a]b'");
    expect(r.sql).toContain('DROP TABLE [a]]b];');
    expect(r.sql).not.toContain('[a]b]');
  });
});

describe('rename_table', () => {
  it('renames with sp_rename and creates the updatable view through sp_executesql, with the grants copied', () => {
    const r = rendered({ kind: 'rename-table-behind-view', table: 'dbo.orders', to: 'purchases' });
    const lines = r.sql.split('\n');
    expect(lines.slice(0, 10)).toEqual([
      'SET XACT_ABORT ON;',
      'BEGIN TRANSACTION;',
      "DECLARE @schema sysname = N'dbo', @table int, @view nvarchar(520), @sql nvarchar(max);",
      "IF @schema IS NULL OR NOT ISNULL(OBJECTPROPERTY(OBJECT_ID(N'[dbo].[orders]'), 'IsUserTable'), 0) = 1 THROW 50000, N'dbo.orders is not a table: nothing to rename', 1;",
      "EXEC sys.sp_rename @objname = N'[dbo].[orders]', @newname = N'purchases', @objtype = N'OBJECT';",
      "SET @table = OBJECT_ID(QUOTENAME(@schema) + N'.' + QUOTENAME(N'purchases'));",
      "SET @view = QUOTENAME(@schema) + N'.' + QUOTENAME(N'orders');",
      "SET @sql = N'CREATE VIEW ' + @view + N' AS SELECT * FROM ' + QUOTENAME(@schema) + N'.' + QUOTENAME(N'purchases');",
      'EXEC sys.sp_executesql @sql;',
      "EXEC sys.sp_addextendedproperty @name = N'schemashift_rename_table', @value = N'the old name of dbo.purchases', @level0type = N'SCHEMA', @level0name = @schema, @level1type = N'VIEW', @level1name = N'orders';",
    ]);
    expect(r.sql).toContain('FROM sys.database_permissions AS p WHERE p.class = 1 AND p.major_id = @table');
    expect(r.sql).toContain("p.permission_name IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'REFERENCES')");
    expect(lines.slice(-2)).toEqual(['IF @sql IS NOT NULL EXEC sys.sp_executesql @sql;', 'COMMIT TRANSACTION']);
    expect(r.lock).toEqual({ level: 'Sch-M', impact: 'blocks-all', on: ['dbo.orders'] });
    expect(r.probe).toBe(
      "SELECT CAST(CASE WHEN ISNULL(OBJECTPROPERTY(OBJECT_ID(N'[dbo].[purchases]'), 'IsUserTable'), 0) = 1 AND EXISTS (SELECT 1 " +
        'FROM sys.views AS v JOIN sys.sql_expression_dependencies AS d ON d.referencing_id = v.object_id WHERE ' +
        "v.object_id = OBJECT_ID(N'[dbo].[orders]') AND d.referenced_id = OBJECT_ID(N'[dbo].[purchases]')) THEN 1 ELSE 0 END AS bit)",
    );
  });

  it('builds the view text from QUOTENAME only: hostile names never reach it as text', () => {
    const r = rendered({ kind: 'rename-table-behind-view', table: "x'; DROP", to: 'a]b' });
    expect(r.sql).toContain("DECLARE @schema sysname = OBJECT_SCHEMA_NAME(OBJECT_ID(N'[x''; DROP]'))");
    expect(r.sql).toContain("EXEC sys.sp_rename @objname = N'[x''; DROP]', @newname = N'a]b', @objtype = N'OBJECT';");
    expect(r.sql).toContain(
      "SET @sql = N'CREATE VIEW ' + @view + N' AS SELECT * FROM ' + QUOTENAME(@schema) + N'.' + QUOTENAME(N'a]b');",
    );
    expect(r.sql).toContain("SET @view = QUOTENAME(@schema) + N'.' + QUOTENAME(N'x''; DROP');");
  });

  it('drops the old name only when it is still its own view and nothing depends on it', () => {
    const r = rendered({ kind: 'drop-old-name-view', table: 'dbo.orders', to: 'purchases' });
    const lines = r.sql.split('\n');
    expect(lines[2]).toBe(
      'IF NOT EXISTS (SELECT 1 FROM sys.views AS v JOIN sys.sql_expression_dependencies AS d ON d.referencing_id = ' +
        "v.object_id WHERE v.object_id = OBJECT_ID(N'[dbo].[orders]') AND d.referenced_id = OBJECT_ID(N'[dbo].[purchases]')) " +
        'OR ISNULL((SELECT CAST(value AS nvarchar(4000)) FROM sys.extended_properties WHERE class = 1 AND major_id = ' +
        "OBJECT_ID(N'[dbo].[orders]') AND minor_id = 0 AND name = N'schemashift_rename_table'), N'') <> N'the old name of " +
        "dbo.purchases' THROW 50000, N'dbo.orders is no longer the view rename_table left over dbo.purchases: it is not " +
        "dropped; find who replaced it, drop or rename that view yourself if it may go, then run again', 1;",
    );
    expect(r.sql).toContain("LEFT(N'cannot drop view dbo.orders: other objects depend on it");
    expect(lines.slice(-2)).toEqual(['DROP VIEW [dbo].[orders];', 'COMMIT TRANSACTION']);
    expect(r.probe).toContain('SELECT CAST(CASE WHEN NOT EXISTS (SELECT 1 FROM sys.views AS v');
  });

  it('renames back after dropping its own view, in one transaction', () => {
    const r = rendered({ kind: 'rename-table-back', table: 'dbo.orders', to: 'purchases' });
    const lines = r.sql.split('\n');
    expect(lines[2]).toContain("<> N'the old name of dbo.purchases' THROW 50000");
    expect(lines.slice(3)).toEqual([
      'DROP VIEW [dbo].[orders];',
      "EXEC sys.sp_rename @objname = N'[dbo].[purchases]', @newname = N'orders', @objtype = N'OBJECT';",
      'COMMIT TRANSACTION',
    ]);
    expect(r.lock).toEqual({ level: 'Sch-M', impact: 'blocks-all', on: ['dbo.orders', 'dbo.purchases'] });
    expect(r.probe).toBe(
      "SELECT CAST(CASE WHEN ISNULL(OBJECTPROPERTY(OBJECT_ID(N'[dbo].[orders]'), 'IsUserTable'), 0) = 1 AND OBJECT_ID(N'[dbo].[purchases]') IS NULL THEN 1 ELSE 0 END AS bit)",
    );
  });
});
