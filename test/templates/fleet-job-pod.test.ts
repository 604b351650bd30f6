/**
 * What a pod of the fleet Jobs prints: their exact command (from the YAML) run against real databases
 * shows each target's progress as human lines prefixed `[name] `, then the summary — not one JSON
 * document at the end, which would hide a running target's progress from `kubectl logs`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { TEMPLATES_DIR } from '../../src/cli/new-command.js';
import { cli, emptyDir } from '../cli/cli-support.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

interface Job {
  spec: { template: { spec: { containers: { command: string[]; env: { name: string; value?: string }[] }[] } } };
}

const PLAN = `name: fleet-pod-log
phases:
  expand:
    - add_column:
        table: items
        column: { name: note, type: text }
`;

function podCommand(file: string, index: string): { args: string[]; env: Record<string, string> } {
  const job = YAML.parse(readFileSync(join(TEMPLATES_DIR, 'k8s', file), 'utf8')) as Job;
  const container = job.spec.template.spec.containers[0] as Job['spec']['template']['spec']['containers'][0];
  const env = Object.fromEntries(container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
  const args = container.command
    .slice(1)
    .map((a) => (a === '$(JOB_COMPLETION_INDEX)' ? index : a === '/config/targets.yaml' ? 'targets.yaml' : a));
  return { args, env: env as Record<string, string> };
}

describe.skipIf(!postgresAdminUrl)('the fleet Jobs’ pods log human lines per target', () => {
  const shards: TestDatabase[] = [];
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const db = await createPostgresDatabase('schemashift_fleetpod');
      await db.exec('CREATE TABLE items (id int PRIMARY KEY)');
      shards.push(db);
    }
    dir = emptyDir();
    mkdirSync(join(dir, 'plans'));
    const { args } = podCommand('fleet-advance-indexed-job.yaml', '0');
    writeFileSync(join(dir, args[1] as string), PLAN);
    writeFileSync(join(dir, 'targets.yaml'), readFileSync(join(TEMPLATES_DIR, 'k8s', 'targets.example.yaml')));
    env = Object.fromEntries(shards.map((db, i) => [`SHARD_${i + 1}_URL`, db.url as string]));
  });
  afterAll(async () => {
    for (const db of shards) await db.close();
  });

  it.each([
    ['fleet-advance-canary-job.yaml', 'shard-1', /^shard-1\s+canary\s+done\s+0$/m],
    ['fleet-advance-indexed-job.yaml', 'shard-3', /^shard-3\s+-\s+done\s+0$/m],
  ])('%s: [%s] progress lines, then the summary', async (file, name, summary) => {
    const { args, env: podEnv } = podCommand(file, '2');
    const result = await cli(args, { cwd: dir, env: { ...env, ...podEnv } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^\\[${name}\\] .*add_column:items\\.note`, 'm'));
    expect(result.stdout).toMatch(summary);
    expect(result.stdout.trimStart().startsWith('{')).toBe(false);
  });
});
