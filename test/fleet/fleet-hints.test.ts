/**
 * Under a fleet every hint a target prints names the fleet and the target (copyable as is), and the plan
 * is loaded and checked once, before any target connects: a bad plan runs nothing anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, folderWith } from '../cli/cli-support.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const gated = (name: string, column: string) => `name: ${name}
phases:
  expand:
    - add_column:
        table: items
        column: { name: ${column}, type: text }
    - gate: { confirm: "Deploy the new version first" }
`;

const TARGETS = `targets:
  - { name: shard-a, url_env: HINT_SHARD_A_URL }
  - { name: shard-b, url_env: HINT_SHARD_B_URL }
  - { name: shard-c, url_env: HINT_SHARD_C_URL, group: canary }
`;

/** Every `schemashift VERB plan.yaml` the output suggests, with what follows it on its line. */
function suggested(output: string): string[] {
  return [...output.matchAll(/schemashift (?:run|advance|rollback|status) plan\.yaml[^`\n]*/g)].map((m) => m[0]);
}

describe.skipIf(!postgresAdminUrl)('fleet: hints that repeat the fleet, the plan checked once', () => {
  const shards: TestDatabase[] = [];
  let env: NodeJS.ProcessEnv;
  const letters = ['A', 'B', 'C'];

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const db = await createPostgresDatabase('schemashift_fleethint');
      await db.exec('CREATE TABLE items (id int PRIMARY KEY)');
      shards.push(db);
    }
    env = Object.fromEntries(shards.map((db, i) => [`HINT_SHARD_${letters[i]}_URL`, db.url]));
  });
  afterAll(async () => {
    for (const db of shards) await db.close();
  });

  const schemashiftSchemas = async () => {
    const found = await Promise.all(
      shards.map((db) => db.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'schemashift'`)),
    );
    return found.map((rows) => rows.length);
  };

  it('an invalid plan: exit 2 at file:line:col before any target connects; no summary, nothing on any target', async () => {
    const dir = folderWith({
      'plan.yaml': 'name: fleet-bad\nphases:\n  expand:\n    - add_column:\n        table: items\n        colum: {}\n',
      'targets.yaml': TARGETS,
    });
    for (const verb of ['run', 'advance', 'rollback']) {
      const result = await cli([verb, 'plan.yaml', '--targets', 'targets.yaml', '--yes'], { cwd: dir, env });
      expect(result.code, verb).toBe(2);
      expect(result.stderr, verb).toMatch(/^plan\.yaml:\d+:\d+: error: /m);
      expect(result.stderr + result.stdout, verb).not.toContain('[shard-');
      expect(result.stdout, verb).toBe('');
    }
    const status = await cli(['status', 'plan.yaml', '--targets', 'targets.yaml'], { cwd: dir, env });
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/^plan\.yaml:\d+:\d+: error: /m);
    expect(status.stdout).toBe('');
    expect(await schemashiftSchemas()).toEqual([0, 0, 0]);
  });

  it('a plan for another database than one target: refused for the fleet before the canary runs', async () => {
    const dir = folderWith({ 'plan.yaml': gated('fleet-mssql', 'never'), 'targets.yaml': TARGETS });
    const result = await cli(['run', 'plan.yaml', '--targets', 'targets.yaml', '--yes'], {
      cwd: dir,
      env: { ...env, HINT_SHARD_B_URL: 'mssql://sa:Secr3t@127.0.0.1:1/shop' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is a SQL Server database: nothing was run');
    expect(result.stderr + result.stdout).not.toContain('Secr3t');
    expect(result.stdout).toBe('');
    expect(await schemashiftSchemas()).toEqual([0, 0, 0]);
  });

  it('a blue/green plan is refused over a fleet before any target connects (one green cannot take every shard)', async () => {
    const plan = `name: fleet-bluegreen
phases:
  expand:
    - replicate: { tables: [items], green: { url_env: FLEET_GREEN_URL }, blue: { url_env: FLEET_BLUE_URL } }
`;
    const dir = folderWith({ 'plan.yaml': plan, 'targets.yaml': TARGETS });
    const vars = { ...env, FLEET_GREEN_URL: shards[0]!.url, FLEET_BLUE_URL: shards[1]!.url };
    for (const verb of ['run', 'rollback']) {
      const result = await cli([verb, 'plan.yaml', '--targets', 'targets.yaml', '--yes'], { cwd: dir, env: vars });
      expect(result.code, verb).toBe(2);
      expect(result.stderr, verb).toContain('a blue/green plan (replicate) moves one database to one green');
      expect(result.stdout, verb).toBe('');
    }
    expect(await schemashiftSchemas()).toEqual([0, 0, 0]);
  });

  it('stopped at a gate: each target says `--targets targets.yaml --target NAME`, the fleet says the fleet command', async () => {
    const dir = folderWith({ 'plan.yaml': gated('fleet-hints', 'note'), 'targets.yaml': TARGETS });
    const result = await cli(['run', 'plan.yaml', '--targets', 'targets.yaml'], { cwd: dir, env });
    expect(result.code).toBe(0);
    const hints = suggested(result.stdout + result.stderr);
    expect(hints.length).toBeGreaterThanOrEqual(4);
    for (const hint of hints) expect(hint).toMatch(/^schemashift \w+ plan\.yaml --targets targets\.yaml /);
    for (const name of ['shard-a', 'shard-b', 'shard-c'])
      expect(result.stdout).toContain(
        `[${name}]   to continue: schemashift run plan.yaml --targets targets.yaml --target ${name} --yes`,
      );
    const fleetLine = /^next, for every target: (.*)$/m.exec(result.stdout)?.[1];
    expect(fleetLine).toBe('schemashift run plan.yaml --targets targets.yaml --yes');
    // Copied as printed, it finishes the fleet.
    const again = await cli((fleetLine as string).split(' ').slice(1), { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^shard-a\s+-\s+done\s+0$/m);
  });

  it('one target copied from its hint runs that target only', async () => {
    const dir = folderWith({ 'plan.yaml': gated('fleet-hints-2', 'tag'), 'targets.yaml': TARGETS });
    const first = await cli(['run', 'plan.yaml', '--targets', 'targets.yaml'], { cwd: dir, env });
    const hint = /\[shard-b\]\s+to continue: (schemashift .*)$/m.exec(first.stdout)?.[1] as string;
    expect(hint).toBe('schemashift run plan.yaml --targets targets.yaml --target shard-b --yes');
    const one = await cli(hint.split(' ').slice(1), { cwd: dir, env });
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^shard-b\s+-\s+done\s+0$/m);
    expect(one.stdout).not.toMatch(/^shard-a\s/m);
    expect(one.stdout).not.toContain('next, for every target');
  });

  it('after a failure the fleet prints the fleet command to run again (with --only kept)', async () => {
    const dir = folderWith({
      'plan.yaml':
        'name: fleet-hints-3\nphases:\n  expand:\n    - add_column:\n        table: items\n        column: { name: flag, type: text }\n',
      'targets.yaml': TARGETS,
    });
    await (shards[2] as TestDatabase).exec('ALTER TABLE items ADD COLUMN flag integer');
    try {
      const result = await cli(['run', 'plan.yaml', '--targets', 'targets.yaml', '--only', 'canary', '--yes'], {
        cwd: dir,
        env,
      });
      expect(result.code).toBe(2);
      expect(result.stdout).toContain(
        'fix the cause, then run again: `schemashift run plan.yaml --targets targets.yaml --only canary` continues',
      );
      for (const hint of suggested(result.stdout + result.stderr))
        expect(hint).toMatch(/^schemashift \w+ plan\.yaml --targets targets\.yaml /);
    } finally {
      await (shards[2] as TestDatabase).exec('ALTER TABLE items DROP COLUMN flag');
    }
  });
});
