/**
 * SQL Server's Introspector parts on a real SQL Server (skipped, with global-setup's loud line,
 * where none answers): the session and lookup order, table ids, the keys a backfill may walk
 * (filtered and disabled unique indexes left out, primary first), type names, the live schema and
 * one column's attachments as the shared model has them, and the column-definition probe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mssqlIntrospectParts as i } from '../../../src/dialects/mssql/introspect.js';
import { createMssqlDatabase, mssqlAdminUrl, type MssqlTestDatabase } from '../../support/mssql-databases.js';

const SETUP = `
CREATE TYPE dbo.code_t FROM nvarchar(12) NOT NULL;
GO
CREATE SEQUENCE dbo.order_no AS bigint START WITH 1;
CREATE TABLE dbo.statuses (code nvarchar(10) NOT NULL CONSTRAINT PK_statuses PRIMARY KEY);
CREATE TABLE dbo.orders (
  region int NOT NULL, id int NOT NULL, code dbo.code_t, email nvarchar(200) NULL,
  status nvarchar(10) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT DF_orders_status DEFAULT (N'new'),
  note nvarchar(max) NULL, amount decimal(10, 2) NULL, status_label AS (UPPER(status)),
  CONSTRAINT PK_orders PRIMARY KEY (region, id),
  CONSTRAINT FK_orders_status FOREIGN KEY (status) REFERENCES dbo.statuses (code) ON UPDATE CASCADE);
CREATE UNIQUE INDEX UX_orders_code ON dbo.orders (code);
CREATE UNIQUE INDEX UX_orders_email ON dbo.orders (email);
CREATE UNIQUE INDEX UX_orders_note_filtered ON dbo.orders (id) WHERE status <> N'gone';
CREATE UNIQUE INDEX UX_orders_disabled ON dbo.orders (amount, id);
ALTER INDEX UX_orders_disabled ON dbo.orders DISABLE;
CREATE INDEX IX_orders_status ON dbo.orders (status DESC) INCLUDE (note);
ALTER TABLE dbo.orders WITH NOCHECK ADD CONSTRAINT CK_orders_status CHECK (status <> N'');
CREATE STATISTICS st_orders_status ON dbo.orders (status);
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'where the order is',
  @level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'orders',
  @level2type = N'COLUMN', @level2name = N'status';
CREATE ROLE readers;
GRANT SELECT (status) ON dbo.orders TO readers;
GRANT SELECT (status) ON dbo.orders TO public;
CREATE TABLE dbo.history (id int NOT NULL PRIMARY KEY, st nvarchar(10) NULL REFERENCES dbo.statuses (code));
GO
CREATE VIEW dbo.open_orders WITH SCHEMABINDING AS SELECT region, id, status FROM dbo.orders WHERE status <> N'done';
GO
CREATE VIEW dbo.all_orders AS SELECT * FROM dbo.orders;
GO
CREATE TRIGGER dbo.trg_orders ON dbo.orders AFTER UPDATE AS BEGIN IF UPDATE(status) RETURN; END;
`;

describe.skipIf(!mssqlAdminUrl)('SQL Server introspection (real server)', () => {
  let db: MssqlTestDatabase;
  let ordersId: number;
  beforeAll(async () => {
    db = await createMssqlDatabase('schemashift_introspect');
    await db.conn.exec(SETUP);
    ordersId = (await i.tableId(db.conn, 'dbo.orders'))!;
  });
  afterAll(() => db?.close());

  it('server, database, lookup order; table ids of tables only', async () => {
    const info = await i.serverInfo(db.conn);
    expect(info.database).toBe(db.name);
    expect(info.searchPath).toEqual(['dbo', 'sys']);
    expect(info.versionNum).toBeGreaterThan(130000000);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(ordersId).toBeGreaterThan(0);
    expect(await i.tableId(db.conn, 'orders')).toBe(ordersId);
    expect(await i.tableId(db.conn, 'dbo.open_orders')).toBeNull();
    expect(await i.tableId(db.conn, 'dbo.nope')).toBeNull();
  });

  it('keys a backfill may walk: primary first, then the narrowest; filtered and disabled ones left out', async () => {
    expect(await i.uniqueKeys(db.conn, ordersId)).toEqual([
      { name: 'PK_orders', primary: true, columns: ['region', 'id'], notNull: true },
      { name: 'UX_orders_code', primary: false, columns: ['code'], notNull: true },
      { name: 'UX_orders_email', primary: false, columns: ['email'], notNull: false },
    ]);
    const cols = await i.keyColumns(db.conn, ordersId, ['id', 'email', 'missing']);
    expect(cols.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'email', notNull: false },
      { name: 'id', notNull: true },
    ]);
  });

  it('type names: synonyms, lengths, alias types, unknown', async () => {
    const got = await i.resolveTypes(db.conn, [
      'INTEGER',
      'nvarchar(40)',
      'character varying(3)',
      'dbo.code_t',
      'nosuch',
    ]);
    expect(Object.fromEntries(got)).toEqual({
      INTEGER: 'int',
      'nvarchar(40)': 'nvarchar',
      'character varying(3)': 'varchar',
      'dbo.code_t': 'code_t',
      nosuch: null,
    });
  });

  it('live schema: relations, columns, indexes, constraints, triggers, dependents', async () => {
    const live = await i.liveSchema(db.conn);
    const rel = (key: string) => live.relations.find((r) => `${r.schema}.${r.name}` === key);
    const orders = rel('dbo.orders')!;
    expect(orders.kind).toBe('table');
    expect(orders.columns?.slice(0, 7)).toEqual([
      { name: 'region', type: 'int', baseType: 'int', notNull: true },
      { name: 'id', type: 'int', baseType: 'int', notNull: true },
      { name: 'code', type: 'code_t', baseType: 'code_t', notNull: true },
      { name: 'email', type: 'nvarchar(200)', baseType: 'nvarchar', notNull: false },
      { name: 'status', type: 'nvarchar(10)', baseType: 'nvarchar', notNull: true },
      { name: 'note', type: 'nvarchar(max)', baseType: 'nvarchar', notNull: false },
      { name: 'amount', type: 'decimal(10, 2)', baseType: 'decimal', notNull: false },
    ]);
    expect(orders.constraints).toEqual(
      expect.arrayContaining([
        { name: 'PK_orders', type: 'primary key', validated: true, columns: ['region', 'id'] },
        { name: 'CK_orders_status', type: 'check', validated: false, columns: ['status'] },
        {
          name: 'FK_orders_status',
          type: 'foreign key',
          validated: true,
          columns: ['status'],
          references: { table: 'dbo.statuses', index: 'PK_statuses' },
        },
      ]),
    );
    expect(orders.triggers).toEqual(['trg_orders']);
    expect(orders.dependents).toEqual([
      { what: 'view dbo.open_orders', relation: 'dbo.open_orders', constraint: null },
    ]);
    expect(
      rel('dbo.statuses')?.dependents?.map((d) => d.constraint?.startsWith('FK') || d.what.startsWith('foreign key')),
    ).toEqual([true, true]);
    expect(rel('dbo.UX_orders_disabled')?.index).toMatchObject({ valid: false, unique: true });
    expect(rel('dbo.UX_orders_note_filtered')?.index).toMatchObject({ partial: true, columns: ['id'] });
    expect(rel('dbo.order_no')?.kind).toBe('sequence');
    expect(rel('dbo.open_orders')?.kind).toBe('view');
    expect(rel('sys.objects')).toMatchObject({ kind: 'view', columns: null });
    expect(typeof orders.rows).toBe('number');
  });

  it("one column's attachments", async () => {
    const a = (await i.columnAttachments(db.conn, 'dbo.orders', 'status'))!;
    expect(a).toMatchObject({
      notNull: true,
      identity: false,
      default: "(N'new')",
      comment: 'where the order is',
      collation: 'Latin1_General_BIN2',
      ownedSequence: null,
      checks: [{ name: 'CK_orders_status', noInherit: false }],
      foreignKeys: [
        {
          name: 'FK_orders_status',
          columns: ['status'],
          references: { table: 'dbo.statuses', columns: ['code'] },
          onDelete: 'no_action',
          onUpdate: 'cascade',
          plain: true,
        },
      ],
      inboundForeignKeys: [],
    });
    expect(a.grants).toEqual([
      { public: true, privileges: ['SELECT'] },
      { role: 'readers', privileges: ['SELECT'] },
    ]);
    expect(a.indexes.map((ix) => [ix.name, ix.plain])).toEqual([
      ['IX_orders_status', false],
      ['UX_orders_note_filtered', true],
    ]);
    expect(a.views.map((v) => v.name).sort()).toEqual(['dbo.all_orders', 'dbo.open_orders']);
    expect(a.others).toEqual(
      expect.arrayContaining(['computed column status_label', 'statistics st_orders_status', 'trigger dbo.trg_orders']),
    );
    expect(await i.columnAttachments(db.conn, 'dbo.orders', 'nope')).toBeNull();
    expect(await i.columnAttachments(db.conn, 'dbo.nope', 'status')).toBeNull();
    const code = (await i.columnAttachments(db.conn, 'dbo.statuses', 'code'))!;
    expect(code.inboundForeignKeys.map((f) => f.table).sort()).toEqual(['dbo.history', 'dbo.orders']);
  });

  it('column definition probe: accepted, refused with the server message, nothing created', async () => {
    expect(await i.columnDefinitionProblem(db.conn, { type: 'nvarchar(20)', default: "N'x'" })).toBeUndefined();
    expect(await i.columnDefinitionProblem(db.conn, { type: 'dbo.code_t', default: "N'A-1'" })).toBeUndefined();
    expect(
      await i.columnDefinitionProblem(db.conn, { type: 'nvarchar(20)', collation: 'Latin1_General_CS_AS' }),
    ).toBeUndefined();
    expect(await i.columnDefinitionProblem(db.conn, { type: 'int', collation: 'Latin1_General_CS_AS' })).toMatch(
      /collat/i,
    );
    expect(await i.columnDefinitionProblem(db.conn, { type: 'no_such_type' })).toMatch(/no_such_type/);
    expect(await i.columnDefinitionProblem(db.conn, { type: 'int', default: '(SELECT 1)' })).toMatch(/subquer/i);
    const { rows } = await db.conn.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM sys.objects WHERE name LIKE N'%probe%'",
    );
    expect(rows[0]?.n).toBe(0);
  });
});
