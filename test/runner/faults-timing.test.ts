/**
 * The fault tests held to a clock, on real PostgreSQL: behind a lock held by another session the
 * runner never queues other sessions longer than lock_timeout, and a second runner is refused within
 * a second. vitest.config.ts runs this file among the timed files, one at a time.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { runCli, startCli, writePlan } from './cli-process.js';
import { runnerSessionPid, seedOrders, sleep, waitFor } from './seed.js';

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: 'test-session' });
  await c.connect();
  return c;
}

describe.skipIf(!postgresAdminUrl)('runner faults held to a clock (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createPostgresDatabase('schemashift_fault_timing');
    await seedOrders(db, 20_000);
  });
  afterEach(() => db.close());

  it('waits under lock_timeout behind a session holding a lock, names it, never queues other sessions longer than lock_timeout, finishes after it ends', async () => {
    const plan = writePlan(`
name: lock-wait
settings: { lock_timeout: 300ms, lock_retries: 30 }
phases:
  expand:
    - add_column: { table: orders, column: { name: note, type: text } }
`);
    const holder = await client(db.url!);
    const reader = await client(db.url!);
    await holder.query('BEGIN');
    await holder.query('SELECT count(*) FROM orders');
    const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const run = startCli(['run', plan, '--database', db.url!]);
    const latencies: number[] = [];
    // Hold for 3 s and until the runner has retried at least once: a loaded machine can take
    // seconds just to start the CLI.
    const started = Date.now();
    const retried = async () => {
      const exists = (await reader.query<{ ok: boolean }>("SELECT to_regclass('schemashift.events') IS NOT NULL AS ok"))
        .rows[0]!.ok;
      return (
        exists &&
        (await reader.query<{ n: number }>("SELECT count(*)::int AS n FROM schemashift.events WHERE kind = 'retry'"))
          .rows[0]!.n > 0
      );
    };
    while (Date.now() - started < 3000 || (!(await retried()) && Date.now() - started < 45_000)) {
      const t = Date.now();
      await reader.query('SELECT id FROM orders WHERE id = 1');
      latencies.push(Date.now() - t);
      await sleep(20);
    }
    await holder.query('COMMIT');
    const result = await run.done;
    await holder.end();
    await reader.end();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`pid ${holderPid}`);
    expect(result.stdout).toMatch(/retry \d+ in/);
    const worst = Math.max(...latencies);
    console.log(`lock_timeout 300ms: ${latencies.length} reader queries while the DDL waited, worst ${worst}ms`);
    expect(worst, `reader latencies: ${latencies.join(',')}`).toBeLessThan(300 + 250);
    const events = await db.query<{ kind: string; message: string }>(
      "SELECT kind, message FROM schemashift.events WHERE kind IN ('lock-wait', 'retry')",
    );
    expect(events.some((e) => e.kind === 'lock-wait' && e.message.includes(`pid ${holderPid}`))).toBe(true);
    expect(events.some((e) => e.kind === 'retry')).toBe(true);
  });

  it('a second runner exits 3 within a second, naming the holder', async () => {
    const plan = writePlan(`
name: two-runners
phases:
  expand:
    - check: { sql: "SELECT count(*) FROM (SELECT pg_sleep(4)) AS s", expect: 1 }
`);
    const first = startCli(['run', plan, '--database', db.url!]);
    await waitFor('the first runner to hold the lock', () => runnerSessionPid(db));
    const second = await runCli(['run', plan, '--database', db.url!]);
    expect(second.code, second.stderr).toBe(3);
    expect(second.ms).toBeLessThan(1000 + 1500); // 1 s of work on top of node's start-up and plan load
    console.log(`second runner refused with exit 3 after ${second.ms}ms (process start included)`);
    expect(second.stderr).toContain(`pid ${first.child.pid}`);
    expect(second.stderr).toMatch(/since \d{4}-\d\d-\d\dT/);
    expect((await first.done).code).toBe(0);
  });
});
