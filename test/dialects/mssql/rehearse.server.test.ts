/**
 * `schemashift test` of a SQL Server plan on a real SQL Server, through the CLI as a user runs it
 * (skipped, with global-setup's loud line, where no SQL Server answers): the seed's rename rehearsed
 * forward and rolled back after expand and after migrate on scratch databases of that server, and a
 * failing check reported with exit 1; either way no scratch database is left behind.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../../src/db/index.js';
import { mssqlAdminUrl } from '../../support/mssql-databases.js';
import { runCli, writePlan } from '../../runner/cli-process.js';

const PLAN = 'examples/mssql/rename-orders-client-id.yaml';

/** customers and orders as the plan expects them: every order has a client that exists. */
const SEED = `
CREATE TABLE dbo.customers (id bigint NOT NULL PRIMARY KEY, name nvarchar(100) NOT NULL);
CREATE TABLE dbo.orders (
  id bigint NOT NULL IDENTITY(1, 1) PRIMARY KEY,
  client_id bigint NULL,
  total decimal(12, 2) NOT NULL CONSTRAINT df_orders_total DEFAULT (0),
  status nvarchar(20) NOT NULL
);
WITH n AS (SELECT TOP (100) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i FROM sys.all_objects)
INSERT INTO dbo.customers (id, name) SELECT i, CONCAT(N'customer ', i) FROM n;
WITH n AS (SELECT TOP (2000) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i FROM sys.all_objects a CROSS JOIN sys.all_objects b)
INSERT INTO dbo.orders (client_id, total, status) SELECT 1 + i % 100, i % 500, N'paid' FROM n;
`;

const seedFile = (): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'schemashift-seed-')), 'seed.sql');
  writeFileSync(file, SEED);
  return file;
};

async function scratchDatabasesLeft(): Promise<string[]> {
  const admin = await connect(mssqlAdminUrl as string);
  try {
    const { rows } = await admin.query<{ name: string }>(
      `SELECT name FROM sys.databases WHERE name LIKE 'schemashift[_]rehearse[_]%'`,
    );
    return rows.map((r) => r.name);
  } finally {
    await admin.close();
  }
}

describe.skipIf(!mssqlAdminUrl)('schemashift test on SQL Server, through the CLI (real server)', () => {
  const seed = mssqlAdminUrl ? seedFile() : '';
  let before: string[] = [];

  afterAll(async () => {
    // A failed assertion must not leave scratch databases of this suite on a shared server.
    const admin = await connect(mssqlAdminUrl as string);
    try {
      for (const name of (await scratchDatabasesLeft()).filter((n) => !before.includes(n)))
        await admin.exec(`ALTER DATABASE [${name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [${name}]`);
    } finally {
      await admin.close();
    }
  });

  it('rehearses the rename and its rollback on scratch databases, then drops them (exit 0)', async () => {
    before = await scratchDatabasesLeft();
    const result = await runCli(['test', PLAN, '--seed', seed, '--database', mssqlAdminUrl as string]);
    const out = result.stdout;
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(out).toContain('scratch databases (schemashift_rehearse_…, dropped afterwards) on the server of');
    expect(out).toMatch(/expand +add_column:orders\.customer_id +✔/);
    expect(out).toMatch(/migrate +backfill:orders\.customer_id +✔ 2,000 rows = 2,000 matching/);
    expect(out).toMatch(/migrate +check:orders +✔ check passed \(= 0\)/);
    expect(out).toMatch(/contract +drop_column:orders\.client_id +✔/);
    expect(out).not.toContain('✖');
    expect(out).toMatch(/✔ rollback after expand: \d+ step\(s\) undone; schema and rows equal the original/);
    expect(out).toMatch(/✔ rollback after migrate: \d+ step\(s\) undone; schema and rows equal the original/);
    expect(out).toMatch(/✔ rehearsal passed: \d+ steps of .*rename-orders-client-id\.yaml/);
    expect((await scratchDatabasesLeft()).filter((n) => !before.includes(n))).toEqual([]);
  }, 600_000);

  it('exits 1 naming a check whose expected value is wrong, and still drops the scratch databases', async () => {
    before = await scratchDatabasesLeft();
    const plan = writePlan(readFileSync(PLAN, 'utf8').replace('expect: 0', 'expect: 1'));
    const result = await runCli(['test', plan, '--seed', seed, '--database', mssqlAdminUrl as string]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1);
    expect(result.stdout).toMatch(/migrate +check:orders +✖ failed/);
    expect(result.stdout).toMatch(/✖ rehearsal failed: .*expected 1, the query returned "?0"?/);
    expect(result.stdout).toMatch(/✔ rollback after failure: \d+ step\(s\) undone; schema and rows equal the original/);
    expect((await scratchDatabasesLeft()).filter((n) => !before.includes(n))).toEqual([]);
  }, 600_000);
});
