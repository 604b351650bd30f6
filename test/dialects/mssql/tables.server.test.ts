/**
 * SQL Server create_table / drop_table, rename_table, metadata and indexed views on a real SQL Server
 * (skipped, with global-setup's loud line, where none answers): each step's probe says false before
 * and true after, refusals leave nothing changed, and the catalog shows the effect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnsupported, type Action, type Rendered, type Unsupported } from '../../../src/dialects/actions.js';
import type { ViewSwap } from '../../../src/dialects/actions-shadow.js';
import { mssqlDdl } from '../../../src/dialects/mssql/ddl.js';
import { createMssqlDatabase, mssqlAdminUrl, type MssqlTestDatabase } from '../../support/mssql-databases.js';

const renderers = mssqlDdl() as unknown as Record<string, (a: Action) => Rendered | Unsupported>;

function render(action: Action): Rendered {
  const r = renderers[action.kind]!(action);
  if (isUnsupported(r)) throw new Error(`unexpectedly unsupported: ${r.unsupported}`);
  return r;
}

describe.skipIf(!mssqlAdminUrl)('SQL Server tables, metadata and indexed views (real server)', () => {
  let db: MssqlTestDatabase;
  beforeAll(async () => {
    db = await createMssqlDatabase('schemashift_tables');
    await db.conn.exec(`CREATE TABLE dbo.customers (id int NOT NULL PRIMARY KEY, name nvarchar(100) NOT NULL);
      INSERT INTO dbo.customers (id, name) VALUES (1, N'Ada'), (2, N'Grace');
      CREATE USER schemashift_reader WITHOUT LOGIN`);
  });
  afterAll(() => db?.close());

  async function value<T>(sql: string): Promise<T> {
    const row = (await db.conn.query<Record<string, unknown>>(sql)).rows[0];
    return Object.values(row ?? {})[0] as T;
  }

  async function probe(r: Rendered): Promise<boolean> {
    if (!r.probe) throw new Error('no probe');
    return Boolean(await value(r.probe));
  }

  async function apply(action: Action): Promise<Rendered> {
    const r = render(action);
    if (r.probe) expect(await probe(r)).toBe(false);
    await db.conn.exec(r.sql);
    if (r.probe) expect(await probe(r)).toBe(true);
    return r;
  }

  const comment = (table: string, column?: string) =>
    value<string | null>(
      `SELECT CAST(value AS nvarchar(max)) FROM sys.extended_properties WHERE class = 1 AND name = N'MS_Description' ` +
        `AND major_id = OBJECT_ID(N'${table}') AND minor_id = ${column === undefined ? 0 : `COLUMNPROPERTY(OBJECT_ID(N'${table}'), N'${column}', 'ColumnId')`}`,
    );

  const createOrders: Action = {
    kind: 'create-table',
    name: 'dbo.orders',
    columns: [
      { name: 'id', type: 'int', notNull: true, identity: { always: true, start: 10, increment: 1 } },
      { name: 'customer_id', type: 'int', notNull: true },
      { name: 'status', type: 'nvarchar(20)', notNull: true, default: "N'new'", comment: "the order's state" },
      { name: 'qty', type: 'int', notNull: true, default: '1' },
      { name: 'twice', type: 'bigint', notNull: true, generated: 'qty * 2' },
    ],
    constraints: [
      { type: 'primary key', name: 'orders_pk', columns: ['id'] },
      { type: 'check', name: 'orders_qty_ck', expression: 'qty > 0' },
      {
        type: 'foreign key',
        name: 'orders_customer_fk',
        columns: ['customer_id'],
        references: { table: 'dbo.customers' },
      },
    ],
    comment: 'Orders',
  };

  it('creates a table with IDENTITY, named defaults, a computed column, constraints and comments', async () => {
    await apply(createOrders);
    await db.conn.exec(
      `INSERT INTO dbo.orders (customer_id) VALUES (1); INSERT INTO dbo.orders (customer_id, qty) VALUES (2, 3)`,
    );
    const { rows } = await db.conn.query<{ id: number; status: string; twice: number }>(
      'SELECT id, status, twice FROM dbo.orders ORDER BY id',
    );
    expect(rows).toEqual([
      { id: 10, status: 'new', twice: 2 },
      { id: 11, status: 'new', twice: 6 },
    ]);
    expect(
      await value(
        "SELECT name FROM sys.default_constraints WHERE parent_object_id = OBJECT_ID(N'dbo.orders') AND name = N'DF_orders_status'",
      ),
    ).toBe('DF_orders_status');
    expect(await comment('dbo.orders')).toBe('Orders');
    expect(await comment('dbo.orders', 'status')).toBe("the order's state");
    await expect(db.conn.exec('INSERT INTO dbo.orders (customer_id) VALUES (99)')).rejects.toThrow(/FOREIGN KEY/);
  });

  it('refuses to create over a table it did not create', async () => {
    await expect(db.conn.exec(render(createOrders).sql)).rejects.toThrow(
      /already exists and this step did not create it/,
    );
  });

  it('sets a default over the live one after the drift guard, and refuses drift leaving it unchanged', async () => {
    const drifted = render({
      kind: 'set-column-default',
      table: 'dbo.orders',
      column: 'status',
      default: "N'open'",
      replaces: { value: "N'pending'", targetOk: false },
    });
    await expect(db.conn.exec(drifted.sql)).rejects.toThrow(/changed since the plan was written/);
    expect(await value("SELECT definition FROM sys.default_constraints WHERE name = N'DF_orders_status'")).toBe(
      "(N'new')",
    );
    await apply({
      kind: 'set-column-default',
      table: 'dbo.orders',
      column: 'status',
      default: "N'open'",
      replaces: { value: "N'new'", targetOk: false },
    });
    await db.conn.exec('INSERT INTO dbo.orders (customer_id) VALUES (1)');
    expect(await value('SELECT TOP (1) status FROM dbo.orders ORDER BY id DESC')).toBe('open');
    // The undo after a killed rollback already put the value back: its own target passes.
    const undo: Action = {
      kind: 'set-column-default',
      table: 'dbo.orders',
      column: 'qty',
      default: null,
      replaces: { value: '1', targetOk: true },
    };
    await apply(undo);
    await db.conn.exec(render(undo).sql);
  });

  it('adds, updates and drops MS_Description comments with their drift guard', async () => {
    await apply({ kind: 'set-comment', table: 'dbo.orders', column: 'qty', comment: 'how many' });
    expect(await comment('dbo.orders', 'qty')).toBe('how many');
    await expect(
      db.conn.exec(
        render({
          kind: 'set-comment',
          table: 'dbo.orders',
          comment: 'x',
          replaces: { value: 'Other', targetOk: false },
        }).sql,
      ),
    ).rejects.toThrow(/changed since the plan was written/);
    await apply({
      kind: 'set-comment',
      table: 'dbo.orders',
      comment: 'All orders',
      replaces: { value: 'Orders', targetOk: false },
    });
    expect(await comment('dbo.orders')).toBe('All orders');
    await apply({ kind: 'set-comment', table: 'dbo.orders', column: 'qty', comment: null });
    expect(await comment('dbo.orders', 'qty')).toBe(null);
    // No comment where the plan expects one is drift too (the guard never reads NULL = 'was' as a pass).
    const missing = render({
      kind: 'set-comment',
      table: 'dbo.orders',
      column: 'qty',
      comment: 'new',
      replaces: { value: 'was', targetOk: false },
    });
    await expect(db.conn.exec(missing.sql)).rejects.toThrow(/changed since the plan was written/);
    expect(await comment('dbo.orders', 'qty')).toBe(null);
  });

  it('renames a constraint (and a primary key with its index)', async () => {
    await apply({ kind: 'rename-constraint', table: 'dbo.orders', from: 'orders_qty_ck', to: 'orders_qty_positive' });
    await apply({ kind: 'rename-constraint', table: 'dbo.orders', from: 'orders_pk', to: 'orders_key' });
    expect(
      await value("SELECT name FROM sys.indexes WHERE object_id = OBJECT_ID(N'dbo.orders') AND is_primary_key = 1"),
    ).toBe('orders_key');
    await expect(
      db.conn.exec(render({ kind: 'rename-constraint', table: 'dbo.orders', from: 'nope', to: 'x' }).sql),
    ).rejects.toThrow(/has no constraint nope/);
  });

  it('renames a table behind an updatable view that keeps its grants, then contracts', async () => {
    await db.conn.exec('GRANT SELECT, INSERT ON dbo.orders TO schemashift_reader');
    await apply({ kind: 'rename-table-behind-view', table: 'dbo.orders', to: 'purchases' });
    await db.conn.exec(`INSERT INTO dbo.orders (customer_id, qty) VALUES (2, 5);
      UPDATE dbo.orders SET status = N'paid' WHERE qty = 5; DELETE FROM dbo.orders WHERE id = 10`);
    expect(await value("SELECT COUNT(*) FROM dbo.purchases WHERE status = N'paid' AND twice = 10")).toBe(1);
    expect(await value('SELECT COUNT(*) FROM dbo.purchases WHERE id = 10')).toBe(0);
    const { rows } = await db.conn.query<{ p: string }>(
      "SELECT permission_name AS p FROM sys.database_permissions WHERE major_id = OBJECT_ID(N'dbo.orders') " +
        "AND grantee_principal_id = USER_ID(N'schemashift_reader') ORDER BY permission_name",
    );
    expect(rows).toEqual([{ p: 'INSERT' }, { p: 'SELECT' }]);

    // A view someone built on the old name blocks the contract drop, naming it.
    await db.conn.exec("EXEC (N'CREATE VIEW dbo.order_ids AS SELECT id FROM dbo.orders')");
    const drop = render({ kind: 'drop-old-name-view', table: 'dbo.orders', to: 'purchases' });
    await expect(db.conn.exec(drop.sql)).rejects.toThrow(/view \[dbo\]\.\[order_ids\]/);
    await db.conn.exec('DROP VIEW dbo.order_ids');
    await apply({ kind: 'drop-old-name-view', table: 'dbo.orders', to: 'purchases' });
    expect(await value("SELECT OBJECT_ID(N'dbo.orders')")).toBe(null);
  });

  it('renames back only over its own view', async () => {
    await apply({ kind: 'rename-table-behind-view', table: 'dbo.purchases', to: 'orders' });
    await apply({ kind: 'rename-table-back', table: 'dbo.purchases', to: 'orders' });
    expect(await value("SELECT OBJECTPROPERTY(OBJECT_ID(N'dbo.purchases'), 'IsUserTable')")).toBe(1);
    // A view the plan did not make at the old name is never dropped.
    await db.conn.exec(`EXEC sys.sp_rename N'dbo.purchases', N'orders2', N'OBJECT';
      EXEC (N'CREATE VIEW dbo.purchases AS SELECT * FROM dbo.orders2')`);
    const back = render({ kind: 'rename-table-back', table: 'dbo.purchases', to: 'orders2' });
    await expect(db.conn.exec(back.sql)).rejects.toThrow(/is no longer the view rename_table left/);
    expect(await value("SELECT OBJECTPROPERTY(OBJECT_ID(N'dbo.purchases'), 'IsView')")).toBe(1);
    await db.conn.exec(`DROP VIEW dbo.purchases; EXEC sys.sp_rename N'dbo.orders2', N'purchases', N'OBJECT'`);
  });

  it('drops a table only when nothing else depends on it', async () => {
    await apply({
      kind: 'create-table',
      name: 'dbo.lines',
      columns: [
        { name: 'id', type: 'int', notNull: true },
        { name: 'order_id', type: 'int', notNull: true },
      ],
      constraints: [
        { type: 'primary key', name: 'lines_pk', columns: ['id'] },
        { type: 'foreign key', name: 'lines_order_fk', columns: ['order_id'], references: { table: 'dbo.purchases' } },
      ],
    });
    const dropPurchases = render({ kind: 'drop-table', name: 'dbo.purchases' });
    await expect(db.conn.exec(dropPurchases.sql)).rejects.toThrow(
      /foreign key \[lines_order_fk\] on \[dbo\]\.\[lines\]/,
    );
    await apply({ kind: 'drop-table', name: 'dbo.lines' });
    await apply({ kind: 'drop-table', name: 'dbo.purchases' });
  });

  const totals = (name: string): Action => ({
    kind: 'create-materialized-view',
    name,
    query: 'SELECT c.id, c.name, COUNT_BIG(*) AS n FROM dbo.customers AS c GROUP BY c.id, c.name',
    withData: true,
  });

  it('creates an indexed view: the unique clustered index first, maintained on every write', async () => {
    await apply(totals('dbo.totals'));
    const early = render({
      kind: 'create-view-index',
      view: 'dbo.totals',
      name: 'totals_name_ix',
      columns: ['name'],
      unique: false,
    });
    await expect(db.conn.exec(early.sql)).rejects.toThrow(/must be UNIQUE CLUSTERED/);
    await apply({ kind: 'create-view-index', view: 'dbo.totals', name: 'totals_pk', columns: ['id'], unique: true });
    await apply({
      kind: 'create-view-index',
      view: 'dbo.totals',
      name: 'totals_name_ix',
      columns: ['name'],
      unique: false,
    });
    expect(
      await value(
        "SELECT type_desc FROM sys.indexes WHERE object_id = OBJECT_ID(N'dbo.totals') AND name = N'totals_pk'",
      ),
    ).toBe('CLUSTERED');
    await db.conn.exec("INSERT INTO dbo.customers (id, name) VALUES (3, N'Edsger')");
    expect(await value('SELECT COUNT(*) FROM dbo.totals WITH (NOEXPAND)')).toBe(3);
    expect(
      renderers['refresh-materialized-view']!({
        kind: 'refresh-materialized-view',
        name: 'dbo.totals',
        concurrently: false,
      }),
    ).toHaveProperty('unsupported');
  });

  it('swaps a rebuilt indexed view in and back by sp_rename, then drops the parked one', async () => {
    await apply(totals('dbo.totals_new'));
    await apply({
      kind: 'create-view-index',
      view: 'dbo.totals_new',
      name: 'totals_pk_new',
      columns: ['id'],
      unique: true,
    });
    const swap: ViewSwap = {
      view: 'dbo.totals',
      building: 'dbo.totals_new',
      retired: 'dbo.totals_old',
      indexes: [{ final: 'totals_pk', building: 'totals_pk_new', retired: 'totals_pk_old' }],
    };
    await apply({ kind: 'swap-materialized-view', ...swap });
    const indexOf = (view: string) =>
      value<string>(`SELECT name FROM sys.indexes WHERE object_id = OBJECT_ID(N'${view}') AND type = 1`);
    expect(await indexOf('dbo.totals')).toBe('totals_pk');
    expect(await indexOf('dbo.totals_old')).toBe('totals_pk_old');
    await apply({ kind: 'swap-back-materialized-view', ...swap });
    expect(await indexOf('dbo.totals_new')).toBe('totals_pk_new');
    expect(
      await value(
        "SELECT COUNT(*) FROM sys.indexes WHERE object_id = OBJECT_ID(N'dbo.totals') AND name = N'totals_name_ix'",
      ),
    ).toBe(1);
    await apply({ kind: 'swap-materialized-view', ...swap });
    await apply({ kind: 'drop-materialized-view', name: 'dbo.totals_old' });
    await apply({ kind: 'drop-materialized-view', name: 'dbo.totals' });
  });
});
