/**
 * At a terminal without --yes the fleet asks one question for all its targets, in a real terminal (tmux):
 * no lets every target stop at its first gate, yes confirms the gates of all, Ctrl-C runs nothing (130).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderWith } from '../cli/cli-support.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { hasTmux, openTerminal, type Terminal } from '../support/terminal.js';

const plan = (name: string) => `name: ${name}
phases:
  expand:
    - gate: { confirm: "Deploy the new version first" }
    - add_column:
        table: items
        column: { name: ${name.replace(/-/g, '_')}, type: text }
`;

const TARGETS = `targets:
  - { name: shard-a, url_env: TTY_SHARD_A_URL, group: canary }
  - { name: shard-b, url_env: TTY_SHARD_B_URL }
`;

const QUESTION = /run on 2 target\(s\): confirm its gates and contract for all of them\? \[y\/N\]/;

describe.skipIf(!postgresAdminUrl || !hasTmux)('fleet: the one confirmation, at a real terminal', () => {
  const shards: TestDatabase[] = [];
  let env: Record<string, string>;
  let terminal: Terminal | undefined;

  beforeAll(async () => {
    for (const _ of [0, 1]) {
      const db = await createPostgresDatabase('schemashift_fleettty');
      await db.exec('CREATE TABLE items (id int PRIMARY KEY)');
      shards.push(db);
    }
    env = { TTY_SHARD_A_URL: shards[0]?.url as string, TTY_SHARD_B_URL: shards[1]?.url as string };
  });
  afterAll(async () => {
    terminal?.close();
    for (const db of shards) await db.close();
  });

  const columns = (name: string) =>
    Promise.all(
      shards.map(
        async (db) =>
          (
            await db.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'items' AND column_name = $1`, [
              name,
            ])
          ).length,
      ),
    );
  const runStatuses = (name: string) =>
    Promise.all(
      shards.map(async (db) => {
        const hasState = await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'schemashift'`);
        if (hasState.length === 0) return 'none';
        const rows = await db.query<{ status: string }>('SELECT status FROM schemashift.runs WHERE plan_name = $1', [
          name,
        ]);
        return rows[0]?.status ?? 'none';
      }),
    );
  const ask = async (dir: string, answer: string[]) => {
    terminal = openTerminal(['run', 'plan.yaml', '--targets', 'targets.yaml'], dir, env);
    try {
      await terminal.screen(QUESTION);
      terminal.keys(...answer);
      return await terminal.screen(/EXIT=\d+/);
    } finally {
      terminal.close();
      terminal = undefined;
    }
  };

  it('no: every target stops at its first gate (nothing after it runs); then yes: every target finishes', async () => {
    const dir = folderWith({ 'plan.yaml': plan('fleet-tty'), 'targets.yaml': TARGETS });
    const no = await ask(dir, ['n', 'Enter']);
    expect(no).toMatch(/EXIT=0/);
    expect(no).toMatch(/^shard-a\s+canary\s+stopped at gate: Deploy the new version first\s+0$/m);
    expect(no).toMatch(/^shard-b\s+-\s+stopped at gate: Deploy the new version first\s+0$/m);
    expect((no.match(/\[y\/N\]/g) ?? []).length).toBe(1);
    expect(await columns('fleet_tty')).toEqual([0, 0]);
    expect(await runStatuses('fleet-tty')).toEqual(['at_gate', 'at_gate']);

    const yes = await ask(dir, ['y', 'Enter']);
    expect(yes).toMatch(/EXIT=0/);
    expect(yes).toMatch(/^shard-a\s+canary\s+done\s+0$/m);
    expect(yes).toMatch(/^shard-b\s+-\s+done\s+0$/m);
    expect((yes.match(/\[y\/N\]/g) ?? []).length).toBe(1);
    expect(await columns('fleet_tty')).toEqual([1, 1]);
  }, 60_000);

  it('Ctrl-C at the question: nothing runs on any target, exit 130', async () => {
    const dir = folderWith({ 'plan.yaml': plan('fleet-tty-c'), 'targets.yaml': TARGETS });
    const text = await ask(dir, ['C-c']);
    expect(text).toMatch(/EXIT=130/);
    expect(text).toContain('Ctrl-C at the confirmation: nothing was run');
    expect(text).not.toMatch(/^shard-a\s/m);
    expect(await runStatuses('fleet-tty-c')).toEqual(['none', 'none']);
  }, 60_000);
});
