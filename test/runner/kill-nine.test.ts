/**
 * The resumability guarantee: a runner killed with SIGKILL at random instants across the whole
 * rename plan (≥ 100k rows), each time followed by another `run`, ends with exactly the schema and
 * rows of an uninterrupted run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { readFileSync } from 'node:fs';
import { runCli, startCli, writePlan, type Running } from './cli-process.js';
import { seedOrders, sleep } from './seed.js';
import { snapshotSchema, tableDigest } from './snapshot.js';

// The example plan with smaller batches, so that the backfill spans enough time for every kill to land in work.
const PLAN = writePlan(
  readFileSync('plans/rename-orders-client-id.yaml', 'utf8').replace(
    'batch: { size: 5000, delay: 20ms, target_ms: 200 }',
    'batch: { size: 500, delay: 20ms }',
  ),
);
const ROWS = 100_000;
const KILLS = 14;

type StepState = { status: string; attempts: number };

async function stepState(db: TestDatabase, stepId: string): Promise<StepState | undefined> {
  const rows = await db
    .query<StepState>('SELECT status, attempts FROM schemashift.steps WHERE step_id = $1', [stepId])
    .catch(() => []);
  return rows[0];
}

/** Until this run has started the step (its attempts went up) or the step is done. */
async function reached(db: TestDatabase, stepId: string, run: Running): Promise<void> {
  const before = (await stepState(db, stepId))?.attempts ?? 0;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && run.child.exitCode === null) {
    const now = await stepState(db, stepId);
    if (now && (now.status === 'done' || now.attempts > before)) return;
    await sleep(5);
  }
}

describe.skipIf(!postgresAdminUrl)('kill -9 at random instants (real PostgreSQL)', () => {
  let reference: TestDatabase;
  let faulted: TestDatabase;
  beforeAll(async () => {
    reference = await createPostgresDatabase('schemashift_ref');
    faulted = await createPostgresDatabase('schemashift_kill');
    await seedOrders(reference, ROWS);
    await seedOrders(faulted, ROWS);
  });
  afterAll(async () => {
    await reference?.close();
    await faulted?.close();
  });

  it(`${KILLS} kills, then run: same schema and rows as an uninterrupted run`, async () => {
    const clean = await runCli(['run', PLAN, '--yes', '--database', reference.url!]);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);

    let seed = Date.now() % 2147483647;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    // Each kill targets a random step of the plan (in plan order, so the kills walk through it):
    // wait until that step is running (or past), then kill after a random few milliseconds.
    const steps = (
      await reference.query<{ step_id: string }>('SELECT step_id FROM schemashift.steps ORDER BY ordinal')
    ).map((r) => r.step_id);
    const targets = Array.from({ length: KILLS }, () => Math.floor(random() * steps.length)).sort((a, b) => a - b);
    const killedAt: string[] = [];
    for (const target of targets) {
      const run = startCli(['run', PLAN, '--yes', '--database', faulted.url!]);
      await reached(faulted, steps[target]!, run);
      const delay = Math.round(random() * 40);
      await sleep(delay);
      const killed = run.child.kill('SIGKILL');
      const result = await run.done;
      const [where] = await faulted
        .query<{ at: string }>(
          "SELECT CASE WHEN status = 'running' THEN 'in ' ELSE 'after ' END || step_id AS at FROM schemashift.steps WHERE status IN ('running', 'done') ORDER BY status = 'running' DESC, finished_at DESC NULLS LAST LIMIT 1",
        )
        .catch(() => []);
      killedAt.push(
        `${delay}ms:${killed && result.signal === 'SIGKILL' ? `killed[${where?.at ?? 'before any step'}]` : `finished(${result.code})`}`,
      );
      expect([null, 0], `${result.stdout}\n${result.stderr}`).toContain(result.code);
    }
    const final = await runCli(['run', PLAN, '--yes', '--database', faulted.url!]);
    expect(final.code, `kills: ${killedAt.join(' ')}\n${final.stdout}\n${final.stderr}`).toBe(0);
    expect(killedAt.filter((k) => k.includes(':killed')).length, killedAt.join(' ')).toBeGreaterThanOrEqual(10);
    console.log(`kill -9 instants: ${killedAt.join(' ')}`);

    expect(await snapshotSchema(faulted)).toEqual(await snapshotSchema(reference));
    expect(await tableDigest(faulted, 'orders')).toEqual(await tableDigest(reference, 'orders'));
    const [state] = await faulted.query<{ status: string }>(`SELECT status FROM schemashift.runs`);
    expect(state?.status).toBe('done');
  }, 240_000);
});
