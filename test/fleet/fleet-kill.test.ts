/**
 * kill -9 of the fleet runner while shards are mid-backfill, then the same fleet command again: every shard
 * ends with the schema and rows of an uninterrupted single-database run (each resumes from its own state).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { runCli, startCli, writePlan } from '../runner/cli-process.js';
import { seedOrders, sleep } from '../runner/seed.js';
import { snapshotSchema, tableDigest } from '../runner/snapshot.js';

const PLAN = writePlan(
  readFileSync('plans/rename-orders-client-id.yaml', 'utf8').replace(
    'batch: { size: 5000, delay: 20ms, target_ms: 200 }',
    'batch: { size: 500, delay: 20ms }',
  ),
);
const TARGETS = join(dirname(PLAN), 'targets.yaml');
writeFileSync(
  TARGETS,
  `targets:
  - { name: shard-0, url_env: KILL_SHARD_0_URL, group: canary }
  - { name: shard-1, url_env: KILL_SHARD_1_URL }
  - { name: shard-2, url_env: KILL_SHARD_2_URL }
`,
);
const ROWS = 20_000;

async function rowsDone(db: TestDatabase): Promise<number> {
  const rows = await db
    .query<{ n: string }>('SELECT coalesce(sum(rows_done), 0) AS n FROM schemashift.steps')
    .catch(() => [{ n: '0' }]);
  return Number(rows[0]?.n ?? 0);
}

describe.skipIf(!postgresAdminUrl)('fleet: kill -9 of the fleet runner, then run again', () => {
  let reference: TestDatabase;
  const shards: TestDatabase[] = [];
  beforeAll(async () => {
    reference = await createPostgresDatabase('schemashift_fleet_ref');
    await seedOrders(reference, ROWS);
    for (let i = 0; i < 3; i++) {
      const db = await createPostgresDatabase('schemashift_fleet_kill');
      await seedOrders(db, ROWS);
      shards.push(db);
    }
  });
  const cleanup: TestDatabase[] = [];
  afterAll(async () => {
    await reference?.close();
    for (const db of [...shards, ...cleanup]) await db.close();
  });

  it('every shard equals an uninterrupted run', async () => {
    const clean = await runCli(['run', PLAN, '--yes', '--database', reference.url as string]);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    const env = Object.fromEntries(shards.map((db, i) => [`KILL_SHARD_${i}_URL`, db.url]));
    const args = ['run', PLAN, '--targets', TARGETS, '--yes', '--concurrency', '2'];
    const running = startCli(args, env);
    // Killed once the non-canary shards are mid-backfill (or when the fleet ends first, which fails below).
    const deadline = Date.now() + 60_000;
    while (
      Date.now() < deadline &&
      running.child.exitCode === null &&
      (await rowsDone(shards[1] as TestDatabase)) < 2000
    )
      await sleep(5);
    expect(running.child.kill('SIGKILL')).toBe(true);
    const killed = await running.done;
    expect(killed.code, killed.stdout).not.toBe(0);
    const backfill = await (shards[1] as TestDatabase).query<{ status: string }>(
      "SELECT status FROM schemashift.steps WHERE step_id = 'backfill:orders.customer_id'",
    );
    expect(backfill).toEqual([{ status: 'running' }]);
    expect(await rowsDone(shards[0] as TestDatabase)).toBe(ROWS);

    const again = await runCli(args, env);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^shard-2\s+-\s+done\s+0$/m);
    const schema = await snapshotSchema(reference);
    const digest = await tableDigest(reference, 'orders');
    for (const db of shards) {
      expect(await snapshotSchema(db)).toEqual(schema);
      expect(await tableDigest(db, 'orders')).toEqual(digest);
    }
  }, 180_000);

  it('Ctrl-C during the canary: it stops at a batch boundary, no other target starts, the summary says so (130)', async () => {
    const fresh: TestDatabase[] = [];
    for (let i = 0; i < 2; i++) {
      const db = await createPostgresDatabase('schemashift_fleet_int');
      await seedOrders(db, ROWS);
      fresh.push(db);
    }
    cleanup.push(...fresh);
    // shard-2 is never reached: its variable points at shard-1's database.
    const env = { KILL_SHARD_0_URL: fresh[0]?.url, KILL_SHARD_1_URL: fresh[1]?.url, KILL_SHARD_2_URL: fresh[1]?.url };
    const running = startCli(['run', PLAN, '--targets', TARGETS, '--yes', '--concurrency', '2'], env);
    const deadline = Date.now() + 60_000;
    while (
      Date.now() < deadline &&
      running.child.exitCode === null &&
      (await rowsDone(fresh[0] as TestDatabase)) < 2000
    )
      await sleep(5);
    expect(running.child.kill('SIGINT')).toBe(true);
    const stopped = await running.done;
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('no new target starts');
    expect(stopped.stdout).toMatch(/^shard-0\s+canary\s+interrupted/m);
    expect(stopped.stdout).toMatch(/^shard-1\s+-\s+not started\s+0$/m);
    expect(await rowsDone(fresh[0] as TestDatabase)).toBeLessThan(ROWS);
    const schemas = await (fresh[1] as TestDatabase).query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'schemashift'",
    );
    expect(schemas).toEqual([{ n: '0' }]);
  }, 180_000);
});
