/**
 * SQL Server's shadow-column renderers on a real SQL Server (skipped, with global-setup's loud line,
 * where none answers): a sync trigger installed on a table with rows keeps both columns in step for
 * writers of either version (one row or many per statement, recursive triggers on; a multi-row
 * UPDATE of a composite key judged by the columns it named, never pairing a row with its
 * neighbour's old image), the NOT NULL recipe keeps the exact type and drops only its own helper
 * CHECK, the carried attachments land, and the swap is one idempotent transaction that refuses, by
 * name, a column something else depends on or a carried copy that is missing, before dropping anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnsupported, type Action, type Rendered, type Unsupported } from '../../../src/dialects/actions.js';
import type { SyncSpec } from '../../../src/dialects/actions-shadow.js';
import { mssqlDdl } from '../../../src/dialects/mssql/ddl.js';
import { createMssqlDatabase, mssqlAdminUrl, type MssqlTestDatabase } from '../../support/mssql-databases.js';

function render(action: Action): Rendered {
  const renderers = mssqlDdl() as unknown as Record<string, (a: Action) => Rendered | Unsupported>;
  const r = renderers[action.kind]!(action);
  if (isUnsupported(r)) throw new Error(`unexpectedly unsupported: ${r.unsupported}`);
  return r;
}

const sync: SyncSpec = {
  table: 'dbo.orders',
  from: 'total',
  to: 'total_cents',
  forward: 'CAST(total * 100 AS bigint)',
  reverse: 'total_cents / 100.0',
};
const TRIGGER = 'schemashift_sync_orders_total_cents';
const FUNCTION = `dbo.${TRIGGER}`;

describe.skipIf(!mssqlAdminUrl)('SQL Server shadow columns (real server)', () => {
  let db: MssqlTestDatabase;
  beforeAll(async () => {
    db = await createMssqlDatabase('schemashift_shadow');
    await db.conn.exec(`ALTER DATABASE CURRENT SET RECURSIVE_TRIGGERS ON;
      CREATE TABLE dbo.orders (id int PRIMARY KEY, total decimal(10,2) NULL, note nvarchar(50) NULL);
      INSERT INTO dbo.orders (id, total) VALUES (1, 1.00), (2, 2.50);
      CREATE INDEX orders_total_ix ON dbo.orders (total);
      CREATE TABLE dbo.people (id int PRIMARY KEY, email nvarchar(40) COLLATE Latin1_General_CS_AS NULL, old_email nvarchar(40) NULL);
      INSERT INTO dbo.people (id, email, old_email) VALUES (1, N'a@x', N'a@x'), (2, NULL, N'b@x');`);
  });
  afterAll(() => db?.close());

  async function probe(r: Rendered): Promise<boolean> {
    if (!r.probe) throw new Error('no probe');
    const row = (await db.conn.query<Record<string, unknown>>(r.probe)).rows[0];
    return Boolean(Object.values(row ?? {})[0]);
  }

  /** As the runner runs a step: probe, then the SQL (in a transaction when transactional), then probe. */
  async function apply(action: Action): Promise<Rendered> {
    const r = render(action);
    if (r.probe) expect(await probe(r)).toBe(false);
    await db.conn.exec(r.transactional ? `BEGIN TRANSACTION;\n${r.sql}\nCOMMIT;` : r.sql);
    if (r.probe) expect(await probe(r)).toBe(true);
    return r;
  }

  async function orders(): Promise<{ id: number; cents: number | null; total: number | null }[]> {
    const { rows } = await db.conn.query<{ id: number; cents: number | null; total: number | null }>(
      'SELECT id, CAST(total_cents AS int) AS cents, CAST(total * 100 AS int) AS total FROM dbo.orders ORDER BY id',
    );
    return rows;
  }

  it('refuses a table without a primary key, naming it', async () => {
    await db.conn.exec('CREATE TABLE dbo.heap (a int NULL, b int NULL)');
    const r = render({
      kind: 'install-sync-function',
      sync: { table: 'dbo.heap', from: 'a', to: 'b' },
      function: 'dbo.heap_sync',
    });
    await expect(db.conn.exec(r.sql)).rejects.toThrow(/dbo\.heap has no primary key/);
  });

  it('installs the trigger disabled, then enables it; rows written before are left to the backfill', async () => {
    await apply({ kind: 'add-column', table: 'dbo.orders', column: 'total_cents', type: 'bigint', notNull: false });
    await apply({ kind: 'install-sync-function', sync, function: FUNCTION });
    const state = async () =>
      (
        await db.conn.query<{ disabled: boolean }>(
          `SELECT is_disabled AS disabled FROM sys.triggers WHERE object_id = OBJECT_ID(N'${FUNCTION}', N'TR')`,
        )
      ).rows[0]?.disabled;
    expect(await state()).toBe(true);
    await apply({ kind: 'install-sync-trigger', table: 'dbo.orders', trigger: TRIGGER, function: FUNCTION });
    expect(await state()).toBe(false);
    expect(await orders()).toEqual([
      { id: 1, cents: null, total: 100 },
      { id: 2, cents: null, total: 250 },
    ]);
  });

  it('the backfill writes `to` as `up` gives it: `from` is left alone', async () => {
    await db.conn.exec('UPDATE dbo.orders SET total_cents = CAST(total * 100 AS bigint) WHERE total_cents IS NULL');
    expect(await orders()).toEqual([
      { id: 1, cents: 100, total: 100 },
      { id: 2, cents: 250, total: 250 },
    ]);
  });

  it('old writers (total only) fill total_cents, one row or many per statement', async () => {
    await db.conn.exec('INSERT INTO dbo.orders (id, total) VALUES (3, 1.50), (4, 0.10)');
    await db.conn.exec('UPDATE dbo.orders SET total = 2.00 WHERE id = 1');
    expect(await orders()).toEqual([
      { id: 1, cents: 200, total: 200 },
      { id: 2, cents: 250, total: 250 },
      { id: 3, cents: 150, total: 150 },
      { id: 4, cents: 10, total: 10 },
    ]);
    await db.conn.exec('UPDATE dbo.orders SET total = total + 1');
    expect((await orders()).map((r) => r.cents)).toEqual([300, 350, 250, 110]);
  });

  it('new writers (total_cents only) fill total; a write of another column changes neither', async () => {
    await db.conn.exec('INSERT INTO dbo.orders (id, total_cents) VALUES (5, 990)');
    await db.conn.exec('UPDATE dbo.orders SET total_cents = 420 WHERE id = 2');
    await db.conn.exec("UPDATE dbo.orders SET note = N'seen'");
    expect((await orders()).filter((r) => r.id === 2 || r.id === 5)).toEqual([
      { id: 2, cents: 420, total: 420 },
      { id: 5, cents: 990, total: 990 },
    ]);
  });

  it('an old writer changing the primary key of one row: still paired with its old image, total_cents follows', async () => {
    await db.conn.exec('UPDATE dbo.orders SET id = 7, total = 0.70 WHERE id = 4');
    expect((await orders()).find((r) => r.id === 7)).toEqual({ id: 7, cents: 70, total: 70 });
  });

  describe('a composite primary key an UPDATE shifts (list_id, pos)', () => {
    async function installOn(spec: SyncSpec, name: string): Promise<void> {
      await apply({ kind: 'install-sync-function', sync: spec, function: `dbo.${name}` });
      await apply({ kind: 'install-sync-trigger', table: spec.table, trigger: name, function: `dbo.${name}` });
    }
    async function items(list: number): Promise<{ pos: number; label: string | null }[]> {
      const { rows } = await db.conn.query<{ pos: number; label: string | null }>(
        `SELECT pos, label FROM dbo.items WHERE list_id = ${list} ORDER BY pos`,
      );
      return rows;
    }

    it('add_column `up`: a multi-row shift never gives a row its neighbour`s value, and fills only NULL', async () => {
      await db.conn.exec(`CREATE TABLE dbo.items (list_id int NOT NULL, pos int NOT NULL, name nvarchar(20) NOT NULL,
        label nvarchar(40) NULL, CONSTRAINT items_pk PRIMARY KEY (list_id, pos))`);
      await installOn({ table: 'dbo.items', to: 'label', forward: "CONCAT(name, N'#', pos)" }, 'items_label_sync');
      await db.conn.exec("INSERT INTO dbo.items (list_id, pos, name) VALUES (1, 1, N'a'), (1, 2, N'b'), (1, 3, N'c')");
      await db.conn.exec("UPDATE dbo.items SET label = N'custom' WHERE list_id = 1 AND pos = 2"); // the new version
      await db.conn.exec('UPDATE dbo.items SET pos = pos + 1 WHERE list_id = 1'); // the old version
      // Paired by key, new (1, 3) would have met old (1, 3) = c, whose label was up(c), and lost `custom`.
      expect(await items(1)).toEqual([
        { pos: 2, label: 'a#1' },
        { pos: 3, label: 'custom' },
        { pos: 4, label: 'c#3' },
      ]);
      await db.conn.exec("INSERT INTO dbo.items (list_id, pos, name) VALUES (2, 1, N'x'), (2, 2, N'y')");
      await db.conn.exec('UPDATE dbo.items SET label = NULL WHERE list_id = 2 AND pos = 1');
      await db.conn.exec('UPDATE dbo.items SET pos = pos + 10 WHERE list_id = 2');
      expect(await items(2)).toEqual([
        { pos: 11, label: 'x#11' },
        { pos: 12, label: 'y#2' },
      ]);
    });

    it('a one-row UPDATE of the key is still paired with its old image: `to` follows up(row)', async () => {
      await db.conn.exec("INSERT INTO dbo.items (list_id, pos, name) VALUES (3, 1, N'p')");
      await db.conn.exec('UPDATE dbo.items SET pos = 5 WHERE list_id = 3 AND pos = 1');
      expect(await items(3)).toEqual([{ pos: 5, label: 'p#5' }]);
    });

    it('both ways: the side a multi-row shift named is kept and the other follows it', async () => {
      await db.conn
        .exec(`CREATE TABLE dbo.lines (list_id int NOT NULL, pos int NOT NULL, qty int NULL, qty_x10 int NULL,
        CONSTRAINT lines_pk PRIMARY KEY (list_id, pos));
        INSERT INTO dbo.lines (list_id, pos, qty) VALUES (1, 1, 1), (1, 2, 2), (1, 3, 3);`);
      const spec: SyncSpec = {
        table: 'dbo.lines',
        from: 'qty',
        to: 'qty_x10',
        forward: 'qty * 10',
        reverse: 'qty_x10 / 10',
      };
      await installOn(spec, 'lines_qty_sync');
      await db.conn.exec('UPDATE dbo.lines SET qty_x10 = qty * 10'); // the backfill
      const lines = async () =>
        (
          await db.conn.query<{ pos: number; qty: number; x10: number }>(
            'SELECT pos, qty, qty_x10 AS x10 FROM dbo.lines ORDER BY pos',
          )
        ).rows;
      await db.conn.exec('UPDATE dbo.lines SET pos = pos + 1, qty = qty + 100'); // old version: from named
      expect(await lines()).toEqual([
        { pos: 2, qty: 101, x10: 1010 },
        { pos: 3, qty: 102, x10: 1020 },
        { pos: 4, qty: 103, x10: 1030 },
      ]);
      await db.conn.exec('UPDATE dbo.lines SET pos = pos + 1, qty_x10 = qty_x10 + 10'); // new version: to named
      expect(await lines()).toEqual([
        { pos: 3, qty: 102, x10: 1020 },
        { pos: 4, qty: 103, x10: 1030 },
        { pos: 5, qty: 104, x10: 1040 },
      ]);
      await db.conn.exec('UPDATE dbo.lines SET pos = pos + 1'); // names neither side: both kept
      expect((await lines()).map((l) => [l.qty, l.x10])).toEqual([
        [102, 1020],
        [103, 1030],
        [104, 1040],
      ]);
    });
  });

  it('NOT NULL on the column the trigger fills for old writers is refused (checked before AFTER triggers)', async () => {
    const r = render({ kind: 'add-not-null-check', table: 'dbo.orders', column: 'total_cents', check: 'cents_nn' });
    await expect(db.conn.exec(r.sql)).rejects.toThrow(/filled by an enabled sync trigger/);
  });

  it('the swap refuses, by name, a column a schema-bound view reads', async () => {
    await db.conn.exec(`CREATE VIEW dbo.people_emails WITH SCHEMABINDING AS SELECT id, old_email FROM dbo.people`);
    const carry = { indexes: [], constraints: [], alsoLocks: [] };
    const r = render({
      kind: 'drop-old-column',
      table: 'dbo.people',
      trigger: 'none',
      old: 'old_email',
      final: 'email',
      carry,
    });
    await expect(db.conn.exec(r.sql)).rejects.toThrow(/dbo\.people_emails depends on it/);
    await db.conn.exec('DROP VIEW dbo.people_emails');
    await apply({
      kind: 'drop-old-column',
      table: 'dbo.people',
      trigger: 'none',
      old: 'old_email',
      final: 'email',
      carry,
    });
  });

  it('swap-in-column: the trigger and old column go, the replacement takes the name and the carried index', async () => {
    await db.conn.exec('CREATE INDEX orders_total_ix_new ON dbo.orders (total_cents)');
    const action: Action = {
      kind: 'swap-in-column',
      table: 'dbo.orders',
      trigger: TRIGGER,
      old: 'total',
      replacement: 'total_cents',
      type: 'bigint',
      carry: {
        indexes: [{ name: 'orders_total_ix', building: 'orders_total_ix_new' }],
        constraints: [],
        default: '0',
        alsoLocks: [],
      },
    };
    const r = await apply(action);
    await db.conn.exec(`BEGIN TRANSACTION;\n${r.sql}\nCOMMIT;`); // a resumed run finds it done
    const { rows } = await db.conn.query<{ type: string; ix: number; tr: number; df: number }>(
      `SELECT TYPE_NAME(c.system_type_id) AS type,
        (SELECT count(*) FROM sys.index_columns AS ic JOIN sys.indexes AS x ON x.object_id = ic.object_id AND x.index_id = ic.index_id
          WHERE x.object_id = c.object_id AND ic.column_id = c.column_id AND x.name = N'orders_total_ix') AS ix,
        (SELECT count(*) FROM sys.triggers WHERE parent_id = c.object_id) AS tr,
        (SELECT count(*) FROM sys.default_constraints WHERE parent_object_id = c.object_id AND parent_column_id = c.column_id) AS df
       FROM sys.columns AS c WHERE c.object_id = OBJECT_ID(N'dbo.orders') AND c.name = N'total'`,
    );
    expect(rows).toEqual([{ type: 'bigint', ix: 1, tr: 0, df: 1 }]);
    const { rows: values } = await db.conn.query<{ total: number }>(
      'SELECT CAST(total AS int) AS total FROM dbo.orders ORDER BY id',
    );
    expect(values.map((v) => v.total)).toEqual([300, 420, 250, 990, 70]);
  });

  it('NOT NULL recipe keeps the exact type and collation; drop-not-null undoes it', async () => {
    await db.conn.exec("UPDATE dbo.people SET email = N'b@x' WHERE email IS NULL");
    const t = { table: 'dbo.people', column: 'email' };
    await apply({ kind: 'add-not-null-check', ...t, check: 'email_nn' });
    // No scan to validate: the enabled helper CHECK is all it confirms, so it is done already (and a no-op).
    const validate = render({ kind: 'validate-not-null-check', ...t, check: 'email_nn' });
    expect(await probe(validate)).toBe(true);
    await db.conn.exec(validate.sql);
    await apply({ kind: 'set-not-null', ...t, check: 'email_nn' });
    // set-not-null dropped the helper CHECK (ALTER COLUMN refuses a column a CHECK reads): already done.
    const dropCheck = render({ kind: 'drop-not-null-check', table: t.table, check: 'email_nn' });
    expect(await probe(dropCheck)).toBe(true);
    await db.conn.exec(dropCheck.sql);
    const column = async () =>
      (
        await db.conn.query<{ nullable: boolean; len: number; collation: string }>(
          `SELECT is_nullable AS nullable, max_length AS len, collation_name AS collation FROM sys.columns
           WHERE object_id = OBJECT_ID(N'dbo.people') AND name = N'email'`,
        )
      ).rows[0];
    expect(await column()).toEqual({ nullable: false, len: 80, collation: 'Latin1_General_CS_AS' });
    await apply({ kind: 'drop-not-null', ...t });
    expect(await column()).toEqual({ nullable: true, len: 80, collation: 'Latin1_General_CS_AS' });
  });

  it('validate-not-null-check refuses, by name, a helper CHECK that is missing', async () => {
    await db.conn.exec('CREATE TABLE dbo.tags (id int PRIMARY KEY, label nvarchar(20) NULL)');
    const r = render({ kind: 'validate-not-null-check', table: 'dbo.tags', column: 'label', check: 'label_nn' });
    expect(await probe(r)).toBe(false);
    await expect(db.conn.exec(r.sql)).rejects.toThrow(/the helper CHECK label_nn is missing or disabled/);
  });

  it("set-not-null drops only the plan's helper CHECK; another CHECK reading the column is refused by name and kept", async () => {
    await db.conn
      .exec(`CREATE TABLE dbo.members (id int PRIMARY KEY, email nvarchar(40) NULL, CONSTRAINT CK_members_email_nn CHECK (email IS NOT NULL),
      CONSTRAINT CK_members_email_or_id CHECK (email <> N'' OR id < 0));
      INSERT INTO dbo.members (id, email) VALUES (1, N'a@x');`);
    const t = { table: 'dbo.members', column: 'email', check: 'members_email_nn' };
    await apply({ kind: 'add-not-null-check', ...t });
    const set = render({ kind: 'set-not-null', ...t });
    await expect(db.conn.exec(`BEGIN TRANSACTION;\n${set.sql}\nCOMMIT;`)).rejects.toThrow(
      /CHECK constraint\(s\) (CK_members_email_nn, CK_members_email_or_id|CK_members_email_or_id, CK_members_email_nn) read it/,
    );
    await db.conn.exec('IF @@TRANCOUNT > 0 ROLLBACK');
    const checks = async () =>
      (
        await db.conn.query<{ name: string }>(
          "SELECT name FROM sys.check_constraints WHERE parent_object_id = OBJECT_ID(N'dbo.members') ORDER BY name",
        )
      ).rows.map((r) => r.name);
    expect(await checks()).toEqual(['CK_members_email_nn', 'CK_members_email_or_id', 'members_email_nn']);
    // The way out the message names: drop them around the step, add them again after.
    await db.conn.exec(
      'ALTER TABLE dbo.members DROP CONSTRAINT CK_members_email_nn; ALTER TABLE dbo.members DROP CONSTRAINT CK_members_email_or_id;',
    );
    await apply({ kind: 'set-not-null', ...t });
    await db.conn.exec("ALTER TABLE dbo.members ADD CONSTRAINT CK_members_email_or_id CHECK (email <> N'' OR id < 0)");
    expect(await checks()).toEqual(['CK_members_email_or_id']);
  });

  it('the swap refuses, before dropping anything, a carried copy that is missing or disabled', async () => {
    await db.conn.exec(`CREATE TABLE dbo.items (id int PRIMARY KEY, code int NULL, code_new bigint NULL);
      INSERT INTO dbo.items (id, code, code_new) VALUES (1, 10, 10), (2, 20, 20);
      CREATE UNIQUE INDEX items_code_ux ON dbo.items (code);`);
    const action: Action = {
      kind: 'swap-in-column',
      table: 'dbo.items',
      trigger: 'none',
      old: 'code',
      replacement: 'code_new',
      type: 'bigint',
      carry: { indexes: [{ name: 'items_code_ux', building: 'items_code_ux_new' }], constraints: [], alsoLocks: [] },
    };
    const r = render(action);
    const state = async () =>
      (
        await db.conn.query<{ type: string; replacement: number; ux: number }>(
          `SELECT TYPE_NAME(c.system_type_id) AS type, COL_LENGTH(N'dbo.items', N'code_new') AS replacement,
            (SELECT count(*) FROM sys.indexes WHERE object_id = c.object_id AND name = N'items_code_ux' AND is_unique = 1) AS ux
           FROM sys.columns AS c WHERE c.object_id = OBJECT_ID(N'dbo.items') AND c.name = N'code'`,
        )
      ).rows[0];
    const before = { type: 'int', replacement: 8, ux: 1 };
    await expect(db.conn.exec(`BEGIN TRANSACTION;\n${r.sql}\nCOMMIT;`)).rejects.toThrow(
      /dbo\.items\.code was not dropped: index items_code_ux_new \(the copy of items_code_ux\) is missing/,
    );
    await db.conn.exec('IF @@TRANCOUNT > 0 ROLLBACK');
    expect(await state()).toEqual(before);
    await db.conn.exec(
      'CREATE UNIQUE INDEX items_code_ux_new ON dbo.items (code_new); ALTER INDEX items_code_ux_new ON dbo.items DISABLE;',
    );
    await expect(db.conn.exec(`BEGIN TRANSACTION;\n${r.sql}\nCOMMIT;`)).rejects.toThrow(/is missing, disabled/);
    await db.conn.exec('IF @@TRANCOUNT > 0 ROLLBACK');
    expect(await state()).toEqual(before);
    await db.conn.exec('ALTER INDEX items_code_ux_new ON dbo.items REBUILD');
    await apply(action);
    expect(await state()).toEqual({ type: 'bigint', replacement: null, ux: 1 });
    await db.conn.exec(`BEGIN TRANSACTION;\n${r.sql}\nCOMMIT;`); // a re-run after the swap: final names in place
    expect(await state()).toEqual({ type: 'bigint', replacement: null, ux: 1 });
  });

  it('swap-in-column is not done where the replacement never existed or the type differs', async () => {
    await db.conn.exec('CREATE TABLE dbo.stock (id int PRIMARY KEY, qty int NULL, label nvarchar(20) NULL)');
    const swap = (old: string, type: string) =>
      render({
        kind: 'swap-in-column',
        table: 'dbo.stock',
        trigger: 'none',
        old,
        replacement: `${old}_new`,
        type,
        carry: { indexes: [], constraints: [], alsoLocks: [] },
      });
    expect(await probe(swap('qty', 'bigint'))).toBe(false);
    expect(await probe(swap('qty', 'int'))).toBe(true);
    expect(await probe(swap('label', 'nvarchar(40)'))).toBe(false);
    expect(await probe(swap('label', 'nvarchar(20)'))).toBe(true);
  });

  it('carries a comment (added, then updated), a column grant and a collation', async () => {
    const comment = (text: string): Action => ({
      kind: 'set-column-comment',
      table: 'dbo.people',
      column: 'email',
      comment: text,
    });
    await db.conn.exec(render(comment("first\nGO\nit's")).sql);
    await db.conn.exec(render(comment('second')).sql);
    const { rows } = await db.conn.query<{ value: string }>(
      `SELECT CAST(value AS nvarchar(400)) AS value FROM sys.extended_properties
       WHERE major_id = OBJECT_ID(N'dbo.people') AND minor_id = COLUMNPROPERTY(OBJECT_ID(N'dbo.people'), N'email', 'ColumnId')
       AND name = N'MS_Description'`,
    );
    expect(rows).toEqual([{ value: 'second' }]);

    await db.conn.exec("CREATE ROLE [read'ers]");
    await db.conn.exec(
      render({
        kind: 'grant-column-privileges',
        table: 'dbo.people',
        column: 'email',
        privileges: ['SELECT'],
        grantee: { role: "read'ers" },
      }).sql,
    );
    const { rows: grants } = await db.conn.query<{ n: number }>(
      `SELECT count(*) AS n FROM sys.database_permissions WHERE grantee_principal_id = DATABASE_PRINCIPAL_ID(N'read''ers')
       AND major_id = OBJECT_ID(N'dbo.people') AND minor_id = COLUMNPROPERTY(OBJECT_ID(N'dbo.people'), N'email', 'ColumnId')
       AND permission_name = N'SELECT' AND state = 'G'`,
    );
    expect(grants).toEqual([{ n: 1 }]);

    await db.conn.exec(
      render({
        kind: 'set-column-collation',
        table: 'dbo.people',
        column: 'email',
        type: 'nvarchar(40)',
        collation: 'Latin1_General_CI_AS',
      }).sql,
    );
    const { rows: collation } = await db.conn.query<{ c: string }>(
      "SELECT collation_name AS c FROM sys.columns WHERE object_id = OBJECT_ID(N'dbo.people') AND name = N'email'",
    );
    expect(collation).toEqual([{ c: 'Latin1_General_CI_AS' }]);
  });

  it('drop_column `down`: a trigger filling a column from the row, dropped with the column', async () => {
    await db.conn.exec('ALTER TABLE dbo.orders ADD legacy int NULL');
    const spec: SyncSpec = { table: 'dbo.orders', to: 'legacy', forward: 'CAST(total AS int) * 2' };
    await apply({ kind: 'install-sync-function', sync: spec, function: 'dbo.legacy_sync' });
    await apply({
      kind: 'install-sync-trigger',
      table: 'dbo.orders',
      trigger: 'legacy_sync',
      function: 'dbo.legacy_sync',
    });
    await db.conn.exec('INSERT INTO dbo.orders (id, total) VALUES (6, 7)');
    const { rows } = await db.conn.query<{ legacy: number }>('SELECT legacy FROM dbo.orders WHERE id = 6');
    expect(rows).toEqual([{ legacy: 14 }]);
    await apply({
      kind: 'drop-synced-column',
      table: 'dbo.orders',
      column: 'legacy',
      trigger: 'legacy_sync',
      function: 'dbo.legacy_sync',
      cascade: false,
    });
  });
});
