/**
 * Every action SQL Server renders, next to what PostgreSQL renders for it: the statement, the lock
 * and whether it may run in a transaction.
 */
import { describe, expect, it } from 'vitest';
import type { Action, Rendered, Unsupported } from '../../../src/dialects/actions.js';
import { isUnsupported } from '../../../src/dialects/actions.js';
import { mssqlDdl } from '../../../src/dialects/mssql/ddl.js';
import { ONLINE_EDITION_GUARD } from '../../../src/dialects/mssql/ddl-index.js';
import { postgresDdl } from '../../../src/dialects/postgres/ddl.js';

interface Row {
  action: Action;
  postgres: string;
  mssql: string;
  lock: [level: string, impact: string];
  transactional: boolean;
}

const T = 'sales.orders';
const ROWS: Row[] = [
  {
    action: { kind: 'add-column', table: T, column: 'note', type: 'nvarchar(200)', notNull: false },
    postgres: 'ALTER TABLE sales.orders ADD COLUMN note nvarchar(200)',
    mssql: 'ALTER TABLE [sales].[orders] ADD [note] nvarchar(200) NULL',
    lock: ['Sch-M', 'blocks-all'],
    transactional: true,
  },
  {
    action: { kind: 'add-column', table: T, column: 'Total', type: 'decimal(10,2)', default: '0', notNull: true },
    postgres: 'ALTER TABLE sales.orders ADD COLUMN "Total" decimal(10,2) DEFAULT (0) NOT NULL',
    mssql:
      '-- metadata-only on Enterprise, Developer and Azure SQL if the row stays within 8,060 bytes; Standard edition writes every row\n' +
      'ALTER TABLE [sales].[orders] ADD [Total] decimal(10,2) NOT NULL CONSTRAINT [DF_orders_Total] DEFAULT (0) WITH VALUES',
    lock: ['Sch-M', 'blocks-all'],
    transactional: true,
  },
  {
    action: { kind: 'drop-column', table: T, column: 'legacy', cascade: false },
    postgres: 'ALTER TABLE sales.orders DROP COLUMN IF EXISTS legacy',
    mssql: [
      'DECLARE @default sysname, @drop_default nvarchar(max);',
      'SELECT @default = d.name FROM sys.default_constraints AS d JOIN sys.columns AS c ON c.object_id = ' +
        "d.parent_object_id AND c.column_id = d.parent_column_id WHERE d.parent_object_id = OBJECT_ID(N'[sales].[orders]') " +
        "AND c.name = N'legacy';",
      "SET @drop_default = N'ALTER TABLE [sales].[orders] DROP CONSTRAINT ' + QUOTENAME(@default);",
      'IF @default IS NOT NULL EXEC sys.sp_executesql @drop_default;',
      'ALTER TABLE [sales].[orders] DROP COLUMN IF EXISTS [legacy]',
    ].join('\n'),
    lock: ['Sch-M', 'blocks-all'],
    transactional: true,
  },
  {
    action: { kind: 'add-check-unchecked', table: T, name: 'orders_total_ck', expression: 'total >= 0' },
    postgres: 'ALTER TABLE sales.orders ADD CONSTRAINT orders_total_ck CHECK (total >= 0) NOT VALID',
    mssql: 'ALTER TABLE [sales].[orders] WITH NOCHECK ADD CONSTRAINT [orders_total_ck] CHECK (total >= 0)',
    lock: ['Sch-M', 'blocks-all'],
    transactional: true,
  },
  {
    action: {
      kind: 'add-foreign-key-unchecked',
      table: T,
      name: 'orders_customer_fk',
      columns: ['customer_id'],
      references: { table: 'sales.customers', columns: ['id'] },
      onDelete: 'cascade',
      onUpdate: 'restrict',
    },
    postgres:
      'ALTER TABLE sales.orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES ' +
      'sales.customers (id) ON DELETE CASCADE ON UPDATE RESTRICT NOT VALID',
    mssql:
      'ALTER TABLE [sales].[orders] WITH NOCHECK ADD CONSTRAINT [orders_customer_fk] FOREIGN KEY ([customer_id]) ' +
      'REFERENCES [sales].[customers] ([id]) ON DELETE CASCADE ON UPDATE NO ACTION',
    lock: ['Sch-M', 'blocks-all'],
    transactional: true,
  },
  {
    action: { kind: 'validate-constraint', table: T, name: 'orders_customer_fk', alsoReads: ['sales.customers'] },
    postgres: 'ALTER TABLE sales.orders VALIDATE CONSTRAINT orders_customer_fk',
    mssql: 'ALTER TABLE [sales].[orders] WITH CHECK CHECK CONSTRAINT [orders_customer_fk]',
    lock: ['Sch-M', 'blocks-all'],
    transactional: true,
  },
  {
    action: { kind: 'drop-constraint', table: T, name: 'orders_total_ck', alsoLocks: [] },
    postgres: 'ALTER TABLE sales.orders DROP CONSTRAINT IF EXISTS orders_total_ck',
    mssql: 'ALTER TABLE [sales].[orders] DROP CONSTRAINT IF EXISTS [orders_total_ck]',
    lock: ['Sch-M', 'blocks-all'],
    transactional: true,
  },
  {
    action: {
      kind: 'build-index',
      table: T,
      name: 'orders_customer_ix',
      columns: ['customer_id', 'placed_at'],
      columnOptions: [undefined, { sort: 'desc' }],
      include: ['total'],
      unique: false,
      method: 'btree',
      online: true,
    },
    postgres:
      'CREATE INDEX CONCURRENTLY orders_customer_ix ON sales.orders (customer_id, placed_at DESC) INCLUDE (total)',
    mssql:
      `${ONLINE_EDITION_GUARD};\n` +
      'CREATE NONCLUSTERED INDEX [orders_customer_ix] ON [sales].[orders] ([customer_id], [placed_at] DESC) ' +
      'INCLUDE ([total]) WITH (ONLINE = ON, RESUMABLE = ON, MAX_DURATION = 240 MINUTES)',
    lock: ['IS', 'blocks-ddl'],
    transactional: false,
  },
  {
    action: {
      kind: 'build-index',
      table: T,
      name: 'orders_open_ix',
      columns: ['placed_at'],
      where: 'status = 1',
      unique: true,
      method: 'btree',
      online: true,
    },
    postgres: 'CREATE UNIQUE INDEX CONCURRENTLY orders_open_ix ON sales.orders (placed_at) WHERE status = 1',
    mssql:
      `${ONLINE_EDITION_GUARD};\n` +
      'CREATE UNIQUE NONCLUSTERED INDEX [orders_open_ix] ON [sales].[orders] ([placed_at]) WHERE status = 1 WITH (ONLINE = ON)',
    lock: ['IS', 'blocks-ddl'],
    transactional: false,
  },
  {
    action: {
      kind: 'build-index',
      table: T,
      name: 'orders_day_ix',
      columns: ['day'],
      unique: false,
      method: 'btree',
      online: false,
      storage: { fillfactor: 90 },
    },
    postgres: 'CREATE INDEX orders_day_ix ON sales.orders (day) WITH (fillfactor = 90)',
    mssql: 'CREATE NONCLUSTERED INDEX [orders_day_ix] ON [sales].[orders] ([day]) WITH (FILLFACTOR = 90)',
    lock: ['S', 'blocks-writes'],
    transactional: true,
  },
  {
    action: { kind: 'drop-index', table: T, name: 'orders_customer_ix', online: true },
    postgres: 'DROP INDEX CONCURRENTLY IF EXISTS sales.orders_customer_ix',
    mssql: 'DROP INDEX IF EXISTS [orders_customer_ix] ON [sales].[orders]',
    lock: ['Sch-M', 'blocks-all'],
    transactional: true,
  },
  {
    action: { kind: 'primary-key-guard', table: T, name: 'orders_pk', mustBeNotNull: ['id'] },
    postgres: [
      'DO $schemashift$',
      'DECLARE other_key text; nullable text;',
      'BEGIN',
      "  SELECT conname INTO other_key FROM pg_constraint WHERE conrelid = to_regclass('sales.orders') AND contype = 'p' AND conname <> 'orders_pk';",
      '  IF other_key IS NOT NULL THEN',
      "    RAISE EXCEPTION USING MESSAGE = 'sales.orders already has a primary key: ' || other_key,",
      "      HINT = 'a table has one primary key: drop the old one in an earlier step, or add a unique constraint (add_unique) instead';",
      '  END IF;',
      "  nullable := (SELECT string_agg(attname, ', ') FROM pg_attribute WHERE attrelid = to_regclass('sales.orders') AND attname IN ('id') AND NOT attnotnull AND NOT attisdropped);",
      '  IF nullable IS NOT NULL THEN',
      "    RAISE EXCEPTION USING MESSAGE = 'primary key orders_pk: nullable column(s) of sales.orders: ' || nullable ||",
      "      '; attaching the key would SET NOT NULL with a full scan under ACCESS EXCLUSIVE',",
      "      HINT = 'list them in set_not_null: the plan then makes them NOT NULL without a long lock first';",
      '  END IF;',
      'END',
      '$schemashift$',
    ].join('\n'),
    mssql: [
      "IF EXISTS (SELECT 1 FROM sys.key_constraints WHERE parent_object_id = OBJECT_ID(N'[sales].[orders]') AND type = 'PK' " +
        "AND name <> N'orders_pk') THROW 50000, N'sales.orders already has a primary key; a table has one primary key: " +
        "drop the old one in an earlier step, or add a unique constraint (add_unique) instead', 1;",
      "IF EXISTS (SELECT 1 FROM sys.columns WHERE object_id = OBJECT_ID(N'[sales].[orders]') AND is_nullable = 1 " +
        "AND name IN (N'id')) THROW 50000, N'primary key orders_pk: a column of sales.orders among id is nullable; " +
        "list it in set_not_null so the plan makes it NOT NULL first', 1;",
    ].join('\n'),
    lock: ['none', 'none'],
    transactional: true,
  },
];

const ms = mssqlDdl();
const render = (renderer: Record<string, unknown>, a: Action): Rendered | Unsupported =>
  (renderer[a.kind] as (x: Action) => Rendered | Unsupported)(a);

describe('PostgreSQL and SQL Server side by side', () => {
  it.each(ROWS.map((r) => [r.action.kind, r] as const))('%s', (_kind, row) => {
    const m = render(ms, row.action);
    if (isUnsupported(m)) throw new Error(`unsupported: ${m.unsupported}`);
    expect(m.sql).toBe(row.mssql);
    expect([m.lock.level, m.lock.impact]).toEqual(row.lock);
    expect(m.transactional).toBe(row.transactional);
    expect(m.probe).toMatch(/^SELECT CAST\(CASE WHEN .* THEN 1 ELSE 0 END AS bit\)$/s);
    const p = render(postgresDdl, row.action);
    if (isUnsupported(p)) throw new Error(`unsupported: ${p.unsupported}`);
    expect(p.sql).toBe(row.postgres);
  });
});
