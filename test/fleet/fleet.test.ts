/** A plan over a fleet of three real PostgreSQL databases: canary first, a halt on failure, resume, status. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, folderWith } from '../cli/cli-support.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const PLAN = `name: fleet-add-note
phases:
  expand:
    - add_column:
        table: items
        column: { name: note, type: text }
`;

const TARGETS = `targets:
  - { name: shard-1, url_env: FLEET_SHARD_1_URL }
  - { name: shard-2, url_env: FLEET_SHARD_2_URL }
  - { name: shard-3, url_env: FLEET_SHARD_3_URL }
  - { name: shard-0, url_env: FLEET_SHARD_0_URL, group: canary }
`;

interface RunTimes {
  started_at: Date;
  finished_at: Date | null;
}

describe.skipIf(!postgresAdminUrl)('fleet: run, status and their refusals over three databases', () => {
  const shards: TestDatabase[] = [];
  let env: NodeJS.ProcessEnv;
  let dir: string;
  const names = ['shard-0', 'shard-1', 'shard-2', 'shard-3'];

  beforeAll(async () => {
    for (let i = 0; i < 4; i++) {
      const db = await createPostgresDatabase('schemashift_fleet');
      await db.exec('CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items VALUES (1), (2)');
      shards.push(db);
    }
    env = Object.fromEntries(shards.map((db, i) => [`FLEET_SHARD_${i}_URL`, db.url]));
    dir = folderWith({ 'plan.yaml': PLAN, 'targets.yaml': TARGETS });
  });
  afterAll(async () => {
    for (const db of shards) await db.close();
  });

  const shard = (i: number) => shards[i] as TestDatabase;
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    cli(['run', 'plan.yaml', '--targets', 'targets.yaml', '--yes', ...args], { cwd: dir, env: { ...env, ...extra } });
  const columnType = async (i: number) =>
    (
      await shard(i).query<{ data_type: string }>(
        `SELECT data_type FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'note'`,
      )
    )[0]?.data_type;
  const runTimes = async (i: number) =>
    (await shard(i).query<RunTimes>(`SELECT started_at, finished_at FROM schemashift.runs`))[0];

  it('a conflict on shard-2 fails it after the canary finished; shard-3 is not started; the summary names both', async () => {
    await shard(2).exec('ALTER TABLE items ADD COLUMN note integer');
    const result = await run([]);
    // The single-database run refuses to take over an object it did not create with exit 2; the fleet's is the worst.
    expect(result.code).toBe(2);
    const line = (name: string) => result.stdout.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';
    expect(line('shard-0')).toMatch(/canary\s+done\s+0$/);
    expect(line('shard-1')).toMatch(/-\s+done\s+0$/);
    expect(line('shard-2')).toMatch(/failed: column items\.note already exists.*\s2$/);
    expect(line('shard-3')).toMatch(/not started\s+0$/);
    expect(result.stdout).toContain('[shard-2] ✖ add_column:items.note');
    expect(await columnType(3)).toBeUndefined();
    expect(await shard(3).query(`SELECT 1 FROM pg_namespace WHERE nspname = 'schemashift'`)).toEqual([]);
    const canary = await runTimes(0);
    const first = await runTimes(1);
    expect(canary?.finished_at).not.toBeNull();
    expect((canary?.finished_at as Date).getTime()).toBeLessThanOrEqual((first?.started_at as Date).getTime());
  });

  it('after the conflict is dropped a re-run finishes every target, and they end equal', async () => {
    await shard(2).exec('ALTER TABLE items DROP COLUMN note');
    const result = await run(['--concurrency', '2', '--json']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop() as string) as {
      targets: { name: string; outcome: string; exit_code: number }[];
    };
    expect(summary.targets.map((t) => [t.name, t.outcome, t.exit_code])).toEqual(
      ['shard-1', 'shard-2', 'shard-3', 'shard-0'].map((n) => [n, 'done', 0]),
    );
    for (let i = 0; i < 4; i++) expect(await columnType(i)).toBe('text');
  });

  it('status --targets: one table and one JSON document, each target read from its own database', async () => {
    const text = await cli(['status', '--targets', 'targets.yaml'], { cwd: dir, env });
    expect(text.code).toBe(0);
    for (const name of names) expect(text.stdout).toMatch(new RegExp(`^${name}\\s.*fleet-add-note\\s+done\\s`, 'm'));
    const json = await cli(['status', 'plan.yaml', '--targets', 'targets.yaml', '--json'], {
      cwd: dir,
      env: { ...env, FLEET_SHARD_3_URL: 'postgres://nobody:s3cret@127.0.0.1:1/nowhere' },
    });
    expect(json.code).toBe(4);
    expect(json.stdout).not.toContain('s3cret');
    const doc = JSON.parse(json.stdout) as {
      targets: { name: string; status: string; error?: string; plans: { name: string }[] }[];
    };
    expect(doc.targets.map((t) => [t.name, t.status])).toEqual([
      ['shard-1', 'done'],
      ['shard-2', 'done'],
      ['shard-3', 'unreachable'],
      ['shard-0', 'done'],
    ]);
    expect(doc.targets[0]?.plans[0]?.name).toBe('fleet-add-note');
    expect(doc.targets[2]?.error).toBeTruthy();
  });

  it('--target-index and --target pick one target; --only a group', async () => {
    const one = await run(['--target-index', '3']);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^shard-0\s+canary\s+done\s+0$/m);
    expect(one.stdout).not.toMatch(/^shard-1\s/m);
    expect((await run(['--target', 'shard-2'])).stdout).toMatch(/^shard-2\s+-\s+done\s+0$/m);
    expect((await run(['--target-index', '9'])).code).toBe(2);
    expect((await run(['--only', 'eu'])).code).toBe(2);
  });

  it('a bad targets file: exit 2 with file:line:col, nothing run', async () => {
    const bad = folderWith({
      'plan.yaml': PLAN,
      'targets.yaml': 'targets:\n  - { name: a, url_env: A_URL }\n  - { name: b, url: "postgres://x" }\n',
    });
    const result = await cli(['run', 'plan.yaml', '--targets', 'targets.yaml', '--yes'], { cwd: bad, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/targets\.yaml:3:\d+: error: /);
    const dup = folderWith({
      'plan.yaml': PLAN,
      'targets.yaml': 'targets:\n  - { name: a, url_env: A_URL }\n  - { name: a, url_env: B_URL }\n',
    });
    const twice = await cli(['status', '--targets', 'targets.yaml'], { cwd: dup, env });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/targets\.yaml:3:\d+: error: target name 'a' is used twice/);
  });

  it('a missing environment variable: exit 2 naming it, nothing run', async () => {
    const { FLEET_SHARD_2_URL: _dropped, ...partial } = env;
    const result = await cli(['run', 'plan.yaml', '--targets', 'targets.yaml', '--yes'], { cwd: dir, env: partial });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('FLEET_SHARD_2_URL (target shard-2)');
    expect(result.stdout).toBe('');
  });

  it('refused before any target runs: an odd --target-index, a malformed URL, --replica', async () => {
    // The canary (shard-0) would run first: its event log must not grow.
    const events = () => shard(0).query<{ n: string }>('SELECT count(*) AS n FROM schemashift.events');
    const before = await events();
    for (const index of ['', ' 1', '1e0', '-0']) expect((await run(['--target-index', index])).code, index).toBe(2);
    const malformed = await run([], { FLEET_SHARD_2_URL: 'postgres//nowhere:S3cret@' });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('FLEET_SHARD_2_URL (target shard-2)');
    expect(malformed.stdout + malformed.stderr).not.toContain('S3cret');
    const replica = await run(['--replica', String(shard(1).url)]);
    expect(replica.code).toBe(2);
    expect(replica.stderr).toContain('--replica with --targets');
    expect(await events()).toEqual(before);
  });

  it('a fleet selector without --targets is refused', async () => {
    const result = await cli(['run', 'plan.yaml', '--only', 'canary'], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--only only means something with --targets');
  });

  it('rollback --targets undoes the plan on every target, canary first', async () => {
    const result = await cli(['rollback', 'plan.yaml', '--targets', 'targets.yaml', '--yes', '--json'], {
      cwd: dir,
      env,
    });
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout.trim()) as { targets: { name: string; outcome: string }[] };
    expect(summary.targets.map((t) => t.outcome)).toEqual(['rolled back', 'rolled back', 'rolled back', 'rolled back']);
    for (let i = 0; i < 4; i++) expect(await columnType(i)).toBeUndefined();
  });

  it('without --yes and no terminal, every target stops at the gate, as run does', async () => {
    const gated = folderWith({
      'plan.yaml': 'name: fleet-gate\nphases:\n  expand:\n    - gate: { confirm: "Deploy the new version first" }\n',
      'targets.yaml': TARGETS,
    });
    const result = await cli(['run', 'plan.yaml', '--targets', 'targets.yaml', '--concurrency', '3'], {
      cwd: gated,
      env,
    });
    expect(result.code).toBe(0);
    for (const name of names)
      expect(result.stdout).toMatch(
        new RegExp(`^${name}\\s.*stopped at gate: Deploy the new version first\\s+0$`, 'm'),
      );
    const status = await shard(1).query<{ status: string }>(
      `SELECT status FROM schemashift.runs WHERE plan_name = 'fleet-gate'`,
    );
    expect(status).toEqual([{ status: 'at_gate' }]);
  });
});
