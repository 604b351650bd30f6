/**
 * What SQL Server contract steps remove, as the contract confirmation lists it: read from the very SQL each
 * examples/mssql contract step runs (nested in IF … BEGIN … END, through sp_executesql), and from raw scripts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../../src/plan/compile.js';
import { loadPlanFile } from '../../../src/plan/load.js';
import { contractConfirmation, stepDrops } from '../../../src/runner/contract-drops.js';
import { tsqlScripts } from '../../../src/dialects/mssql/tsql-script.js';

const drops = (sql: string) => tsqlScripts.statementsDrops(sql);

async function contractSteps(file: string): Promise<Record<string, string[]>> {
  const compiled = compilePlan(await loadPlanFile(`examples/mssql/${file}`, process.cwd()));
  const contract = compiled.phases.find((p) => p.phase === 'contract');
  return Object.fromEntries(
    (contract?.steps ?? []).map(({ step }) => [step.id, stepDrops(step, compiled.dialect.parser)]),
  );
}

const RUN_TIME_DEFAULT = (table: string) => `constraint (named at run time) on ${table}`;

const EXPECTED: Record<string, Record<string, string[]>> = {
  'add-check-constraint.yaml': {},
  'add-check-with-up.yaml': {
    'add_check:articles.articles_title_length/swap': [
      'trigger schemashift_sync_articles_title_new',
      RUN_TIME_DEFAULT('articles'),
      'column articles.title',
      'column articles.title_new (renamed to title)',
    ],
    'add_check:articles.articles_title_length/drop-sync-function': ['trigger schemashift_sync_articles_title_new'],
    'add_check:articles.articles_title_length/not-null-check': [],
    'add_check:articles.articles_title_length/not-null-validate': [],
    'add_check:articles.articles_title_length/set-not-null': ['constraint title_not_null on articles'],
    'add_check:articles.articles_title_length/drop-not-null-check': ['constraint title_not_null on articles'],
  },
  'add-foreign-key.yaml': {},
  'add-not-null-column.yaml': {
    'add_column:orders.total_cents/drop-sync-trigger': ['trigger schemashift_sync_orders_total_cents'],
    'add_column:orders.total_cents/drop-sync-function': ['trigger schemashift_sync_orders_total_cents'],
    'set_not_null:orders.total_cents': [],
    'set_not_null:orders.total_cents/validate': [],
    'set_not_null:orders.total_cents/set-not-null': ['constraint total_cents_not_null on orders'],
    'set_not_null:orders.total_cents/drop-check': ['constraint total_cents_not_null on orders'],
  },
  'add-unique-constraint.yaml': {},
  'backfill-and-verify.yaml': {},
  'change-int-to-bigint.yaml': {
    'change_type:line_items.product_id/swap': [
      'trigger schemashift_sync_line_items_product_id_new',
      'index idx_line_items_product_id',
      RUN_TIME_DEFAULT('line_items'),
      'column line_items.product_id',
      'column line_items.product_id_new (renamed to product_id)',
      'index idx_line_items_product_id_new (renamed to idx_line_items_product_id)',
    ],
    'change_type:line_items.product_id/drop-sync-function': ['trigger schemashift_sync_line_items_product_id_new'],
  },
  'constraint-options.yaml': {},
  'create-daily-usage-view.yaml': {},
  'create-table.yaml': { 'drop_table:order_log': ['table order_log'] },
  'partial-covering-index.yaml': { 'drop_index:idx_orders_customer_id': ['index idx_orders_customer_id'] },
  'rename-customers-email.yaml': {
    'rename_column:customers.email/drop-old-column': [
      'trigger schemashift_sync_customers_email_address',
      'index idx_customers_email',
      RUN_TIME_DEFAULT('customers'),
      'column customers.email',
      'index idx_customers_email_new (renamed to idx_customers_email)',
    ],
    'rename_column:customers.email/drop-sync-function': ['trigger schemashift_sync_customers_email_address'],
    'rename_column:customers.email/not-null-check': [],
    'rename_column:customers.email/not-null-validate': [],
    'rename_column:customers.email/set-not-null': ['constraint email_address_not_null on customers'],
    'rename_column:customers.email/drop-not-null-check': ['constraint email_address_not_null on customers'],
  },
  'rename-orders-client-id.yaml': {
    'add_column:orders.customer_id/drop-sync-trigger': ['trigger schemashift_sync_orders_customer_id'],
    'add_column:orders.customer_id/drop-sync-function': ['trigger schemashift_sync_orders_customer_id'],
    'set_not_null:orders.customer_id': [],
    'set_not_null:orders.customer_id/validate': [],
    'set_not_null:orders.customer_id/set-not-null': ['constraint customer_id_not_null on orders'],
    'set_not_null:orders.customer_id/drop-check': ['constraint customer_id_not_null on orders'],
    'create_index:idx_orders_customer_id': [],
    'add_foreign_key:orders.fk_orders_customer_id': [],
    'add_foreign_key:orders.fk_orders_customer_id/validate': [],
    'drop_column:orders.client_id': [RUN_TIME_DEFAULT('orders'), 'column orders.client_id'],
  },
  'rename-orders-with-flag-rollout.yaml': {
    'add_column:orders.customer_id/drop-sync-trigger': ['trigger schemashift_sync_orders_customer_id'],
    'add_column:orders.customer_id/drop-sync-function': ['trigger schemashift_sync_orders_customer_id'],
    'set_not_null:orders.customer_id': [],
    'set_not_null:orders.customer_id/validate': [],
    'set_not_null:orders.customer_id/set-not-null': ['constraint customer_id_not_null on orders'],
    'set_not_null:orders.customer_id/drop-check': ['constraint customer_id_not_null on orders'],
    'drop_column:orders.client_id': [RUN_TIME_DEFAULT('orders'), 'column orders.client_id'],
  },
  'rename-table.yaml': { 'rename_table:line_items/drop-view': ['view line_items'] },
  'replace-daily-sales-view.yaml': {
    'replace_materialized_view:dbo.daily_sales/drop-old': ['view dbo.daily_sales__old'],
  },
  'set-not-null-with-up.yaml': {
    'set_not_null:posts.title/swap': [
      'trigger schemashift_sync_posts_title_new',
      RUN_TIME_DEFAULT('posts'),
      'column posts.title',
      'column posts.title_new (renamed to title)',
    ],
    'set_not_null:posts.title/drop-sync-function': ['trigger schemashift_sync_posts_title_new'],
    'set_not_null:posts.title/not-null-check': [],
    'set_not_null:posts.title/not-null-validate': [],
    'set_not_null:posts.title/set-not-null': ['constraint title_not_null on posts'],
    'set_not_null:posts.title/drop-not-null-check': ['constraint title_not_null on posts'],
  },
  'table-metadata.yaml': { 'drop_constraint:orders.orders_region_check': ['constraint orders_region_check on orders'] },
};

describe('contract steps of examples/mssql: every drop they run', () => {
  it('drop-column-with-down names the column, not only the sync trigger', async () => {
    expect(await contractSteps('drop-column-with-down.yaml')).toEqual({
      'drop_column:posts.legacy_code/drop-column': [
        'trigger schemashift_sync_posts_legacy_code',
        RUN_TIME_DEFAULT('posts'),
        'column posts.legacy_code',
      ],
    });
  });
  it.each(Object.keys(EXPECTED))('%s', async (file) => {
    expect(await contractSteps(file)).toEqual(EXPECTED[file]);
  });
});

describe('raw scripts: drops at any depth', () => {
  it('reads IF, ELSE, BEGIN … END, TRY/CATCH and WHILE bodies', () => {
    expect(drops("IF OBJECT_ID(N'dbo.old') IS NOT NULL DROP TABLE dbo.old")).toEqual(['table dbo.old']);
    expect(
      drops(
        "IF EXISTS (SELECT 1 FROM sys.tables WHERE name = N'a')\nBEGIN\n  DROP VIEW v;\n  ALTER TABLE t DROP COLUMN c\nEND\n" +
          'ELSE DROP INDEX ix ON t',
      ),
    ).toEqual(['view v', 'column t.c', 'index ix']);
    expect(drops('BEGIN TRY DROP TABLE a; END TRY BEGIN CATCH DROP TABLE b; THROW; END CATCH')).toEqual([
      'table a',
      'table b',
    ]);
    expect(drops('WHILE 1 = 1 BEGIN DELETE TOP (1000) FROM log WHERE old = 1; IF @@ROWCOUNT = 0 BREAK; END')).toEqual([
      'rows of table log (DELETE)',
    ]);
    expect(drops('IF 1 = 1 BEGIN TRUNCATE TABLE z END')).toEqual(['every row of table z']);
    expect(drops('IF 1 = 1 ALTER TABLE t DROP CONSTRAINT ck DROP TABLE u')).toEqual(['constraint ck on t', 'table u']);
  });
  it('reads the text of dynamic SQL made of literals and QUOTENAME', () => {
    expect(drops("EXEC('DROP TABLE dbo.old')")).toEqual(['table dbo.old']);
    expect(drops("EXECUTE (N'ALTER TABLE t ' + N'DROP COLUMN c')")).toEqual(['column t.c']);
    expect(drops("EXEC sys.sp_executesql N'DROP VIEW v; DROP TABLE w'")).toEqual(['view v', 'table w']);
    expect(drops("EXEC sp_executesql @stmt = N'DROP TABLE w'")).toEqual(['table w']);
    expect(
      drops(
        "DECLARE @d sysname = N'x', @sql nvarchar(max);\n" +
          "SET @sql = N'ALTER TABLE [dbo].[t] DROP CONSTRAINT ' + QUOTENAME(@d);\nEXEC sys.sp_executesql @sql",
      ),
    ).toEqual(['constraint (named at run time) on dbo.t']);
    expect(drops("DECLARE @sql nvarchar(max) = N'DROP TABLE [a]'; SET @sql += N', [b]'; EXEC (@sql)")).toEqual([
      'table a',
      'table b',
    ]);
    expect(
      drops(
        "DECLARE @alter nvarchar(max) = N'ALTER TABLE [t] ALTER COLUMN [c] ' + @type + N' NOT NULL'; EXEC (@alter)",
      ),
    ).toEqual([]);
  });
  it('names what sp_rename takes away', () => {
    expect(drops("EXEC sp_rename 'dbo.orders.client_id', 'customer_id', 'COLUMN'")).toEqual([
      'column dbo.orders.client_id (renamed to customer_id)',
    ]);
    expect(drops("IF 1 = 1 EXEC sys.sp_rename N'orders', N'orders_old'")).toEqual([
      'object orders (renamed to orders_old)',
    ]);
    expect(drops("EXEC sp_rename N'orders.ix_a', N'ix_b', N'INDEX'")).toEqual(['index ix_a (renamed to ix_b)']);
  });
  it('cannot tell what unreadable dynamic SQL, SWITCH or an unknown DROP removes', () => {
    for (const sql of [
      'EXEC (@sql)',
      'DECLARE @sql nvarchar(max); SELECT @sql = definition FROM dbo.scripts; EXEC sp_executesql @sql',
      "DECLARE @sql nvarchar(max) = N'DROP TABLE ' + @name; EXEC sp_executesql @sql",
      "EXEC (N'DROP TABLE dbo.t_' + @suffix)",
      'EXEC sp_executesql @sql',
      'DECLARE @sql nvarchar(max); FETCH NEXT FROM c INTO @sql; EXEC (@sql)',
      'EXEC @procedure',
      'EXEC sp_rename @old, @new',
      'ALTER TABLE dbo.t SWITCH TO dbo.t_archive',
      'IF 1 = 1 BEGIN ALTER TABLE dbo.t SWITCH PARTITION 1 TO dbo.t_archive PARTITION 1 END',
      'ALTER ROLE r DROP MEMBER u',
      "EXEC (N'DROP TABLE (')",
      "EXEC (N'DROP TABLE dbo.t') AT [reports]",
      "DECLARE @sql nvarchar(max) = N'ALTER TABLE [t] ADD ' + @rest; EXEC (@sql)",
      "DECLARE @sql nvarchar(max) = N'ALTER TABLE [t] ALTER COLUMN [c] ' + @type + N'; DROP TABLE u'; EXEC (@sql)",
      "DECLARE @sql nvarchar(max) = N'ALTER TABLE [t] ALTER COLUMN [c] ' + @type; SET @sql += N'; DROP TABLE u'; EXEC (@sql)",
    ]) {
      expect(drops(sql), sql).toBeUndefined();
    }
  });
  it('leaves out module bodies, other procedures and DELETE that belongs to another statement', () => {
    expect(drops('CREATE PROCEDURE p AS BEGIN DROP TABLE t; END')).toEqual([]);
    expect(drops('EXEC dbo.archive_orders @days = 30')).toEqual([]);
    expect(drops('EXEC @rc = dbo.archive_orders')).toEqual([]);
    expect(drops('GRANT SELECT, DELETE ON t TO app; GRANT DELETE ON u TO app')).toEqual([]);
    expect(
      drops('ALTER TABLE o ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES c (id) ON DELETE CASCADE; SELECT 1'),
    ).toEqual([]);
  });
});

describe('the contract confirmation of a SQL Server plan', () => {
  it('lists the dropped column of drop-column-with-down', async () => {
    const compiled = compilePlan(await loadPlanFile('examples/mssql/drop-column-with-down.yaml', process.cwd()));
    expect(contractConfirmation(compiled)).toBe(
      'Start contract for drop-posts-legacy-code? It cannot be rolled back. It drops:\n' +
        '  - trigger schemashift_sync_posts_legacy_code\n' +
        '  - constraint (named at run time) on posts\n' +
        '  - column posts.legacy_code',
    );
  });
  it('says a raw step removes what it cannot name when its dynamic SQL is unreadable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schemashift-drops-'));
    const file = join(dir, 'plan.yaml');
    writeFileSync(
      file,
      `name: dynamic
dialect: mssql
phases:
  expand: []
  contract:
    - sql:
        up: "IF OBJECT_ID(N'dbo.old') IS NOT NULL DROP TABLE dbo.old; EXEC sys.sp_executesql @cleanup"
`,
    );
    const compiled = compilePlan(await loadPlanFile(file, process.cwd()));
    expect(contractConfirmation(compiled)).toBe(
      'Start contract for dynamic? It cannot be rolled back. It drops:\n' +
        "  - whatever step sql:dbo.old removes (run SQL: IF OBJECT_ID(N'dbo.old') IS NOT NULL DROP TABLE dbo.old (+1 more))",
    );
  });
});
