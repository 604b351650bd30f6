/**
 * Exit codes: 4 when the database cannot be reached (every command that connects), 4 with a
 * message of its own when the embedded database to read does not exist (and none is created),
 * 130 for Ctrl-C at a prompt (the real CLI in a terminal, driven through tmux).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.js';
import { cli, emptyDir, folderWith, GATE_PLAN, UNREACHABLE } from './cli-support.js';

describe('a database that cannot be reached exits 4', () => {
  const dir = folderWith({ 'plan.yaml': GATE_PLAN, 'seed.sql': 'SELECT 1;' });
  const commands = [
    ['validate', 'plan.yaml', '--database', UNREACHABLE],
    ['run', 'plan.yaml', '--database', UNREACHABLE],
    ['advance', 'plan.yaml', '--database', UNREACHABLE],
    ['rollback', 'plan.yaml', '--database', UNREACHABLE],
    ['status', '--database', UNREACHABLE],
    ['status', 'plan.yaml', '--database', UNREACHABLE],
    ['pause', 'plan.yaml', '--database', UNREACHABLE],
    ['resume', 'plan.yaml', '--database', UNREACHABLE],
    ['flags', 'list', '--database', UNREACHABLE],
    ['flags', 'get', 'f', '--database', UNREACHABLE],
    ['flags', 'set', 'f', '10', '--database', UNREACHABLE],
    ['doctor', '--database', UNREACHABLE],
    ['test', 'plan.yaml', '--seed', 'seed.sql', '--database', UNREACHABLE],
    ['test', 'plan.yaml', '--schema-from', UNREACHABLE],
    ['demo', '--rows', '10', '--database', UNREACHABLE],
  ];
  it.each(commands.map((c) => [c.join(' '), c]))('%s', async (_name, args) => {
    const r = await cli(args, { cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('cannot connect to postgres://schemashift@127.0.0.1:1/nowhere: connection refused');
  });

  it('also through DATABASE_URL', async () => {
    const r = await cli(['status'], { cwd: dir, env: { DATABASE_URL: UNREACHABLE } });
    expect(r.code).toBe(4);
  });
});

it('schemashift --help has the exit code table and the JSON error object', async () => {
  const r = await cli(['--help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^ {2}4 {4}the database cannot be reached/m);
  expect(r.stdout).toMatch(/^ {2}130 {2}interrupted \(Ctrl-C or SIGTERM, at a prompt too\)/m);
  expect(r.stdout).toContain('{"error": {"code", "message", "file"?, "line"?, "col"?, "help"?, "exit_code"}}');
  expect(r.stdout.replace(/\s+/g, ' ')).toContain(
    'status, pause, resume, flags list/get, rollback, doctor and refresh never create a database',
  );
});

describe('no embedded database to read', () => {
  const readers = [
    ['status'],
    ['status', 'plan.yaml'],
    ['pause', 'plan.yaml'],
    ['resume', 'plan.yaml'],
    ['flags', 'list'],
    ['flags', 'get', 'f'],
    ['rollback', 'plan.yaml', '--yes'],
    ['doctor'],
  ];
  it.each(readers.map((c) => [c.join(' '), c]))('%s: exit 4, says so, creates nothing', async (_name, args) => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, 'plan.yaml'), GATE_PLAN);
    const r = await cli(args, { cwd });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(
      'no embedded database at ./.schemashift/pglite (the default: no --database and no DATABASE_URL): nothing was read, and none was created',
    );
    expect(r.stderr).toContain('help: point at the database the plan runs on: --database postgres://');
    expect(r.stdout).not.toContain('no schemashift runs recorded');
    expect(existsSync(join(cwd, '.schemashift'))).toBe(false);
  });

  it.each([['status'], ['validate', 'plan.yaml'], ['test', 'plan.yaml', '--schema-from']])(
    'an explicit pglite folder that does not exist (%s): the same, naming that folder',
    async (...args: string[]) => {
      const cwd = emptyDir();
      writeFileSync(join(cwd, 'plan.yaml'), GATE_PLAN);
      const url = 'pglite://./elsewhere/db';
      const r = await cli(args.includes('--schema-from') ? [...args, url] : [...args, '--database', url], { cwd });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('no embedded database at ./elsewhere/db: nothing was read');
      expect(existsSync(join(cwd, 'elsewhere'))).toBe(false);
    },
  );
});

describe('on PostgreSQL', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_exit_codes');
    dir = folderWith({ 'plan.yaml': GATE_PLAN });
  });
  afterAll(async () => db.close());

  it('status says which database it read', async () => {
    expect((await cli(['run', 'plan.yaml', '--database', db.url!], { cwd: dir })).code).toBe(0);
    const r = await cli(['status', '--database', db.url!], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`database: ${db.url}`);
    expect(r.stdout).toContain('gate-first');
  });

  const tmux = spawnSync('tmux', ['-V']).status === 0;
  it.skipIf(!tmux)(
    'Ctrl-C at a prompt exits 130 (a real terminal, through tmux), and the gate stays pending',
    async () => {
      const socket = `schemashift-test-${process.pid}`;
      const bin = resolve('bin/schemashift.js');
      const command = `cd ${dir} && env -u CI NO_COLOR=1 ${process.execPath} ${bin} run plan.yaml --database '${db.url}'; echo EXIT=$?; sleep 60`;
      const tm = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
      tm('new-session', '-d', '-s', 'cli', '-x', '120', '-y', '40', command);
      try {
        const screen = async (what: RegExp) => {
          for (let i = 0; i < 300; i++) {
            const text = tm('capture-pane', '-p', '-t', 'cli');
            if (what.test(text)) return text;
            await new Promise((r) => setTimeout(r, 100));
          }
          throw new Error(`the terminal never showed ${what}:\n${tm('capture-pane', '-p', '-t', 'cli')}`);
        };
        await screen(/Deploy the new version first \(y\/N\)/);
        tm('send-keys', '-t', 'cli', 'C-c');
        const text = await screen(/EXIT=\d+/);
        expect(text).toMatch(/EXIT=130/);
        expect(text).toContain('interrupted at the prompt (Ctrl-C)');
        const rows = await db.query<{ status: string }>(
          "SELECT status FROM schemashift.steps WHERE plan_name = 'gate-first'",
        );
        expect(rows.map((r) => r.status)).toEqual(['pending']);
      } finally {
        spawnSync('tmux', ['-L', socket, 'kill-server']);
      }
    },
    60_000,
  );
});
