/**
 * flag_rollout through the built CLI against real PostgreSQL: a guard that fails mid-rollout
 * (exit 1, flag at 0%, `status` says why) and a runner killed with SIGKILL during a hold (the next
 * run resumes that hold instead of starting it again). Needs `npm run build`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { runCli, startCli, writePlan } from './cli-process.js';
import { sleep, waitFor } from './seed.js';
import { parseFlagsJson } from '../support/flags-json.js';

interface Checkpoint {
  stage: number | null;
  percent?: number;
  holdStartedAt?: string;
}

async function checkpoint(db: TestDatabase, plan: string): Promise<Checkpoint | undefined> {
  const rows = await db
    .query<{ checkpoint: Checkpoint | null }>(
      "SELECT checkpoint FROM schemashift.steps WHERE plan_name = $1 AND step_id = 'roll'",
      [plan],
    )
    .catch(() => []);
  return rows[0]?.checkpoint ?? undefined;
}

async function eventData(db: TestDatabase, plan: string, kind: string): Promise<Record<string, string | number>[]> {
  return (
    await db.query<{ data: Record<string, string | number> }>(
      'SELECT data FROM schemashift.events WHERE plan_name = $1 AND kind = $2 ORDER BY id',
      [plan, kind],
    )
  ).map((r) => r.data);
}

describe.skipIf(!postgresAdminUrl)('flag_rollout through the CLI (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_rollout');
  });
  afterAll(async () => db?.close());

  it('a guard that starts failing during a hold: flag back to 0%, run exits 1, status shows the reason', async () => {
    await db.exec('CREATE TABLE rollout_health (errors int NOT NULL); INSERT INTO rollout_health VALUES (0);');
    const plan = writePlan(`name: guarded
phases:
  migrate:
    - id: roll
      flag_rollout:
        flag: UseNewCustomerIdColumn
        stages: [10, 50, 100]
        hold: 3s
        guard: { sql: "SELECT errors FROM rollout_health", max: 0 }
`);
    const run = startCli(['run', plan, '--yes', '--database', db.url!]);
    await waitFor(
      'stage 50%',
      async () => (await checkpoint(db, 'guarded'))?.stage === 1 || run.child.exitCode !== null,
    );
    await db.exec('UPDATE rollout_health SET errors = 3');
    const result = await run.done;
    const reason = 'guard returned 3 > 0 at stage 50%: SELECT errors FROM rollout_health';
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toContain(`step roll failed: ${reason}`);
    const [row] = await db.query<{
      definition: {
        enabled: boolean;
        conditions: { client_filters: { parameters: { Audience: { DefaultRolloutPercentage: number } } }[] };
      };
    }>("SELECT definition FROM schemashift.feature_flags WHERE id = 'UseNewCustomerIdColumn'");
    expect(row!.definition.enabled).toBe(false);
    expect(row!.definition.conditions.client_filters[0]!.parameters.Audience.DefaultRolloutPercentage).toBe(0);

    const status = await runCli(['status', plan, '--database', db.url!]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`✖ roll`);
    expect(status.stdout).toContain(`flag UseNewCustomerIdColumn at 0% — ${reason}`);
    expect(status.stdout).toContain(`next: step roll failed: ${reason}`);
    const json = JSON.parse((await runCli(['status', plan, '--json', '--database', db.url!])).stdout) as {
      plans: [{ steps: [{ flag: unknown }] }];
    };
    expect(json.plans[0].steps[0].flag).toEqual({
      flag: 'UseNewCustomerIdColumn',
      store: 'table schemashift.feature_flags',
      percent: 0,
      present: true,
    });
  });

  it('kill -9 during a hold (3s, killed after ~1s): the next run resumes that hold and finishes the rollout', async () => {
    const flagsFile = join(mkdtempSync(join(tmpdir(), 'schemashift-kill-flags-')), 'feature-flags.json');
    const plan = writePlan(`name: killed-hold
phases:
  migrate:
    - id: roll
      flag_rollout: { flag: Killed, stages: [10, 100], hold: 3s }
`);
    const args = ['run', plan, '--yes', '--database', db.url!, '--flags-file', flagsFile];
    const first = startCli(args);
    const held = await waitFor('the hold at 10%', async () => (await checkpoint(db, 'killed-hold'))?.holdStartedAt);
    await sleep(Math.max(0, Date.parse(held) + 1000 - Date.now()));
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    expect(await checkpoint(db, 'killed-hold')).toMatchObject({ stage: 0, percent: 10, holdStartedAt: held });
    expect(
      parseFlagsJson(readFileSync(flagsFile, 'utf8')).feature_management.feature_flags[0].conditions.client_filters[0]
        .parameters.Audience.DefaultRolloutPercentage,
    ).toBe(10);

    const second = await runCli(args);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const [resumed] = await eventData(db, 'killed-hold', 'flag-resume');
    expect(resumed).toMatchObject({ holdStartedAt: held });
    const stages = await eventData(db, 'killed-hold', 'flag-stage');
    expect(stages.map((s) => s.percent)).toEqual([10, 100]);
    const heldMs = Date.parse(stages[1]!.holdStartedAt as string) - Date.parse(held);
    const resumedAfterMs = Date.parse(resumed!.resumedAt as string) - Date.parse(held);
    console.log(
      `kill -9 in a 3s hold: resumed ${resumedAfterMs}ms after the hold began; 10% held ${heldMs}ms in total (a restarted hold would be ≥ ${resumedAfterMs + 3000}ms)`,
    );
    expect(heldMs).toBeGreaterThanOrEqual(3000);
    // A restarted hold would end 3 s after the resume; a resumed one ends at the original deadline (or at once if already past).
    expect(heldMs).toBeLessThan(Math.max(3000, resumedAfterMs) + 1500);
    expect(
      parseFlagsJson(readFileSync(flagsFile, 'utf8')).feature_management.feature_flags[0].conditions.client_filters[0]
        .parameters.Audience.DefaultRolloutPercentage,
    ).toBe(100);
  });
});
