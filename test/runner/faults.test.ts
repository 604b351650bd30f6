/**
 * Fault tests on real PostgreSQL, each an ordinary test: the runner's backend terminated mid-DDL and
 * mid-backfill, a changed plan, rollback, a failed CREATE INDEX CONCURRENTLY, Ctrl-C, pause and resume.
 * The two held to a clock (a lock held by another session, two runners) are in faults-timing.test.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { runCli, startCli, writePlan } from './cli-process.js';
import { runnerSessionPid, seedOrders, sleep, waitFor } from './seed.js';
import { snapshotSchema, tableDigest } from './snapshot.js';

const RENAME = 'plans/rename-orders-client-id.yaml';

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: 'test-session' });
  await c.connect();
  return c;
}

describe.skipIf(!postgresAdminUrl)('runner faults (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createPostgresDatabase('schemashift_fault');
    await seedOrders(db, 20_000);
  });
  afterEach(() => db.close());

  it('recovers when its backend is terminated mid-DDL (waiting for a lock)', async () => {
    const plan = writePlan(`
name: terminate-ddl
settings: { lock_timeout: 5s, lock_retries: 3 }
phases:
  expand:
    - add_column: { table: orders, column: { name: note, type: text } }
`);
    const holder = await client(db.url!);
    await holder.query('BEGIN');
    await holder.query('SELECT count(*) FROM orders');
    const run = startCli(['run', plan, '--database', db.url!]);
    const waiting = await waitFor('the runner to wait for the lock', async () => {
      const rows = await db.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'schemashift %' AND wait_event_type = 'Lock'",
      );
      return rows[0]?.pid;
    });
    await db.query('SELECT pg_terminate_backend($1)', [waiting]);
    await sleep(300);
    await holder.query('COMMIT');
    await holder.end();
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/lost the database connection/);
    const [col] = await db.query(
      "SELECT 1 AS ok FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'",
    );
    expect(col).toEqual({ ok: 1 });
  });

  it('recovers when its backend is terminated mid-backfill, without losing or repeating a batch', async () => {
    const plan = writePlan(`
name: terminate-backfill
phases:
  expand:
    - add_column: { table: orders, column: { name: doubled, type: bigint } }
  migrate:
    - backfill: { table: orders, set: { doubled: client_id * 2 }, batch: { size: 500, delay: 30ms } }
`);
    const run = startCli(['run', plan, '--database', db.url!]);
    await waitFor('a few batches', async () => {
      const rows = await db
        .query<{ n: string }>("SELECT rows_done AS n FROM schemashift.steps WHERE kind = 'backfill'")
        .catch(() => []);
      return Number(rows[0]?.n ?? 0) >= 2000;
    });
    const pid = await runnerSessionPid(db);
    await db.query('SELECT pg_terminate_backend($1)', [pid]);
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/lost the database connection/);
    const [check] = await db.query<{ wrong: string; total: string }>(
      'SELECT count(*) FILTER (WHERE doubled IS DISTINCT FROM client_id * 2) AS wrong, count(*) AS total FROM orders',
    );
    expect(check).toEqual({ wrong: '0', total: '20000' });
    const [step] = await db.query<{ rows_done: string }>(
      "SELECT rows_done FROM schemashift.steps WHERE kind = 'backfill'",
    );
    expect(Number(step!.rows_done)).toBe(20_000);
  });

  it('refuses a changed plan (exit 2, the differing steps named) unless --accept-drift', async () => {
    const original = readFileSync(RENAME, 'utf8');
    const plan = writePlan(original);
    const first = await runCli(['advance', plan, '--database', db.url!]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    writeFileSync(
      plan,
      original.replace(
        'name: idx_orders_customer_id, columns: [customer_id]',
        'name: idx_orders_customer_id, columns: [customer_id, id]',
      ),
    );
    const drifted = await runCli(['run', plan, '--yes', '--database', db.url!]);
    expect(drifted.code).toBe(2);
    expect(drifted.stderr).toMatch(/changed\s+create_index:idx_orders_customer_id \(line \d+\) — recorded as done/);
    const accepted = await runCli(['run', plan, '--yes', '--accept-drift', '--database', db.url!]);
    expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0);
  });

  it('rollback after expand restores the original schema; after contract started it is refused', async () => {
    const before = await snapshotSchema(db);
    const rows = await tableDigest(db, 'orders');
    expect((await runCli(['advance', RENAME, '--database', db.url!])).code).toBe(0);
    expect(await snapshotSchema(db)).not.toEqual(before);
    const rolled = await runCli(['rollback', RENAME, '--yes', '--database', db.url!]);
    expect(rolled.code, rolled.stdout + rolled.stderr).toBe(0);
    expect(await snapshotSchema(db)).toEqual(before);
    expect(await tableDigest(db, 'orders')).toEqual(rows);

    const done = await runCli(['run', RENAME, '--yes', '--database', db.url!]);
    expect(done.code, done.stdout + done.stderr).toBe(0);
    const refused = await runCli(['rollback', RENAME, '--yes', '--database', db.url!]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/contract has started/);
  });

  it('a failed CREATE INDEX CONCURRENTLY leaves an INVALID index that the next run drops and builds again', async () => {
    await db.exec('UPDATE orders SET status = NULL; UPDATE orders SET client_id = 1 WHERE id <= 2');
    const plan = writePlan(`
name: unique-client
phases:
  expand:
    - create_index: { table: orders, name: idx_orders_client_unique, columns: [client_id], unique: true }
`);
    const failed = await runCli(['run', plan, '--database', db.url!]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/could not create unique index/);
    const [invalid] = await db.query<{ indisvalid: boolean }>(
      "SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_orders_client_unique'::regclass",
    );
    expect(invalid).toEqual({ indisvalid: false });
    await db.exec('UPDATE orders SET client_id = id + 1000000');
    const fixed = await runCli(['run', plan, '--database', db.url!]);
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
    expect(fixed.stdout).toMatch(/INVALID/);
    const [valid] = await db.query<{ indisvalid: boolean }>(
      "SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_orders_client_unique'::regclass",
    );
    expect(valid).toEqual({ indisvalid: true });
  });

  it('Ctrl-C stops after the current batch, records "interrupted" (exit 130), and run resumes exactly there', async () => {
    const plan = writePlan(`
name: interrupt
phases:
  expand:
    - add_column: { table: orders, column: { name: tripled, type: bigint } }
  migrate:
    - backfill: { table: orders, set: { tripled: client_id * 3 }, batch: { size: 200, delay: 30ms } }
`);
    const run = startCli(['run', plan, '--database', db.url!]);
    await waitFor('a few batches', async () => {
      const rows = await db
        .query<{ n: string }>("SELECT rows_done AS n FROM schemashift.steps WHERE kind = 'backfill'")
        .catch(() => []);
      return Number(rows[0]?.n ?? 0) >= 1000;
    });
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(130);
    const [step] = await db.query<{ status: string; rows_done: string }>(
      "SELECT status, rows_done FROM schemashift.steps WHERE kind = 'backfill'",
    );
    expect(step!.status).toBe('interrupted');
    const [done] = await db.query<{ n: string }>('SELECT count(*) AS n FROM orders WHERE tripled IS NOT NULL');
    expect(done!.n).toBe(step!.rows_done);
    const status = await runCli(['status', plan, '--database', db.url!]);
    expect(status.stdout).toMatch(/interrupted/);
    const resumed = await runCli(['run', plan, '--database', db.url!]);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const [check] = await db.query<{ wrong: string }>(
      'SELECT count(*) FILTER (WHERE tripled IS DISTINCT FROM client_id * 3) AS wrong FROM orders',
    );
    expect(check!.wrong).toBe('0');
  });

  it('pause and resume from another terminal act on a running backfill at its next batch boundary', async () => {
    const plan = writePlan(`
name: pausable
phases:
  expand:
    - add_column: { table: orders, column: { name: halved, type: bigint } }
  migrate:
    - backfill: { table: orders, set: { halved: client_id / 2 }, batch: { size: 200, max_rows_per_second: 4000 } }
`);
    const run = startCli(['run', plan, '--database', db.url!]);
    await waitFor('the backfill to start', async () => {
      const rows = await db
        .query<{ n: string }>("SELECT rows_done AS n FROM schemashift.steps WHERE kind = 'backfill'")
        .catch(() => []);
      return Number(rows[0]?.n ?? 0) > 0;
    });
    const paused = await runCli(['pause', plan, '--database', db.url!]);
    expect(paused.code).toBe(0);
    const held = await waitFor('the backfill to report the pause', async () => {
      const rows = await db.query<{ waiting_on: string | null; rows_done: string }>(
        "SELECT waiting_on, rows_done FROM schemashift.steps WHERE kind = 'backfill'",
      );
      return rows[0]?.waiting_on?.startsWith('paused by') ? rows[0] : undefined;
    });
    await sleep(600);
    const [still] = await db.query<{ rows_done: string }>(
      "SELECT rows_done FROM schemashift.steps WHERE kind = 'backfill'",
    );
    expect(still!.rows_done).toBe(held.rows_done);
    const status = await runCli(['status', plan, '--database', db.url!]);
    expect(status.stdout).toMatch(/paused by/);
    expect((await runCli(['resume', plan, '--database', db.url!])).code).toBe(0);
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/waiting: paused by/);
  });
});
