/**
 * SQL Server's catalog probes on a real SQL Server (skipped, with global-setup's loud line, where
 * none answers): every one-bit probe before and after the change it looks for, objectDefinition's
 * FOR JSON row read back by definitionDifferences (the same object is no difference, another one
 * is), the non-deterministic user functions, and the shadow mismatch count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnsupported, type Action, type Rendered, type Unsupported } from '../../../src/dialects/actions.js';
import { mssqlDdl } from '../../../src/dialects/mssql/ddl.js';
import { mssqlProbes as p } from '../../../src/dialects/mssql/probes.js';
import type { DbObject } from '../../../src/dialects/probes.js';
import { createMssqlDatabase, mssqlAdminUrl, type MssqlTestDatabase } from '../../support/mssql-databases.js';

const SETUP = `
CREATE TYPE dbo.phone FROM varchar(20) NULL;
GO
CREATE TABLE dbo.customers (id int NOT NULL CONSTRAINT customers_pk PRIMARY KEY, email nvarchar(200) NULL);
CREATE TABLE dbo.orders (
  id int NOT NULL CONSTRAINT orders_pk PRIMARY KEY,
  customer_id int NOT NULL,
  status int NOT NULL CONSTRAINT orders_status_df DEFAULT 0,
  total decimal(10, 2) NULL,
  note nvarchar(200) NULL,
  phone dbo.phone,
  [a]]b] int NULL);
ALTER TABLE dbo.orders WITH NOCHECK ADD CONSTRAINT orders_total_ck CHECK (total >= 0);
ALTER TABLE dbo.orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id)
  REFERENCES dbo.customers (id) ON DELETE CASCADE;
CREATE INDEX orders_status_ix ON dbo.orders (status, id DESC) INCLUDE (total) WHERE status = 1;
CREATE TABLE dbo.mismatches (
  id bigint IDENTITY(1, 1) NOT NULL PRIMARY KEY,
  at datetime2 NOT NULL DEFAULT SYSUTCDATETIME(),
  repository nvarchar(400) NOT NULL);
INSERT INTO dbo.mismatches (repository) VALUES (N'orders');
INSERT INTO dbo.mismatches (at, repository) VALUES (DATEADD(hour, -2, SYSUTCDATETIME()), N'orders');
INSERT INTO dbo.mismatches (repository) VALUES (N'x''; DROP');
GO
CREATE TRIGGER dbo.orders_audit ON dbo.orders AFTER UPDATE AS SET NOCOUNT ON;
GO
CREATE VIEW dbo.open_orders AS SELECT id, status FROM dbo.orders WHERE status = 1;
GO
CREATE FUNCTION dbo.f_nondeterministic () RETURNS int AS BEGIN RETURN 1 END;
GO
CREATE FUNCTION dbo.f_deterministic (@x int) RETURNS int WITH SCHEMABINDING AS BEGIN RETURN @x + 1 END;
`;

describe.skipIf(!mssqlAdminUrl)('SQL Server probes (real server)', () => {
  let db: MssqlTestDatabase;
  beforeAll(async () => {
    db = await createMssqlDatabase('schemashift_probes');
    await db.conn.exec(SETUP);
  });
  afterAll(() => db?.close());

  async function value(sql: string): Promise<unknown> {
    const row = (await db.conn.query<Record<string, unknown>>(sql)).rows[0];
    return Object.values(row ?? {})[0];
  }

  async function differences(o: DbObject): Promise<string[] | null> {
    const { rows } = await db.conn.query<{ def: Record<string, unknown> | null }>(p.objectDefinition(o));
    expect(rows).toHaveLength(1);
    const def = rows[0]?.def ?? null;
    return def === null ? null : p.definitionDifferences(o, def);
  }

  it('column probes: existence, nullability, base type (sizes aside), user types, hostile names', async () => {
    expect(await value(p.columnExists('orders', 'note'))).toBe(true);
    expect(await value(p.columnExists('orders', 'a]b'))).toBe(true);
    expect(await value(p.columnAbsent('dbo.orders', 'nope'))).toBe(true);
    expect(await value(p.columnAbsent('dbo.orders', "x'; DROP TABLE dbo.orders --"))).toBe(true);
    expect(await value(p.columnNotNull('dbo.orders', 'status'))).toBe(true);
    expect(await value(p.columnNullable('dbo.orders', 'status'))).toBe(false);
    expect(await value(p.columnNullable('dbo.orders', 'note'))).toBe(true);
    expect(await value(p.columnHasType('dbo.orders', 'total', 'decimal(12, 4)'))).toBe(true);
    expect(await value(p.columnHasType('dbo.orders', 'total', 'int'))).toBe(false);
    expect(await value(p.columnExistsWithType('dbo.orders', 'note', 'nvarchar(max)'))).toBe(true);
    expect(await value(p.columnExistsWithType('dbo.orders', 'phone', 'dbo.phone'))).toBe(true);
    expect(await value(p.columnExistsWithType('dbo.orders', 'phone', 'varchar(20)'))).toBe(false);
  });

  it('index probes: a disabled index is not valid until rebuilt', async () => {
    expect(await value(p.validIndexExists('orders_status_ix', 'dbo.orders'))).toBe(true);
    expect(await value(p.indexAbsent('orders_status_ix', 'dbo.orders'))).toBe(false);
    await db.conn.exec('ALTER INDEX orders_status_ix ON dbo.orders DISABLE');
    expect(await value(p.validIndexExists('orders_status_ix', 'dbo.orders'))).toBe(false);
    expect(await value(p.indexAbsent('orders_status_ix', 'dbo.orders'))).toBe(false);
    await db.conn.exec('ALTER INDEX orders_status_ix ON dbo.orders REBUILD');
    expect(await value(p.validIndexExists('orders_status_ix', 'dbo.orders'))).toBe(true);
    expect(await value(p.indexAbsent('nope_ix', 'dbo.orders'))).toBe(true);
  });

  it('constraint probes: an untrusted CHECK exists but is validated only after WITH CHECK', async () => {
    expect(await value(p.constraintExists('dbo.orders', 'orders_total_ck'))).toBe(true);
    expect(await value(p.constraintExists('dbo.orders', 'orders_status_df'))).toBe(true);
    expect(await value(p.constraintAbsent('dbo.orders', 'nope_ck'))).toBe(true);
    expect(await value(p.constraintValidated('dbo.orders', 'orders_pk'))).toBe(true);
    expect(await value(p.constraintValidated('dbo.orders', 'orders_customer_fk'))).toBe(true);
    expect(await value(p.constraintValidated('dbo.orders', 'orders_total_ck'))).toBe(false);
    await db.conn.exec('ALTER TABLE dbo.orders WITH CHECK CHECK CONSTRAINT orders_total_ck');
    expect(await value(p.constraintValidated('dbo.orders', 'orders_total_ck'))).toBe(true);
  });

  it('trigger and relation probes, a swap, and anyOf', async () => {
    expect(await value(p.triggerExists('dbo.orders', 'orders_audit'))).toBe(true);
    expect(await value(p.triggerAbsent('dbo.orders', 'nope_trg'))).toBe(true);
    expect(await value(p.relationExists('dbo.orders'))).toBe(true);
    expect(await value(p.relationExists('open_orders'))).toBe(true);
    expect(await value(p.relationAbsent('dbo.f_deterministic'))).toBe(true);
    await db.conn.exec('CREATE TABLE dbo.building (id int NOT NULL)');
    expect(await value(p.relationsSwapped('dbo.building', 'dbo.retired'))).toBe(false);
    await db.conn.exec("EXEC sys.sp_rename @objname = N'dbo.building', @newname = N'retired', @objtype = N'OBJECT'");
    expect(await value(p.relationsSwapped('dbo.building', 'dbo.retired'))).toBe(true);
    const no = p.columnExists('dbo.orders', 'nope');
    expect(await value(p.anyOf(no, p.relationExists('dbo.retired')))).toBe(true);
    expect(await value(p.anyOf(no, no))).toBe(false);
    expect(await value(p.anyOf())).toBe(false);
  });

  it('a column by its definition: the same is no difference, another type or default is', async () => {
    expect(await differences({ kind: 'column', table: 'dbo.orders', name: 'note', type: 'nvarchar(200)' })).toEqual([]);
    const status: DbObject = { kind: 'column', table: 'dbo.orders', name: 'status', type: 'int', nullable: false };
    expect(await differences({ ...status, default: '0' })).toEqual([]);
    expect(await differences({ ...status, type: 'bigint', default: '1' })).toEqual([
      'type is int, the plan says bigint',
      'default is ((0)), the plan says 1',
    ]);
    expect(await differences({ kind: 'column', table: 'dbo.orders', name: 'phone', type: 'dbo.phone' })).toEqual([]);
    expect(await differences({ kind: 'column', table: 'dbo.orders', name: "x'; DROP" })).toBeNull();
    expect(await differences({ kind: 'column', table: 'dbo.nope', name: 'id' })).toBeNull();
  });

  it('an index by its definition, its stored filter read as the plan writes it', async () => {
    const index: DbObject = {
      kind: 'index',
      table: 'dbo.orders',
      name: 'orders_status_ix',
      columns: ['status', 'id'],
      columnOptions: [undefined, { sort: 'desc' }],
      include: ['total'],
      where: 'status = 1',
      unique: false,
      method: 'btree',
    };
    expect(await differences(index)).toEqual([]);
    expect(await differences({ ...index, columnOptions: [], where: 'status = 2' })).toEqual([
      'key id is DESC, the plan says ASC',
      'WHERE is ([status]=(1)), the plan says status = 2',
    ]);
    expect(await differences({ ...index, name: 'nope_ix' })).toBeNull();
  });

  it('constraints by their definition: CHECK, FOREIGN KEY, PRIMARY KEY', async () => {
    const check: DbObject = {
      kind: 'constraint',
      table: 'dbo.orders',
      name: 'orders_total_ck',
      type: 'check',
      expression: 'total >= 0',
      validated: true,
    };
    expect(await differences(check)).toEqual([]);
    const fk: DbObject = {
      kind: 'constraint',
      table: 'dbo.orders',
      name: 'orders_customer_fk',
      type: 'foreign key',
      columns: ['customer_id'],
      references: { table: 'dbo.customers', columns: ['id'], onDelete: 'cascade' },
    };
    expect(await differences(fk)).toEqual([]);
    expect(
      await differences({ ...fk, references: { table: 'dbo.orders', columns: ['id'], onDelete: 'set_null' } }),
    ).toEqual(['it references dbo.customers, not dbo.orders', 'ON DELETE is cascade, the plan says set_null']);
    const pk: DbObject = {
      kind: 'constraint',
      table: 'dbo.orders',
      name: 'orders_pk',
      type: 'primary key',
      columns: ['id'],
    };
    expect(await differences(pk)).toEqual([]);
    expect(await differences({ ...pk, type: 'unique' })).toEqual([
      'it is a primary key constraint, the plan adds a unique constraint',
    ]);
  });

  it('tables, views, an indexed view made by the create step, triggers and functions', async () => {
    const customers: DbObject = {
      kind: 'table',
      name: 'dbo.customers',
      columns: [
        { name: 'id', type: 'int', nullable: false },
        { name: 'email', type: 'nvarchar(200)', nullable: true },
      ],
    };
    expect(await differences(customers)).toEqual([]);
    expect(await differences({ ...customers, name: 'dbo.open_orders' })).toEqual(['it is a view, not a table']);
    expect(await differences({ kind: 'view', name: 'dbo.open_orders' })).toEqual([]);
    const query = 'SELECT o.status, COUNT_BIG(*) AS n FROM dbo.orders AS o GROUP BY o.status';
    const create = mssqlDdl() as unknown as Record<string, (a: Action) => Rendered | Unsupported>;
    const rendered = create['create-materialized-view']!({
      kind: 'create-materialized-view',
      name: 'dbo.status_counts',
      query,
      withData: true,
    });
    if (isUnsupported(rendered)) throw new Error(rendered.unsupported);
    await db.conn.exec(rendered.sql);
    expect(await differences({ kind: 'materialized view', name: 'dbo.status_counts', query })).toEqual([]);
    expect(await differences({ kind: 'materialized view', name: 'dbo.open_orders' })).toEqual([
      'it is a view without SCHEMABINDING, which cannot be indexed',
    ]);
    expect(
      await differences({ kind: 'trigger', table: 'dbo.orders', name: 'orders_audit', function: 'f' }),
    ).toHaveLength(1);
    expect(await differences({ kind: 'function', name: 'dbo.f_deterministic' })).toEqual([
      'it is a scalar function: schemashift does not take over a routine it did not write',
    ]);
    expect(
      await value(p.objectDefinition({ kind: 'table property', table: 'dbo.orders', name: 'comment' })),
    ).toBeNull();
  });

  it('volatileCalls lists the non-deterministic user functions only', async () => {
    const { rows } = await db.conn.query<{ fn: string }>(
      p.volatileCalls([
        { kind: 'function', schema: 'dbo', name: 'f_nondeterministic' },
        { kind: 'function', name: 'f_deterministic' },
        { kind: 'function', name: "x'; DROP" },
      ]),
    );
    expect(rows).toEqual([{ fn: '[dbo].[f_nondeterministic]' }]);
    expect((await db.conn.query(p.volatileCalls([]))).rows).toEqual([]);
  });

  it('recentMismatches counts the window, narrowed to a repository', async () => {
    expect(await value(p.recentMismatches('dbo.mismatches', 3_600_000))).toBe(2);
    expect(await value(p.recentMismatches('dbo.mismatches', 3_600_000, 'orders'))).toBe(1);
    expect(await value(p.recentMismatches('dbo.mismatches', 3 * 3_600_000 + 1, 'orders'))).toBe(2);
    expect(await value(p.recentMismatches('dbo.mismatches', 3_600_000, "x'; DROP"))).toBe(1);
    expect(await value(p.recentMismatches('dbo.mismatches', 40 * 86_400_000))).toBe(3);
  });
});
