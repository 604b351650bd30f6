/**
 * kill -9 of the runner (the built CLI, a child process) in the middle of replicate, and while the
 * switch holds blue's tables locked: `run` again finishes, and ends as an uninterrupted run does.
 * Needs `npm run build` (dist/).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../runner/cli-process.js';
import { logicalClusterUnavailable } from '../support/logical-cluster.js';
import { DB, planText, replicationObjects, rowsOf, startPair, type Pair } from './bluegreen-support.js';

const unavailable = logicalClusterUnavailable() ?? (existsSync('dist/cli/main.js') ? null : 'dist/ is not built');
if (unavailable) console.warn(`blue/green kill -9 tests skipped: ${unavailable}`);

async function until(check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(unavailable !== null)('blue/green: kill -9 of the runner, then run again', () => {
  let pair: Pair;
  const plan = planText('bg_kill', '1h').replace('quiet: 1s', 'quiet: 3s');
  const child = (args: string[]) =>
    startCli([...args, join(pair.dir, 'plan.yaml'), '--database', pair.blue.url(DB)], pair.env);

  beforeAll(async () => {
    pair = await startPair(plan);
  }, 120_000);
  afterAll(async () => pair?.stop());

  it('killed once blue has the publication, replicate finishes on the next run', async () => {
    const running = child(['advance', '--yes']);
    await until(async () => (await replicationObjects(pair.blue)).includes('publication ss_fwd_bg_kill'));
    running.child.kill('SIGKILL');
    const killed = await running.done;
    expect(killed.signal).toBe('SIGKILL');
    const again = await pair.run(['advance', '--yes']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    // A table-copy slot (pg_<oid>_sync_…) may still be there while the initial copy runs: it goes by itself.
    const blue = (await replicationObjects(pair.blue)).filter((o) => !/^slot pg_\d+_sync_/.test(o));
    expect(blue).toEqual(['publication ss_fwd_bg_kill', 'slot ss_fwd_bg_kill']);
    expect(await replicationObjects(pair.green)).toEqual(['subscription ss_fwd_bg_kill']);
  }, 180_000);

  it('killed while the switch holds blue’s tables, the switch finishes on the next run', async () => {
    const gate = await pair.run(['run']);
    expect(gate.stdout, gate.stderr).toMatch(/stopped at a gate: Switch to green/);
    const running = child(['advance', '--yes']);
    await until(
      async () =>
        (
          await pair.blue.sql(
            DB,
            `SELECT 1 FROM pg_locks WHERE mode = 'ShareRowExclusiveLock' AND granted AND relation = 'orders'::regclass`,
          )
        ).length > 0,
    );
    running.child.kill('SIGKILL');
    await running.done;
    const again = await pair.run(['advance', '--yes']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(await rowsOf(pair.green, 'orders')).toBe(await rowsOf(pair.blue, 'orders'));
    // The forward publication (no slot: it holds no WAL) goes at drop_replication.
    expect(await replicationObjects(pair.blue)).toEqual(['publication ss_fwd_bg_kill', 'subscription ss_rev_bg_kill']);
    expect(await replicationObjects(pair.green)).toEqual(['publication ss_rev_bg_kill', 'slot ss_rev_bg_kill']);
    await expect(pair.blue.sql(DB, `INSERT INTO customers (name) VALUES ('x')`)).rejects.toThrow(/switched to green/);
  }, 180_000);

  it('contract stops (exit 0, like a gate) while blue is kept as a rollback target, and drops nothing', async () => {
    const result = await pair.run(['run', '--yes']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/stopped at a gate: blue is kept as a rollback target until \d{4}-\d\d-\d\dT/);
    expect(result.stdout).toMatch(/to continue: run contract \(`advance`\) after \d{4}-/);
    expect(result.stdout).toContain('shorten keep_blue');
    expect(await replicationObjects(pair.blue)).toEqual(['publication ss_fwd_bg_kill', 'subscription ss_rev_bg_kill']);
  }, 60_000);
});
