/**
 * SQL Server's DDL renderers on a real SQL Server (skipped, with global-setup's loud line, where none
 * answers): each statement runs, its probe says false before and true after, and the catalog shows
 * the effect (a column, an index built online, a constraint added untrusted then trusted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnsupported, type Action, type Rendered, type Unsupported } from '../../../src/dialects/actions.js';
import { mssqlDdl } from '../../../src/dialects/mssql/ddl.js';
import { createMssqlDatabase, mssqlAdminUrl, type MssqlTestDatabase } from '../../support/mssql-databases.js';

function render(action: Action): Rendered {
  const renderers = mssqlDdl() as unknown as Record<string, (a: Action) => Rendered | Unsupported>;
  const r = renderers[action.kind]!(action);
  if (isUnsupported(r)) throw new Error(`unexpectedly unsupported: ${r.unsupported}`);
  return r;
}

describe.skipIf(!mssqlAdminUrl)('SQL Server DDL (real server)', () => {
  let db: MssqlTestDatabase;
  beforeAll(async () => {
    db = await createMssqlDatabase('schemashift_ddl');
    await db.conn.exec(`CREATE TABLE dbo.orders (id int PRIMARY KEY, total decimal(10,2) NOT NULL, status int NOT NULL);
      INSERT INTO dbo.orders (id, total, status) VALUES (1, 5, 1), (2, 7, 0)`);
  });
  afterAll(() => db?.close());

  async function probe(r: Rendered): Promise<boolean> {
    if (!r.probe) throw new Error('no probe');
    const row = (await db.conn.query<Record<string, unknown>>(r.probe)).rows[0];
    return Boolean(Object.values(row ?? {})[0]);
  }

  async function apply(action: Action): Promise<Rendered> {
    const r = render(action);
    if (r.probe) expect(await probe(r)).toBe(false);
    await db.conn.exec(r.sql);
    if (r.probe) expect(await probe(r)).toBe(true);
    return r;
  }

  it('adds a nullable column and a NOT NULL column with a constant default (existing rows get it)', async () => {
    await apply({ kind: 'add-column', table: 'dbo.orders', column: 'note', type: 'nvarchar(200)', notNull: false });
    await apply({ kind: 'add-column', table: 'dbo.orders', column: 'Flag', type: 'int', default: '0', notNull: true });
    const { rows } = await db.conn.query<{ flag: number; note: string | null }>(
      'SELECT Flag AS flag, note FROM dbo.orders ORDER BY id',
    );
    expect(rows).toEqual([
      { flag: 0, note: null },
      { flag: 0, note: null },
    ]);
  });

  it('builds an index online and resumable, outside a transaction', async () => {
    const r = await apply({
      kind: 'build-index',
      table: 'dbo.orders',
      name: 'orders_status_ix',
      columns: ['status'],
      include: ['total'],
      unique: false,
      method: 'btree',
      online: true,
    });
    expect(r.transactional).toBe(false);
    const { rows } = await db.conn.query<{ n: number }>(
      "SELECT count(*) AS n FROM sys.indexes WHERE object_id = OBJECT_ID(N'dbo.orders') AND name = N'orders_status_ix'",
    );
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('adds a CHECK untrusted (WITH NOCHECK), then validates it (is_not_trusted = 0)', async () => {
    await apply({
      kind: 'add-check-unchecked',
      table: 'dbo.orders',
      name: 'orders_total_ck',
      expression: 'total >= 0',
    });
    const trusted = async () =>
      (
        await db.conn.query<{ untrusted: boolean }>(
          "SELECT is_not_trusted AS untrusted FROM sys.check_constraints WHERE name = N'orders_total_ck'",
        )
      ).rows[0]?.untrusted;
    expect(await trusted()).toBe(true);
    await apply({ kind: 'validate-constraint', table: 'dbo.orders', name: 'orders_total_ck', alsoReads: [] });
    expect(await trusted()).toBe(false);
  });

  it('drops a column with a default constraint (the constraint first)', async () => {
    await apply({ kind: 'drop-column', table: 'dbo.orders', column: 'Flag', cascade: false });
    const { rows } = await db.conn.query<{ n: number }>(
      "SELECT count(*) AS n FROM sys.columns WHERE object_id = OBJECT_ID(N'dbo.orders') AND name = N'Flag'",
    );
    expect(rows).toEqual([{ n: 0 }]);
  });
});
