/**
 * replace_materialized_view with a dependent view, through the CLI's runner on real PostgreSQL: the
 * swap's DO block runs in the step's transaction with the state write (the caller's search_path
 * restored); a reader holding the dependent makes the swap time out and roll back whole, and the next
 * run finishes it; a run after that does nothing; rollback carries the dependent back; contract drops.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const PLAN = `name: replace-daily
settings: { lock_timeout: 200ms, lock_retries: 1 }
phases:
  expand:
    - replace_materialized_view:
        name: daily
        query: "SELECT day, sum(amount) * 10 AS total FROM sales GROUP BY day"
        unique_index: { columns: [day] }
`;

describe.skipIf(!postgresAdminUrl)('replace_materialized_view with dependents through the CLI', () => {
  let db: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    db = await createPostgresDatabase('schemashift_view_deps');
    await db.exec(`
      CREATE TABLE sales (day int NOT NULL, amount int NOT NULL);
      INSERT INTO sales VALUES (1, 1), (1, 2), (2, 5);
      CREATE MATERIALIZED VIEW daily AS SELECT day, sum(amount) AS total FROM sales GROUP BY day;
      CREATE VIEW daily_report AS SELECT day, total FROM daily`);
    dir = mkdtempSync(join(tmpdir(), 'schemashift-view-deps-'));
    writeFileSync(join(dir, 'p.yaml'), PLAN);
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.close();
  });

  async function cli(...args: string[]) {
    const io = captureIo(dir);
    const code = await main([args[0]!, 'p.yaml', ...args.slice(1), '--database', db.url!], io);
    return { code, out: io.stdout(), err: io.stderr() };
  }
  const totals = async () =>
    (await db.query<{ total: string }>('SELECT total FROM daily_report ORDER BY day')).map((r) => Number(r.total));
  const swapsSent = async () =>
    Number(
      (
        await db.query<{ n: string }>(
          "SELECT count(*) AS n FROM schemashift.events WHERE step_id = 'replace_materialized_view:daily/swap' AND kind = 'statement'",
        )
      )[0]!.n,
    );
  const exists = async (name: string) =>
    (await db.query<{ e: boolean }>('SELECT to_regclass($1) IS NOT NULL AS e', [name]))[0]!.e;

  it('a swap blocked by a reader of the dependent rolls back whole; the next run finishes; one more does nothing', async () => {
    const reader = new pg.Client({ connectionString: db.url! });
    await reader.connect();
    await reader.query('BEGIN');
    await reader.query('SELECT * FROM daily_report');
    const blocked = await cli('run', '--phase', 'expand', '--yes');
    await reader.query('ROLLBACK');
    await reader.end();
    expect(blocked.code, blocked.out + blocked.err).toBe(1);
    expect(blocked.out + blocked.err).toMatch(/lock timeout; blocked by pid \d+ .*: SELECT \* FROM daily_report/);
    expect(await exists('daily__old')).toBe(false);
    expect(await exists('daily__new')).toBe(true);
    expect(await totals()).toEqual([3, 5]);

    const resumed = await cli('run', '--phase', 'expand', '--yes');
    expect(resumed.code, resumed.out + resumed.err).toBe(0);
    expect(await totals()).toEqual([30, 50]);
    expect(await exists('daily__old')).toBe(true);

    const sent = await swapsSent();
    const again = await cli('run', '--phase', 'expand', '--yes');
    expect(again.code, again.out + again.err).toBe(0);
    expect(await totals()).toEqual([30, 50]);
    expect(await swapsSent()).toBe(sent);
  });

  it('rollback carries the dependent back to the old view', async () => {
    expect((await cli('run', '--phase', 'expand', '--yes')).code).toBe(0);
    expect(await totals()).toEqual([30, 50]);
    const back = await cli('rollback', '--yes');
    expect(back.code, back.out + back.err).toBe(0);
    expect(await totals()).toEqual([3, 5]);
    expect(await exists('daily__old')).toBe(false);
    expect(await exists('daily__new')).toBe(false);
  });

  it('contract drops the old view once nothing reads it', async () => {
    const done = await cli('run', '--yes');
    expect(done.code, done.out + done.err).toBe(0);
    expect(await totals()).toEqual([30, 50]);
    expect(await exists('daily__old')).toBe(false);
  });
});
