/**
 * The PostgreSQL runner scenarios on a real SQL Server, through the CLI as a user runs it (skipped,
 * with global-setup's loud line, where no SQL Server answers): the seed's rename forward with
 * catalog checks, rollback before contract back to the original catalog and rows, kill -9 at random
 * instants then run (same schema and rows as an uninterrupted run, every row backfilled exactly
 * once), a lock wait that names its blocker, and a second runner refused with exit 3.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/db/index.js';
import { createMssqlDatabase, mssqlAdminUrl, type MssqlTestDatabase } from '../../support/mssql-databases.js';
import { runCli, startCli, writePlan } from '../../runner/cli-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ROWS = 20_000;
const SEED_PLAN = readFileSync('examples/mssql/rename-orders-client-id.yaml', 'utf8');
/** Small batches, so that the backfill spans enough time for kills and a second runner to land in it. */
const PLAN = writePlan(
  SEED_PLAN.replace(
    'where: customer_id IS NULL',
    'batch: { size: 200, delay: 5ms }\n        where: customer_id IS NULL',
  ),
);

/**
 * customers and orders as the seed has them (expected_customer keeps each row's client_id past contract);
 * every statement that fills orders.customer_id is counted per row.
 */
async function seed(conn: Connection): Promise<void> {
  await conn.exec(`
    CREATE TABLE dbo.customers (id bigint NOT NULL PRIMARY KEY, name nvarchar(100) NOT NULL);
    CREATE TABLE dbo.orders (
      id bigint NOT NULL IDENTITY(1, 1) PRIMARY KEY,
      client_id bigint NULL,
      total decimal(12, 2) NOT NULL CONSTRAINT df_orders_total DEFAULT (0),
      status nvarchar(20) NOT NULL,
      expected_customer bigint NOT NULL
    );
    CREATE TABLE dbo.customer_id_writes (order_id bigint NOT NULL, at datetime2 NOT NULL DEFAULT SYSUTCDATETIME());
    WITH n AS (SELECT TOP (1000) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i FROM sys.all_objects a CROSS JOIN sys.all_objects b)
    INSERT INTO dbo.customers (id, name) SELECT i, CONCAT(N'customer ', i) FROM n;
    WITH n AS (SELECT TOP (${ROWS}) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i FROM sys.all_objects a CROSS JOIN sys.all_objects b)
    INSERT INTO dbo.orders (client_id, total, status, expected_customer) SELECT 1 + i % 1000, i % 500, N'paid', 1 + i % 1000 FROM n;
  `);
  await conn.exec(`
    CREATE TRIGGER dbo.count_customer_id_writes ON dbo.orders AFTER UPDATE AS
    BEGIN
      SET NOCOUNT ON;
      IF UPDATE(customer_id) AND TRIGGER_NESTLEVEL() = 1
        INSERT INTO dbo.customer_id_writes (order_id)
        SELECT i.id FROM inserted AS i JOIN deleted AS d ON d.id = i.id
        WHERE d.customer_id IS NULL AND i.customer_id IS NOT NULL;
    END`);
}

/** Columns, indexes, constraints and triggers of the user tables, as comparable text. */
async function catalog(conn: Connection): Promise<string[]> {
  const { rows } = await conn.query<{ item: string }>(`
    SELECT CONCAT('column ', OBJECT_NAME(c.object_id), '.', c.name, ' ', TYPE_NAME(c.user_type_id), CASE WHEN c.is_nullable = 1 THEN ' null' ELSE ' not null' END) AS item
      FROM sys.columns AS c JOIN sys.tables AS t ON t.object_id = c.object_id WHERE t.is_ms_shipped = 0 AND t.schema_id <> SCHEMA_ID(N'schemashift')
    UNION ALL SELECT CONCAT('index ', OBJECT_NAME(i.object_id), '.', i.name, CASE WHEN i.is_unique = 1 THEN ' unique' ELSE '' END)
      FROM sys.indexes AS i JOIN sys.tables AS t ON t.object_id = i.object_id WHERE t.is_ms_shipped = 0 AND i.name IS NOT NULL AND t.schema_id <> SCHEMA_ID(N'schemashift')
    UNION ALL SELECT CONCAT('foreign key ', name, CASE WHEN is_not_trusted = 1 THEN ' not trusted' ELSE ' trusted' END) FROM sys.foreign_keys
    UNION ALL SELECT CONCAT('check ', name, CASE WHEN is_not_trusted = 1 THEN ' not trusted' ELSE ' trusted' END) FROM sys.check_constraints WHERE SCHEMA_NAME(schema_id) <> N'schemashift'
    UNION ALL SELECT CONCAT('trigger ', name) FROM sys.triggers WHERE parent_class = 1`);
  return rows.map((r) => r.item).sort();
}

/** Rows of orders, as one digest. */
async function ordersDigest(conn: Connection): Promise<string> {
  const { rows } = await conn.query<{ n: string; h: number }>(
    'SELECT CONVERT(varchar(20), COUNT_BIG(*)) AS n, CHECKSUM_AGG(CHECKSUM(*)) AS h FROM dbo.orders',
  );
  return `${rows[0]?.n}:${rows[0]?.h}`;
}

async function freshDatabase(): Promise<MssqlTestDatabase> {
  const db = await createMssqlDatabase('schemashift_run');
  await seed(db.conn);
  return db;
}

describe.skipIf(!mssqlAdminUrl)('the runner on SQL Server, through the CLI (real server)', () => {
  const opened: MssqlTestDatabase[] = [];
  const open = async () => {
    const db = await freshDatabase();
    opened.push(db);
    return db;
  };
  let reference: MssqlTestDatabase;
  beforeAll(async () => {
    reference = await open();
    const clean = await runCli(['run', PLAN, '--yes', '--database', reference.url]);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
  }, 300_000);
  afterAll(async () => {
    for (const db of opened) await db.close();
  });

  it('the seed rename, forward: the new column is NOT NULL and filled, the key trusted, the old column gone', async () => {
    const items = await catalog(reference.conn);
    expect(items).toContain('column orders.customer_id bigint not null');
    expect(items).not.toContain('column orders.client_id bigint null');
    expect(items).toContain('index orders.idx_orders_customer_id');
    expect(items).toContain('foreign key fk_orders_customer_id trusted');
    expect(items.filter((i) => i.startsWith('trigger ') && i.includes('schemashift'))).toEqual([]);
    const { rows } = await reference.conn.query<{ n: number }>(
      'SELECT COUNT(*) AS n FROM dbo.orders WHERE customer_id <> expected_customer',
    );
    expect(rows[0]?.n).toBe(0);
    const status = await runCli(['status', PLAN, '--json', '--database', reference.url]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ plans: [{ run: { status: 'done' } }] });
  });

  it('rollback before contract: the catalog and the rows are as before the plan', async () => {
    const db = await open();
    const [before, rowsBefore] = [await catalog(db.conn), await ordersDigest(db.conn)];
    const migrate = await runCli(['run', PLAN, '--phase', 'migrate', '--yes', '--database', db.url]);
    expect(migrate.code, migrate.stdout + migrate.stderr).toBe(0);
    expect(await catalog(db.conn)).toContain('column orders.customer_id bigint null');
    const back = await runCli(['rollback', PLAN, '--yes', '--database', db.url]);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(await catalog(db.conn)).toEqual(before);
    expect(await ordersDigest(db.conn)).toEqual(rowsBefore);
  }, 300_000);

  it('kill -9 at random instants, then run: the schema and rows of an uninterrupted run, each row written once', async () => {
    const db = await open();
    let seedValue = Date.now() % 2147483647;
    const random = () => (seedValue = (seedValue * 48271) % 2147483647) / 2147483647;
    const killedAt: string[] = [];
    for (let k = 0; k < 8; k++) {
      const run = startCli(['run', PLAN, '--yes', '--database', db.url]);
      const delay = 300 + Math.round(random() * 2500);
      await sleep(delay);
      const killed = run.child.kill('SIGKILL');
      const result = await run.done;
      killedAt.push(`${delay}ms:${killed && result.signal === 'SIGKILL' ? 'killed' : `finished(${result.code})`}`);
    }
    const final = await runCli(['run', PLAN, '--yes', '--database', db.url]);
    expect(final.code, `kills: ${killedAt.join(' ')}\n${final.stdout}\n${final.stderr}`).toBe(0);
    expect(await catalog(db.conn)).toEqual(await catalog(reference.conn));
    expect(await ordersDigest(db.conn)).toEqual(await ordersDigest(reference.conn));
    const { rows } = await db.conn.query<{ twice: number; once: number }>(
      'SELECT SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END) AS twice, COUNT(*) AS once FROM (SELECT order_id, COUNT(*) AS n FROM dbo.customer_id_writes GROUP BY order_id) AS w',
    );
    expect(rows[0]).toEqual({ twice: 0, once: ROWS });
  }, 600_000);

  it('a lock held by another session: the step waits, names the blocker, and fails after its retries', async () => {
    const db = await open();
    const plan = writePlan(
      'name: lock-wait\ndialect: mssql\nsettings: { lock_timeout: 300ms, lock_retries: 2 }\nphases:\n  expand:\n' +
        '    - add_column: { table: orders, column: { name: note, type: nvarchar(50) } }\n',
    );
    await db.conn.session(async (blocker) => {
      await blocker.exec('BEGIN TRANSACTION; SELECT TOP (1) id FROM dbo.orders WITH (TABLOCKX, HOLDLOCK);');
      const blockerId = await blocker.backendPid();
      const run = await runCli(['run', plan, '--yes', '--database', db.url]);
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(run.stdout + run.stderr).toMatch(new RegExp(`session ${blockerId}|${blockerId}`));
      expect(run.stdout + run.stderr).toMatch(/TABLOCKX/);
      await blocker.exec('ROLLBACK TRANSACTION');
    });
    expect(await catalog(db.conn)).not.toContain('column orders.note nvarchar null');
  }, 120_000);

  it('a second runner of the same plan exits 3 at once and names the first', async () => {
    const db = await open();
    const first = startCli(['run', PLAN, '--yes', '--database', db.url]);
    try {
      let second = await runCli(['run', PLAN, '--yes', '--database', db.url]);
      for (let i = 0; i < 50 && second.code !== 3 && first.child.exitCode === null; i++) {
        await sleep(100);
        second = await runCli(['run', PLAN, '--yes', '--database', db.url]);
      }
      expect(second.code, second.stdout + second.stderr).toBe(3);
      expect(second.stderr).toMatch(/another runner|held by/i);
      expect(second.ms).toBeLessThan(20_000);
    } finally {
      first.child.kill('SIGKILL');
      await first.done;
    }
  }, 120_000);
});
