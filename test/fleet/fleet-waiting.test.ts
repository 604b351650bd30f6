/**
 * A fleet whose plan waits (`after:`) for a plan that has not got far enough on a target: that target is
 * `waiting`, not failed, and every hint names the fleet and the target (copyable as printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, folderWith } from '../cli/cli-support.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const ADD_EMAIL = `name: add-email
phases:
  expand:
    - add_column: { table: items, column: { name: email, type: text } }
`;

const ADD_PHONE = `name: add-phone
after: [{ plan: add-email, phase: expand }]
phases:
  expand:
    - add_column: { table: items, column: { name: phone, type: text } }
`;

const TARGETS = `targets:
  - { name: shard-a, url_env: WAIT_SHARD_A_URL }
  - { name: shard-b, url_env: WAIT_SHARD_B_URL }
`;

describe.skipIf(!postgresAdminUrl)('fleet: a target waiting for another plan', () => {
  const shards: TestDatabase[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const db = await createPostgresDatabase('schemashift_fleetwait');
      await db.exec('CREATE TABLE items (id int PRIMARY KEY)');
      shards.push(db);
    }
    env = { WAIT_SHARD_A_URL: shards[0]!.url, WAIT_SHARD_B_URL: shards[1]!.url };
  });
  afterAll(async () => {
    for (const db of shards) await db.close();
  });

  it('waiting, with hints that name the fleet; once add-email ran on that target, it runs', async () => {
    const dir = folderWith({ 'add-email.yaml': ADD_EMAIL, 'add-phone.yaml': ADD_PHONE, 'targets.yaml': TARGETS });
    const first = await cli(['run', 'add-email.yaml', '--targets', 'targets.yaml', '--target', 'shard-a', '--yes'], {
      cwd: dir,
      env,
    });
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const result = await cli(['run', 'add-phone.yaml', '--targets', 'targets.yaml', '--yes'], { cwd: dir, env });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^shard-a\s+-\s+done\s+0$/m);
    expect(result.stdout).toMatch(/^shard-b\s+-\s+waiting: plan add-phone waits for plan add-email/m);
    expect(result.stdout + result.stderr).not.toContain('fix the cause');
    expect(result.stderr).toContain(
      '[shard-b]   help: run plan add-email first (schemashift run <its plan file> --targets targets.yaml --target ' +
        'shard-b), then run add-phone again (schemashift run add-phone.yaml --targets targets.yaml --target shard-b)',
    );
    expect(result.stdout).toContain(
      "1 target(s) wait for another plan (shard-b): move that plan on there first, as each target's help line " +
        'says, then `schemashift run add-phone.yaml --targets targets.yaml` runs them',
    );

    const json = await cli(['run', 'add-phone.yaml', '--targets', 'targets.yaml', '--yes', '--json'], {
      cwd: dir,
      env,
    });
    const doc = JSON.parse(json.stdout.trim().split('\n').pop()!) as {
      targets: { name: string; outcome: string; next?: string }[];
    };
    expect(doc.targets.find((t) => t.name === 'shard-b')).toMatchObject({
      outcome: 'waiting',
      next: expect.stringContaining('--targets targets.yaml --target shard-b') as unknown,
    });

    const emailB = await cli(['run', 'add-email.yaml', '--targets', 'targets.yaml', '--target', 'shard-b', '--yes'], {
      cwd: dir,
      env,
    });
    expect(emailB.code).toBe(0);
    const again = await cli(['run', 'add-phone.yaml', '--targets', 'targets.yaml', '--yes'], { cwd: dir, env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });
});
