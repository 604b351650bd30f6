/**
 * SQL Server shadow-column actions: the sync trigger's text and install checks, the NOT NULL recipe,
 * the swap, the carried attachments; their locks, probes and refusals; hostile names and fragments.
 */
import { describe, expect, it } from 'vitest';
import type { Action } from '../../../src/dialects/actions.js';
import { ColumnSyncProblem, type SwapCarry, type SyncSpec } from '../../../src/dialects/actions-shadow.js';
import { tokenize } from '../../../src/dialects/mssql/tsql-lexer.js';
import { refused, render, rendered } from './render-support.js';

const lines = (sql: string) => sql.split('\n');

const sync: SyncSpec = {
  table: 'dbo.orders',
  from: 'total',
  to: 'total_cents',
  forward: 'CAST(total * 100 AS bigint)',
  reverse: 'total_cents / 100.0',
};
/** One way: old writers only (add_column `sync_from` style). */
const oneWay: SyncSpec = {
  table: 'dbo.orders',
  from: 'total',
  to: 'total_cents',
  forward: 'CAST(total * 100 AS bigint)',
};
const installFunction = (spec: SyncSpec, fn = 'dbo.schemashift_sync_orders_total_cents'): Action => ({
  kind: 'install-sync-function',
  sync: spec,
  function: fn,
});
const checkOnly = (spec: Partial<SyncSpec> | SyncSpec, base: SyncSpec = sync): ColumnSyncProblem | undefined => {
  try {
    render({ ...installFunction({ ...base, ...spec }), checkOnly: true } as Action);
  } catch (e) {
    if (e instanceof ColumnSyncProblem) return e;
    throw e;
  }
  return undefined;
};

describe('install-sync-function: the trigger, created disabled from the catalog', () => {
  const r = rendered(installFunction(sync));

  it('takes Sch-M on the table for the CREATE TRIGGER, in a transaction, probed by the trigger object', () => {
    expect(r.lock).toEqual({ level: 'Sch-M', impact: 'blocks-all', on: ['dbo.orders'] });
    expect(r.transactional).toBe(true);
    expect(r.probe).toBe(
      "SELECT CAST(CASE WHEN OBJECT_ID(N'[dbo].[schemashift_sync_orders_total_cents]', N'TR') IS NOT NULL THEN 1 ELSE 0 END AS bit)",
    );
  });

  it('finds the primary key in the catalog and refuses a table without one', () => {
    expect(r.sql).toContain(
      "WHERE x.object_id = OBJECT_ID(N'[dbo].[orders]') AND x.is_primary_key = 1 AND ic.key_ordinal > 0;",
    );
    expect(lines(r.sql)).toContain(
      "IF @join_table IS NULL THROW 50000, N'dbo.orders has no primary key: the sync trigger finds the rows a statement wrote by it; add one first', 1;",
    );
  });

  it('refuses at run time a column a generation leaves out that NOT NULL would reject before the trigger', () => {
    expect(r.sql).toContain(
      "IF @from_nullable = 0 AND NOT EXISTS (SELECT 1 FROM sys.default_constraints AS k JOIN sys.columns AS c ON c.object_id = k.parent_object_id AND c.column_id = k.parent_column_id WHERE k.parent_object_id = OBJECT_ID(N'[dbo].[orders]') AND c.name = N'total') THROW 50000, N'dbo.orders.total is NOT NULL without a DEFAULT: INSERTs of the new application version leave it out",
    );
    expect(r.sql).toContain('IF @to_nullable = 0 AND NOT EXISTS');
    expect(r.sql).toContain(
      "THROW 50000, N'dbo.orders.total_cents has a DEFAULT the plan does not declare: declare it in the plan', 1;",
    );
  });

  it('creates the trigger with sp_executesql (its own batch), as nvarchar(max), then disables it if new', () => {
    const tail = lines(r.sql).slice(-2);
    expect(tail).toEqual([
      'EXEC sys.sp_executesql @create;',
      'IF @was_enabled = 0 DISABLE TRIGGER [dbo].[schemashift_sync_orders_total_cents] ON [dbo].[orders];',
    ]);
    expect(r.sql).toContain(
      "DECLARE @create nvarchar(max) = CAST(N'' AS nvarchar(max))\n  + N'CREATE OR ALTER TRIGGER [dbo].[schemashift_sync_orders_total_cents] ON [dbo].[orders] AFTER INSERT, UPDATE AS",
    );
  });

  it('guards recursion and empty statements, and tells written columns by UPDATE() and by value', () => {
    for (const line of [
      '  SET NOCOUNT ON;',
      '  IF TRIGGER_NESTLEVEL(@@PROCID) > 1 RETURN;',
      '  IF NOT EXISTS (SELECT 1 FROM inserted) RETURN;',
      '  IF UPDATE([total_cents]) SET @to_named = 1;',
      '  IF UPDATE([total]) SET @from_named = 1;',
      "  UPDATE t SET [total_cents] = CASE a.schemashift_action WHEN ''U'' THEN i.schemashift_up ELSE t.[total_cents] END,",
      "    [total] = CASE a.schemashift_action WHEN ''D'' THEN i.schemashift_down ELSE t.[total] END",
      '  FROM [dbo].[orders] AS t',
      "    WHEN @from_named = 1 AND NOT EXISTS (SELECT CAST(i.[total] AS varbinary(max)) INTERSECT SELECT CAST(d.[total] AS varbinary(max))) THEN ''U''",
      '  WHERE a.schemashift_action IS NOT NULL;',
    ]) {
      expect(lines(r.sql)).toContain(line);
    }
  });

  it('evaluates the plan expressions over inserted (or deleted) alone, so bare names mean that row', () => {
    expect(r.sql).toContain(
      "  JOIN (SELECT '\n  + @columns\n  + N', CAST((CAST(total * 100 AS bigint)\n) AS '\n  + @to_type\n  + N') AS schemashift_up, CAST((total_cents / 100.0\n) AS '\n  + @from_type\n  + N') AS schemashift_down FROM inserted) AS i ON '\n  + @join_table",
    );
    expect(r.sql).toContain("FROM deleted) AS d ON (@key_named = 0 AND '\n  + @join_old\n  + N') OR @one_row = 1");
  });

  it('INSERT: `to` written (not NULL) goes down, else up; with defaults, compared by binary image', () => {
    expect(r.sql).toContain("THEN CASE WHEN NOT i.[total_cents] IS NULL THEN ''D'' ELSE ''U'' END");
    const d = rendered(installFunction({ ...oneWay, toDefault: '0', fromDefault: '(1)' }));
    expect(d.sql).toContain(
      "CASE WHEN EXISTS (SELECT CAST(i.[total_cents] AS varbinary(max)) INTERSECT SELECT CAST(i.schemashift_to_default AS varbinary(max))) AND NOT EXISTS (SELECT CAST(i.[total] AS varbinary(max)) INTERSECT SELECT CAST(i.schemashift_from_default AS varbinary(max))) THEN ''U'' END",
    );
    expect(d.sql).not.toContain('schemashift_down');
  });

  it('pairs old images by key only when the UPDATE named no key column, or wrote one row', () => {
    expect(lines(r.sql)).toContain('  IF EXISTS (SELECT 1 FROM deleted) SET @is_update = 1;');
    expect(r.sql).toContain(
      "@key_updated = STRING_AGG(CAST(CASE WHEN c.is_computed = 1 THEN N'1 = 1' ELSE N'UPDATE(' + QUOTENAME(c.name) + N')' END AS nvarchar(max)), N' OR ') WITHIN GROUP (ORDER BY ic.key_ordinal) FROM sys.indexes",
    );
    // UPDATE() is TRUE for every column of an INSERT: the key counts as named on UPDATE only.
    expect(r.sql).toContain("  IF '\n  + @key_updated\n  + N' SET @key_named = @is_update;");
    expect(lines(r.sql)).toContain('  IF @key_named = 1 AND (SELECT COUNT_BIG(*) FROM deleted) = 1 SET @one_row = 1;');
  });

  it('INSERT rows keep their rule; unpaired UPDATE rows fill only the side left out, never a value held', () => {
    expect(r.sql).toContain(
      "CROSS APPLY (SELECT CASE WHEN d.schemashift_old_row IS NULL AND @is_update = 0 THEN CASE WHEN NOT i.[total_cents] IS NULL THEN ''D'' ELSE ''U'' END\n" +
        "    WHEN d.schemashift_old_row IS NULL THEN CASE WHEN @to_named = 0 AND (@from_named = 1 OR i.[total_cents] IS NULL) THEN ''U'' " +
        "WHEN @to_named = 1 AND @from_named = 0 AND NOT EXISTS (SELECT CAST(i.[total_cents] AS varbinary(max)) INTERSECT SELECT CAST(i.schemashift_up AS varbinary(max))) THEN ''D'' END\n",
    );
    const one = rendered(installFunction(oneWay));
    expect(one.sql).toContain(
      "    WHEN d.schemashift_old_row IS NULL THEN CASE WHEN @to_named = 0 AND (@from_named = 1 OR i.[total_cents] IS NULL) THEN ''U'' END\n",
    );
  });

  it('without an old column (add_column `up`), an unpaired row gets `to` only while it is still NULL', () => {
    const add = rendered(installFunction({ table: 'dbo.items', to: 'label', forward: "CONCAT(name, N'#', pos)" }));
    expect(add.sql).toContain(
      "    WHEN d.schemashift_old_row IS NULL THEN CASE WHEN @to_named = 0 AND (i.[label] IS NULL) THEN ''U'' END\n",
    );
    expect(add.sql).not.toContain("WHEN @to_named = 0 THEN ''U''");
    expect(add.sql).toContain("THEN CASE WHEN i.[label] IS NULL THEN ''U'' END\n");
  });

  it('an unpaired row does not take `to` from an old column `up` does not read', () => {
    const other = rendered(installFunction({ ...oneWay, forward: 'upper(code)' }));
    expect(other.sql).toContain("CASE WHEN @to_named = 0 AND (i.[total_cents] IS NULL) THEN ''U'' END");
  });

  it('an `up` that does not read the old column is not recomputed when only that column changes', () => {
    const d = rendered(installFunction({ ...oneWay, forward: 'upper(code)' }));
    expect(d.sql).not.toContain('WHEN @from_named = 1 AND NOT EXISTS');
  });

  it('keeps hostile names and fragments inside brackets and N-literals', () => {
    const hostile = rendered(
      installFunction(
        { table: "a]b.x'; DROP", from: 'a]b', to: "x'; DROP", forward: "[a]]b] + N'x''y' --" },
        "a]b.x'; DROP_sync",
      ),
    );
    const strings = tokenize(hostile.sql).filter((t) => t.kind === 'string');
    expect(strings.map((t) => t.value).join('')).toContain(
      "CREATE OR ALTER TRIGGER [a]]b].[x'; DROP_sync] ON [a]]b].[x'; DROP] AFTER INSERT, UPDATE AS",
    );
    expect(hostile.sql).toContain("CAST(([a]]b] + N''x''''y'' --\n) AS '");
    expect(hostile.sql).toContain("IF UPDATE([x''; DROP]) SET @to_named = 1;");
  });
});

describe('install-sync-function checkOnly: what a SQL Server trigger cannot do', () => {
  it('accepts a plain sync and renders nothing', () => {
    expect(checkOnly({})).toBeUndefined();
    expect(rendered({ ...installFunction(sync), checkOnly: true } as Action).sql).toBe('');
  });

  it.each<[Partial<SyncSpec>, ColumnSyncProblem['field'], string]>([
    [{ fromNotNull: true }, 'reverse', 'checks NOT NULL before an AFTER trigger runs'],
    [{ forward: 'total; DROP TABLE x' }, 'forward', 'cannot end a statement'],
    [{ forward: '(SELECT max(total) FROM dbo.orders)' }, 'forward', 'a subquery cannot be used'],
    [{ reverse: 'total_cents)' }, 'reverse', 'closes nothing'],
    [{ forward: "N'open" }, 'forward', 'a string'],
    [{ forward: 'total\nGO\nDROP TABLE x' }, 'forward', 'GO'],
    [{ toDefault: 'SYSDATETIME()' }, 'toDefault', 'gives each statement its own value'],
    [{ toDefault: 'NEXT VALUE FOR dbo.order_seq' }, 'toDefault', 'NEXT VALUE FOR draws a new number each time'],
    [{ toDefault: '0', fromDefault: 'next value for [dbo].[s]' }, 'fromDefault', 'every row would look written'],
    [{ forward: 'total + @@ROWCOUNT' }, 'forward', '@@ROWCOUNT is a variable'],
  ])('%j is refused in %s', (spec, field, message) => {
    const p = checkOnly(spec);
    expect(p?.field).toBe(field);
    expect(p?.message).toContain(message);
  });

  it('a sync without an old column takes `up` only', () => {
    const p = checkOnly({}, { table: 't', to: 'c', forward: 'a + b', reverse: 'c' });
    expect(p?.field).toBe('reverse');
    expect(p?.message).toContain('needs `up` and no `down`');
    expect(checkOnly({}, { table: 't', to: 'c', forward: 'a + b' })).toBeUndefined();
  });

  it('without checkOnly the same problem is Unsupported, never SQL', () => {
    expect(refused(installFunction({ ...sync, fromNotNull: true })).unsupported).toContain('AFTER trigger');
  });
});

describe('the trigger steps', () => {
  it('install-sync-trigger enables the trigger install-sync-function created', () => {
    const r = rendered({
      kind: 'install-sync-trigger',
      table: 'dbo.orders',
      trigger: 'sync_t',
      function: 'dbo.sync_t',
    });
    expect(r.sql).toBe('ENABLE TRIGGER [dbo].[sync_t] ON [dbo].[orders]');
    expect(r.lock).toEqual({ level: 'Sch-M', impact: 'blocks-all', on: ['dbo.orders'] });
    expect(r.probe).toBe(
      "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM sys.triggers WHERE object_id = OBJECT_ID(N'[dbo].[sync_t]', N'TR') AND is_disabled = 0) THEN 1 ELSE 0 END AS bit)",
    );
  });

  it('refuses a trigger named apart from its function (SQL Server has no trigger functions)', () => {
    const r = refused({ kind: 'install-sync-trigger', table: 'dbo.orders', trigger: 'tr', function: 'dbo.f' });
    expect(r.unsupported).toContain('created by install-sync-function as dbo.f');
  });

  it('removing the trigger or the function drops the one trigger, idempotently', () => {
    const t = rendered({ kind: 'remove-sync-trigger', table: 'a]b.t', trigger: "x'y" });
    expect(t.sql).toBe("DROP TRIGGER IF EXISTS [a]]b].[x'y]");
    expect(t.probe).toBe("SELECT CAST(CASE WHEN OBJECT_ID(N'[a]]b].[x''y]', N'TR') IS NULL THEN 1 ELSE 0 END AS bit)");
    expect(rendered({ kind: 'remove-sync-function', function: 'a]b.f' }).sql).toBe('DROP TRIGGER IF EXISTS [a]]b].[f]');
  });
});

describe('NOT NULL', () => {
  const t = { table: 'dbo.orders', column: 'a]b', check: "nn'x" };

  it('adds the CHECK WITH NOCHECK, refusing a column the sync trigger still fills', () => {
    const r = rendered({ kind: 'add-not-null-check', ...t });
    expect(lines(r.sql)).toEqual([
      expect.stringContaining(
        "IF EXISTS (SELECT 1 FROM sys.triggers WHERE parent_id = OBJECT_ID(N'[dbo].[orders]') AND is_disabled = 0 AND CHARINDEX(N'IF UPDATE([a]]b]) SET @to_named = 1;', OBJECT_DEFINITION(object_id)) > 0)",
      ),
      "IF NOT EXISTS (SELECT 1 FROM sys.check_constraints WHERE parent_object_id = OBJECT_ID(N'[dbo].[orders]') AND name = N'nn''x') AND NOT EXISTS (SELECT 1 FROM sys.columns WHERE object_id = OBJECT_ID(N'[dbo].[orders]') AND name = N'a]b' AND is_nullable = 0)",
      "ALTER TABLE [dbo].[orders] WITH NOCHECK ADD CONSTRAINT [nn'x] CHECK ([a]]b] IS NOT NULL)",
    ]);
    expect(r.lock.level).toBe('Sch-M');
  });

  it('validate-not-null-check does not scan: it says why and only confirms the helper CHECK is there and enabled', () => {
    const r = rendered({ kind: 'validate-not-null-check', ...t });
    const l = lines(r.sql);
    expect(l[0]).toMatch(/^-- SQL Server: no scan here\. WITH CHECK CHECK CONSTRAINT would read every row under Sch-M/);
    expect(l[0]).toContain('(blocking reads and writes)');
    expect(l.slice(1)).toEqual([
      "IF NOT EXISTS (SELECT 1 FROM sys.columns WHERE object_id = OBJECT_ID(N'[dbo].[orders]') AND name = N'a]b' AND is_nullable = 0) AND NOT EXISTS (SELECT 1 FROM sys.check_constraints WHERE parent_object_id = OBJECT_ID(N'[dbo].[orders]') AND name = N'nn''x' AND is_disabled = 0)",
      "THROW 50000, N'dbo.orders.a]b: the helper CHECK nn''x is missing or disabled; run the add-not-null-check step again (or re-enable it with ALTER TABLE … CHECK CONSTRAINT), then resume', 1",
    ]);
    expect(r.sql).not.toMatch(/WITH CHECK CHECK CONSTRAINT \[/);
    expect(r.lock).toEqual({ level: 'Sch-S', impact: 'blocks-ddl', on: ['dbo.orders'] });
    expect(r.probe).toContain("name = N'nn''x' AND is_disabled = 0");
    expect(r.probe).not.toContain('is_not_trusted');
  });

  it('set-not-null restates the catalog type with QUOTENAME, online where the edition has it, drops the helper CHECK ALTER COLUMN would trip on, and says it scans', () => {
    const r = rendered({ kind: 'set-not-null', ...t });
    const l = lines(r.sql);
    expect(l[0]).toContain('-- reads every row: a trusted CHECK does not spare ALTER COLUMN … NOT NULL its scan');
    expect(l).toContain(
      "DECLARE @alter nvarchar(max) = N'ALTER TABLE [dbo].[orders] ALTER COLUMN [a]]b] ' + @c_type + COALESCE(N' COLLATE ' + @c_collation, N'') + N' NOT NULL';",
    );
    expect(l).toContain(
      "IF CAST(SERVERPROPERTY('EngineEdition') AS int) IN (3, 5, 8) SET @alter += N' WITH (ONLINE = ON)';",
    );
    expect(l).toContain('EXEC sys.sp_executesql @alter;');
    expect(r.sql).toContain(
      "WHEN t.name IN (N'nvarchar', N'nchar') THEN QUOTENAME(t.name) + N'(' + CASE WHEN c.max_length = -1 THEN N'max' ELSE CAST(c.max_length / 2 AS nvarchar(10)) END + N')'",
    );
    expect(r.sql).toContain("IF @c_collation LIKE N'%[^A-Za-z0-9_]%' THROW");
    expect(l).toContain(
      "IF EXISTS (SELECT 1 FROM sys.check_constraints WHERE parent_object_id = OBJECT_ID(N'[dbo].[orders]') AND name = N'nn''x') ALTER TABLE [dbo].[orders] DROP CONSTRAINT [nn'x];",
    );
    expect(r.sql).not.toContain('definition =');
    expect(r.sql).toContain(
      "IF @index IS NOT NULL AND @c_type NOT LIKE N'[[]varchar](%' AND @c_type NOT LIKE N'[[]nvarchar](%' AND @c_type NOT LIKE N'[[]varbinary](%' BEGIN SET @message = CONCAT(N'dbo.orders.a]b cannot be made NOT NULL while the index ', @index,",
    );
    expect(r.lock).toEqual({ level: 'Sch-M', impact: 'blocks-all', on: ['dbo.orders'] });
    expect(r.transactional).toBe(true);
    expect(r.probe).toBe(
      "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM sys.columns WHERE object_id = OBJECT_ID(N'[dbo].[orders]') AND name = N'a]b' AND is_nullable = 0) THEN 1 ELSE 0 END AS bit)",
    );
  });

  it('set-not-null drops only the helper CHECK by name; any other CHECK reading the column is refused by name before it', () => {
    const l = lines(rendered({ kind: 'set-not-null', ...t }).sql);
    const others = l.findIndex((x) => x.startsWith('DECLARE @checks nvarchar(max)'));
    expect(l[others]).toBe(
      "DECLARE @checks nvarchar(max) = (SELECT STRING_AGG(CAST(k.name AS nvarchar(max)), N', ') FROM sys.check_constraints AS k WHERE k.parent_object_id = OBJECT_ID(N'[dbo].[orders]') AND (k.parent_column_id = COLUMNPROPERTY(OBJECT_ID(N'[dbo].[orders]'), N'a]b', 'ColumnId') OR EXISTS (SELECT 1 FROM sys.sql_expression_dependencies AS e WHERE e.referencing_id = k.object_id AND e.referenced_id = OBJECT_ID(N'[dbo].[orders]') AND e.referenced_minor_id = COLUMNPROPERTY(OBJECT_ID(N'[dbo].[orders]'), N'a]b', 'ColumnId'))) AND k.name <> N'nn''x'), @checks_message nvarchar(2048);",
    );
    expect(l[others + 1]).toBe(
      "IF @checks IS NOT NULL BEGIN SET @checks_message = CONCAT(N'dbo.orders.a]b cannot be made NOT NULL while the CHECK constraint(s) ', @checks, N' read it (SQL Server refuses ALTER COLUMN on a column a CHECK uses, error 5074); drop them before this step and add them again after it in raw sql steps, or keep a validated CHECK (column IS NOT NULL) as the NOT NULL guarantee instead'); THROW 50000, @checks_message, 1; END;",
    );
    const drop = l.findIndex((x) => x.includes('DROP CONSTRAINT'));
    const alter = l.indexOf('EXEC sys.sp_executesql @alter;');
    expect(others).toBeLessThan(drop);
    expect(drop).toBeLessThan(alter);
    expect(l.filter((x) => x.includes('DROP CONSTRAINT'))).toHaveLength(1);
  });

  it('set-not-null without a helper CHECK name drops none and refuses every CHECK reading the column', () => {
    const sql = rendered({ kind: 'set-not-null', table: t.table, column: t.column }).sql;
    expect(sql).not.toContain('DROP CONSTRAINT');
    expect(sql).not.toContain('k.name <>');
    expect(sql).toContain('THROW 50000, @checks_message, 1;');
  });

  it('drop-not-null restates the type as NULL, without ONLINE (metadata only)', () => {
    const r = rendered({ kind: 'drop-not-null', table: t.table, column: t.column });
    expect(r.sql).toContain("N' NULL';");
    expect(r.sql).not.toContain('ONLINE');
    expect(r.transactional).toBe(true);
  });

  it('drops the helper CHECK if it exists', () => {
    expect(rendered({ kind: 'drop-not-null-check', table: t.table, check: t.check }).sql).toBe(
      "ALTER TABLE [dbo].[orders] DROP CONSTRAINT IF EXISTS [nn'x]",
    );
  });
});

const carry: SwapCarry = {
  indexes: [{ name: 'orders_ref_idx', building: 'orders_ref_idx_new' }],
  constraints: [{ name: "ref_pos'", building: 'ref_pos_new' }],
  default: '0',
  alsoLocks: ['app.refs'],
};

describe('the swap', () => {
  it('drop-old-column: one XACT_ABORT transaction, trigger first, dependents refused by name, carried renamed', () => {
    const r = rendered({
      kind: 'drop-old-column',
      table: 'app.orders',
      trigger: 'tr',
      old: 'ref',
      final: 'ref2',
      carry,
    });
    const l = lines(r.sql);
    expect(l.slice(0, 4)).toEqual([
      'SET XACT_ABORT ON;',
      'DROP TRIGGER IF EXISTS [app].[tr];',
      "IF COL_LENGTH(N'[app].[orders]', N'ref') IS NOT NULL",
      'BEGIN',
    ]);
    expect(r.sql).toContain("AND x.name NOT IN (N'orders_ref_idx', N'ref_pos''')");
    expect(l).toContain(
      "IF @dependent IS NOT NULL BEGIN SET @message = CONCAT(N'app.orders.ref cannot be dropped: ', @dependent, N' depends on it; drop or change it in an earlier step'); THROW 50000, @message, 1; END;",
    );
    expect(l).toContain('DROP INDEX IF EXISTS [orders_ref_idx] ON [app].[orders];');
    expect(l).toContain("ALTER TABLE [app].[orders] DROP CONSTRAINT IF EXISTS [ref_pos'];");
    expect(l).toContain('ALTER TABLE [app].[orders] DROP COLUMN [ref];');
    expect(l).toContain(
      "IF EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = OBJECT_ID(N'[app].[orders]') AND name = N'orders_ref_idx_new') EXEC sys.sp_rename N'[app].[orders].[orders_ref_idx_new]', N'orders_ref_idx', N'INDEX';",
    );
    expect(l).toContain(
      "IF EXISTS (SELECT 1 FROM sys.objects WHERE parent_object_id = OBJECT_ID(N'[app].[orders]') AND name = N'ref_pos_new') EXEC sys.sp_rename N'[app].[ref_pos_new]', N'ref_pos''', N'OBJECT';",
    );
    expect(l[l.length - 1]).toMatch(
      /ALTER TABLE \[app\]\.\[orders\] ADD CONSTRAINT \[DF_orders_ref2\] DEFAULT \(0\) FOR \[ref2\];$/,
    );
    expect(r.lock).toEqual({ level: 'Sch-M', impact: 'blocks-all', on: ['app.orders', 'app.refs'] });
    expect(r.transactional).toBe(true);
    expect(r.probe).toContain("AND name = N'ref') THEN 1 ELSE 0 END AS bit)");
  });

  it('swap-in-column: the replacement takes the old name by sp_rename, guarded, probed both ways', () => {
    const r = rendered({
      kind: 'swap-in-column',
      table: 'app.orders',
      trigger: 'tr',
      old: "a]b'",
      replacement: 'a_new',
      type: 'bigint',
      carry: { indexes: [], constraints: [], alsoLocks: [] },
    });
    const l = lines(r.sql);
    expect(l.slice(0, 5)).toEqual([
      'SET XACT_ABORT ON;',
      'DROP TRIGGER IF EXISTS [app].[tr];',
      "IF COL_LENGTH(N'[app].[orders]', N'a_new') IS NOT NULL",
      'BEGIN',
      "IF COL_LENGTH(N'[app].[orders]', N'a]b''') IS NOT NULL",
    ]);
    expect(l).toContain("EXEC sys.sp_rename N'[app].[orders].[a_new]', N'a]b''', N'COLUMN';");
    expect(r.probe).toBe(
      "SELECT CAST(CASE WHEN NOT (COL_LENGTH(N'[app].[orders]', N'a_new') IS NOT NULL) AND EXISTS (SELECT 1 FROM sys.columns AS c WHERE c.object_id = OBJECT_ID(N'[app].[orders]') AND c.name = N'a]b''' AND c.user_type_id = TYPE_ID(N'bigint')) THEN 1 ELSE 0 END AS bit)",
    );
    expect(r.sql).not.toContain('@missing');
  });

  it('swap-in-column is done only when the old name has the new type, sizes included', () => {
    const probe = (type: string) =>
      rendered({
        kind: 'swap-in-column',
        table: 't',
        trigger: 'tr',
        old: 'a',
        replacement: 'a_new',
        type,
        carry: { indexes: [], constraints: [], alsoLocks: [] },
      }).probe;
    expect(probe('NVARCHAR(200)')).toContain("c.user_type_id = TYPE_ID(N'nvarchar') AND c.max_length = 400)");
    expect(probe('varchar(max)')).toContain("c.user_type_id = TYPE_ID(N'varchar') AND c.max_length = -1)");
    expect(probe('decimal(12, 2)')).toContain("TYPE_ID(N'decimal') AND c.precision = 12 AND c.scale = 2)");
    expect(probe('decimal')).toContain("TYPE_ID(N'decimal') AND c.precision = 18 AND c.scale = 0)");
    expect(probe('datetime2')).toContain("TYPE_ID(N'datetime2') AND c.scale = 7)");
    expect(probe('float')).toContain("TYPE_ID(N'float') AND c.precision = 53)");
    expect(probe('rowversion')).toContain("TYPE_ID(N'timestamp'))");
    expect(probe("app.[money't]")).toContain("TYPE_ID(N'[app].[money''t]'))");
  });

  it('refuses, before dropping anything, when a carried copy is missing, disabled or paused; not once swapped', () => {
    const r = rendered({
      kind: 'drop-old-column',
      table: 'app.orders',
      trigger: 'tr',
      old: 'ref',
      final: 'ref2',
      carry,
    });
    const l = lines(r.sql);
    const select = l.findIndex((x) => x.startsWith('SELECT TOP (1) @missing = d.what'));
    expect(l.slice(3, 5)).toEqual(['BEGIN', 'DECLARE @missing nvarchar(400), @missing_message nvarchar(2048);']);
    expect(l[select]).toBe(
      "SELECT TOP (1) @missing = d.what FROM (SELECT N'index orders_ref_idx_new (the copy of orders_ref_idx)' WHERE NOT EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = OBJECT_ID(N'[app].[orders]') AND name = N'orders_ref_idx_new' AND is_disabled = 0) OR EXISTS (SELECT 1 FROM sys.index_resumable_operations WHERE object_id = OBJECT_ID(N'[app].[orders]') AND name = N'orders_ref_idx_new')",
    );
    expect(l[select + 1]).toBe(
      "UNION ALL SELECT N'constraint ref_pos_new (the copy of ref_pos'')' WHERE NOT EXISTS (SELECT 1 FROM sys.check_constraints WHERE parent_object_id = OBJECT_ID(N'[app].[orders]') AND name = N'ref_pos_new' AND is_disabled = 0 UNION ALL SELECT 1 FROM sys.foreign_keys WHERE parent_object_id = OBJECT_ID(N'[app].[orders]') AND name = N'ref_pos_new' AND is_disabled = 0)) AS d (what);",
    );
    expect(l[select + 2]).toBe(
      "IF @missing IS NOT NULL BEGIN SET @missing_message = CONCAT(N'app.orders.ref was not dropped: ', @missing, N' is missing, disabled or a paused resumable build, and the swap would drop the original with nothing in its place; build it again under that name (or finish it: ALTER INDEX … RESUME), then run this step again'); THROW 50000, @missing_message, 1; END;",
    );
    // Inside `IF the old column exists`: a re-run after the swap (old column gone, final names in place) skips it.
    expect(l[2]).toBe("IF COL_LENGTH(N'[app].[orders]', N'ref') IS NOT NULL");
    const firstDrop = l.findIndex((x) => /DROP (INDEX|CONSTRAINT|COLUMN)/.test(x) && !x.startsWith('SELECT'));
    expect(select + 2).toBeLessThan(firstDrop);
  });

  it('swap-in-column checks the carried copies inside its not-yet-swapped branch', () => {
    const l = lines(
      rendered({
        kind: 'swap-in-column',
        table: 't',
        trigger: 'tr',
        old: 'a',
        replacement: 'a_new',
        type: 'int',
        carry,
      }).sql,
    );
    expect(l.slice(2, 7)).toEqual([
      "IF COL_LENGTH(N'[t]', N'a_new') IS NOT NULL",
      'BEGIN',
      "IF COL_LENGTH(N'[t]', N'a') IS NOT NULL",
      'BEGIN',
      'DECLARE @missing nvarchar(400), @missing_message nvarchar(2048);',
    ]);
  });

  it('refuses a carried index that should back a constraint (no USING INDEX)', () => {
    const r = refused({
      kind: 'swap-in-column',
      table: 't',
      trigger: 'tr',
      old: 'a',
      replacement: 'b',
      type: 'int',
      carry: { indexes: [{ name: 'k', building: 'k_new', constraint: 'unique' }], constraints: [], alsoLocks: [] },
    });
    expect(r.unsupported).toContain('no USING INDEX');
  });

  it('drop-synced-column drops the trigger and the column together; CASCADE is refused', () => {
    const r = rendered({
      kind: 'drop-synced-column',
      table: 's.t',
      column: 'c',
      trigger: 'tr',
      function: 's.tr',
      cascade: false,
    });
    expect(lines(r.sql).slice(0, 3)).toEqual([
      'SET XACT_ABORT ON;',
      'DROP TRIGGER IF EXISTS [s].[tr];',
      "IF COL_LENGTH(N'[s].[t]', N'c') IS NOT NULL",
    ]);
    expect(r.sql).toContain('ALTER TABLE [s].[t] DROP COLUMN [c];');
    expect(
      refused({ kind: 'drop-synced-column', table: 's.t', column: 'c', trigger: 'tr', function: 's.tr', cascade: true })
        .unsupported,
    ).toContain('CASCADE');
  });

  it('drop-added-column drops its default then the column', () => {
    const r = rendered({ kind: 'drop-added-column', table: 's.t', column: 'c' });
    expect(r.sql).toContain(
      "IF @default IS NOT NULL BEGIN DECLARE @drop nvarchar(max) = N'ALTER TABLE [s].[t] DROP CONSTRAINT ' + QUOTENAME(@default); EXEC sys.sp_executesql @drop; END;",
    );
    expect(r.probe).toContain('NOT EXISTS');
  });
});

describe('carried attachments', () => {
  it('grants each privilege on the column, to a bracketed role or public', () => {
    const r = rendered({
      kind: 'grant-column-privileges',
      table: 's.t',
      column: 'a]b',
      privileges: ['SELECT', 'update'],
      grantee: { role: "x'; DROP" },
    });
    expect(r.sql).toBe("GRANT SELECT ([a]]b]), UPDATE ([a]]b]) ON [s].[t] TO [x'; DROP]");
    expect(r.lock.impact).toBe('none');
    const pub = rendered({
      kind: 'grant-column-privileges',
      table: 't',
      column: 'c',
      privileges: ['SELECT'],
      grantee: { public: true },
    });
    expect(pub.sql).toBe('GRANT SELECT ([c]) ON [t] TO [public]');
  });

  it('refuses a privilege SQL Server has no column form of', () => {
    const r = refused({
      kind: 'grant-column-privileges',
      table: 't',
      column: 'c',
      privileges: ['INSERT'],
      grantee: { public: true },
    });
    expect(r.unsupported).toContain('no column-level INSERT');
  });

  it('sets MS_Description, updating it on a rerun; line breaks never form a GO line', () => {
    const r = rendered({ kind: 'set-column-comment', table: 't', column: 'c', comment: "one\nGO\nx'" });
    expect(lines(r.sql)).toEqual([
      'DECLARE @schema sysname = SCHEMA_NAME();',
      "DECLARE @comment sql_variant = (N'one' + NCHAR(10) + N'GO' + NCHAR(10) + N'x''');",
      expect.stringMatching(
        /^IF EXISTS \(SELECT 1 FROM sys\.extended_properties .* EXEC sys\.sp_updateextendedproperty @name = N'MS_Description', @value = @comment/,
      ),
      expect.stringMatching(
        /^ELSE EXEC sys\.sp_addextendedproperty @name = N'MS_Description', @value = @comment, @level0type = N'SCHEMA', @level0name = @schema/,
      ),
    ]);
  });

  it('changes the collation restating the plan type and keeping nullability; refuses a non-SQL Server collation', () => {
    const r = rendered({
      kind: 'set-column-collation',
      table: 't',
      column: 'c',
      type: 'nvarchar(20)',
      collation: 'Latin1_General_100_CI_AS',
    });
    expect(lines(r.sql)[0]).toBe(
      "DECLARE @alter nvarchar(max) = N'ALTER TABLE [t] ALTER COLUMN [c] nvarchar(20) COLLATE Latin1_General_100_CI_AS' + CASE (SELECT is_nullable FROM sys.columns WHERE object_id = OBJECT_ID(N'[t]') AND name = N'c') WHEN 0 THEN N' NOT NULL' ELSE N' NULL' END;",
    );
    expect(
      refused({ kind: 'set-column-collation', table: 't', column: 'c', type: 'text', collation: 'pg_catalog.C' })
        .unsupported,
    ).toContain('not a SQL Server collation name');
  });
});
