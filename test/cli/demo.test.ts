import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const STEP_COUNTS = ['expand (4/4)', 'migrate (7/7)', 'contract (3/3)'];

function expectFinished(out: string, rows: string): void {
  expect(out).toContain('non-interactive: confirming gates automatically (the demo only)');
  expect(out).toContain('plan done');
  expect(out).toContain('rename-orders-client-id  done · contract');
  for (const count of STEP_COUNTS) expect(out).toContain(count);
  expect(out).toContain('next: done: nothing left to run');
  expect(out).toContain(
    `✔ check: ${rows}/${rows} rows have customer_id = their original client_id; column client_id is gone`,
  );
}

describe('schemashift demo', () => {
  it('seeds orders on an in-memory PGlite and runs the sample plan end to end, from any working directory', async () => {
    const io = captureIo(tmpdir());
    expect(await main(['demo', '--rows', '5000'], io)).toBe(0);
    const out = io.stdout();
    expect(out).toMatch(/^demo: created table orders with 5,000 rows on pglite:\/\/memory/);
    expectFinished(out, '5,000');
    expect(io.stderr()).toBe('');
  });

  it('refuses a row count that is not a whole number', async () => {
    const io = captureIo();
    expect(await main(['demo', '--rows', 'many'], io)).toBe(2);
    expect(io.stderr()).toContain('--rows many: expected a whole number of rows');
  });
});

describe.skipIf(!postgresAdminUrl)('schemashift demo --database (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_demo');
  });
  afterAll(async () => {
    await db?.close();
  });

  it('runs on the named database and leaves the renamed column behind', async () => {
    const io = captureIo();
    expect(await main(['demo', '--rows', '5000', '--database', db.url!], io)).toBe(0);
    expectFinished(io.stdout(), '5,000');
    const columns = await db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'orders' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'total', 'status', 'created_at', 'customer_id']);
  });

  it('refuses a database that already has an orders table, and changes nothing', async () => {
    const io = captureIo();
    expect(await main(['demo', '--rows', '10', '--database', db.url!], io)).toBe(2);
    expect(io.stderr()).toContain('already has a table orders');
    expect(io.stderr()).toContain('help: run the demo on an empty database');
    expect(await db.query(`SELECT count(*)::int AS n FROM orders`)).toEqual([{ n: 5000 }]);
  });
});
