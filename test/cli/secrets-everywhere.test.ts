/**
 * The password of a database URL is never printed: for every scheme and spelling (userinfo,
 * percent-encoded, `?password=`, the SQL Server `;password=` / `Password=` forms, pglite, malformed
 * URLs), across every command that takes --database or DATABASE_URL, their --json forms and their
 * error paths (unreachable host, unknown role, missing database, bad URL); nor in the state tables
 * or in the names of files created.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, parseDatabaseUrl } from '../../src/db/index.js';
import { redact, registerSecrets } from '../../src/db/secrets.js';
import { redactingIo } from '../../src/cli/io.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.js';
import { runCli } from '../runner/cli-process.js';
import { cli, folderWith, GATE_PLAN } from './cli-support.js';

const PW = 'Zq7SecretPw91';
const SPECIAL = `p@ss/w:rd#?${PW}`;
const SPELLINGS = [PW, SPECIAL, encodeURIComponent(SPECIAL)];

function leaked(text: string): string[] {
  return SPELLINGS.filter((s) => text.includes(s));
}

/** Forms whose host cannot be reached, or which do not even parse: no server needed. */
const OFFLINE: [string, string][] = [
  ['postgres userinfo', `postgres://root:${PW}@127.0.0.1:1/db`],
  ['postgresql userinfo', `postgresql://root:${PW}@127.0.0.1:1/db`],
  ['percent-encoded', `postgres://root:${encodeURIComponent(SPECIAL)}@127.0.0.1:1/db`],
  ['unencoded special characters', `postgres://root:${SPECIAL}@127.0.0.1:1/db`],
  ['?password=', `postgres://root@127.0.0.1:1/db?sslmode=disable&password=${PW}`],
  ['bad port', `postgres://root:${PW}@127.0.0.1:notaport/db`],
  ['no colon after the scheme', `postgres//root:${PW}@127.0.0.1:1/db`],
  ['unclosed bracket', `postgres://root:${PW}@[::1/db`],
  ['unsupported scheme', `mysql://root:${PW}@127.0.0.1:1/db`],
  ['sqlserver userinfo', `sqlserver://sa:${PW}@127.0.0.1:1/db?encrypt=false`],
  ['mssql userinfo', `mssql://sa:${PW}@127.0.0.1:1/db?encrypt=false`],
  ['sqlserver ;password=', `sqlserver://127.0.0.1:1;databaseName=db;user=sa;password=${PW};encrypt=false`],
  ['sqlserver Password={…}', `sqlserver://127.0.0.1:1;Database=db;User Id=sa;Password={${PW};x};encrypt=false`],
  ['sqlserver bad option', `sqlserver://sa:${PW}@127.0.0.1:1/db?encrypt=maybe`],
  ['pglite userinfo', `pglite://bob:${PW}@./db`],
  ['pglite user only', `pglite://${PW}@./db`],
  ['pglite ?password=', `pglite://./db?password=${PW}`],
];

/** Every command that takes --database (or DATABASE_URL), with its --json form where it has one. */
const COMMANDS: ((url: string) => string[])[] = [
  (u) => ['validate', 'plan.yaml', '--database', u],
  (u) => ['validate', 'plan.yaml', '--format', 'json', '--database', u],
  (u) => ['run', 'plan.yaml', '--database', u],
  (u) => ['run', 'plan.yaml', '--json', `--database=${u}`],
  (u) => ['advance', 'plan.yaml', '--json', '--database', u],
  (u) => ['run', 'plan.yaml', '--json', '--database', u, '--replica', u],
  (u) => ['rollback', 'plan.yaml', '--yes', '--database', u],
  (u) => ['rollback', 'plan.yaml', '--yes', '--json', '--database', u],
  (u) => ['status', '--database', u],
  (u) => ['status', 'plan.yaml', '--json', '--database', u],
  (u) => ['pause', 'plan.yaml', '--database', u],
  (u) => ['resume', 'plan.yaml', '--database', u],
  (u) => ['flags', 'list', '--json', '--database', u],
  (u) => ['flags', 'get', 'f', '--database', u],
  (u) => ['doctor', '--database', u],
  (u) => ['doctor', '--json', '--database', u],
  (u) => ['test', 'plan.yaml', '--seed', 'seed.sql', '--database', u],
  (u) => ['test', 'plan.yaml', '--schema-from', u, '--json'],
  (u) => ['demo', '--rows', '10', '--database', u],
];

/** And through DATABASE_URL. */
const FROM_ENV = [['status'], ['status', '--json'], ['run', 'plan.yaml', '--json'], ['flags', 'list']];

async function expectNoLeak(url: string, dir: string): Promise<void> {
  for (const command of COMMANDS) {
    const args = command(url);
    const r = await cli(args, { cwd: dir });
    expect(r.code, `${args.join(' ')}\n${r.stderr}`).not.toBe(70);
    expect(leaked(r.stdout + r.stderr), args.join(' ')).toEqual([]);
  }
  for (const args of FROM_ENV) {
    const r = await cli(args, { cwd: dir, env: { DATABASE_URL: url } });
    expect(leaked(r.stdout + r.stderr), `DATABASE_URL … ${args.join(' ')}`).toEqual([]);
  }
  expect(leaked(readdirSync(dir, { recursive: true }).join('\n'))).toEqual([]);
}

describe('the password is never printed (no server needed)', () => {
  it.each(OFFLINE)(
    '%s',
    async (_name, url) => {
      const dir = folderWith({ 'plan.yaml': GATE_PLAN, 'seed.sql': 'SELECT 1;' });
      await expectNoLeak(url, dir);
      // Refused or unreachable: nothing was created for any of these URLs.
      expect(readdirSync(dir).sort()).toEqual(['plan.yaml', 'seed.sql']);
    },
    120_000,
  );

  it.each(OFFLINE)('%s: the error itself carries no password (not only the scrubbed output)', async (_name, url) => {
    const error = (await connect(url, { connectTimeoutMs: 2000 }).then(
      (c) => c.close(),
      (e: unknown) => e,
    )) as { message: string; hint?: string };
    expect(leaked(`${error.message}\n${error.hint ?? ''}`)).toEqual([]);
  });

  it('a pglite URL with credentials is refused (exit 2), and the refusal does not echo them', async () => {
    const dir = folderWith({ 'plan.yaml': GATE_PLAN });
    const r = await cli(['status', '--json', '--database', `pglite://bob:${PW}@./db`], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a pglite URL takes no user name or password');
    expect(r.stderr).toContain('pglite://****@./db');
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('bad-database-url');
    expect(() => parseDatabaseUrl(`pglite:bob:${PW}@./db`)).toThrow(/takes no user name or password/);
    expect(parseDatabaseUrl('pglite://./node@20/db').displayUrl).toBe('pglite://./node@20/db');
  });
});

describe('a password learnt while running (a URL read from the environment by the runner)', () => {
  it('is removed from everything printed after it is registered, and from every redacted message', () => {
    const learnt = 'Lr9LearntPw44';
    const io = captureIo();
    const out = redactingIo(io, []);
    out.err(`before: ${learnt}\n`);
    registerSecrets(`postgres://reader:${learnt}@stats.internal/stats`);
    out.out(`after: ${learnt}\n`);
    out.err(`after: ${encodeURIComponent(learnt)}\n`);
    expect(io.stdout()).toBe('after: ****\n');
    expect(io.stderr()).toBe(`before: ${learnt}\nafter: ****\n`);
    expect(redact(`could not connect: password ${learnt} rejected`)).not.toContain(learnt);
  });
});

describe('the password is never printed nor stored (a live server)', () => {
  let db: TestDatabase;
  let withPassword: string;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_secrets');
    const u = new URL(db.url!);
    u.password = PW; // the test server trusts local connections: the password is sent along, and must stay hidden
    withPassword = u.toString();
  });
  afterAll(async () => db.close());

  it('every command on a database it reaches, then the state tables', async () => {
    const dir = folderWith({ 'plan.yaml': GATE_PLAN, 'seed.sql': 'SELECT 1;' });
    await expectNoLeak(withPassword, dir);
    const status = await cli(['status', '--json', '--database', withPassword], { cwd: dir });
    expect((JSON.parse(status.stdout) as { database: string }).database).toContain(':****@');
    const state = await db.query<{ text: string }>(
      `SELECT concat_ws(E'\\n', (SELECT string_agg(r::text, E'\\n') FROM schemashift.runs r), (SELECT string_agg(s::text, E'\\n') FROM schemashift.steps s),
         (SELECT string_agg(e::text, E'\\n') FROM schemashift.events e)) AS text`,
    );
    expect(state[0]?.text).toContain('gate-first');
    expect(leaked(state[0]?.text ?? '')).toEqual([]);
  }, 240_000);

  it('an unknown role and a missing database (the server refuses at login)', async () => {
    const dir = folderWith({ 'plan.yaml': GATE_PLAN, 'seed.sql': 'SELECT 1;' });
    const role = new URL(withPassword);
    role.username = 'schemashift_no_such_role';
    const missing = new URL(withPassword);
    missing.pathname = '/schemashift_no_such_database';
    for (const url of [role.toString(), missing.toString()]) {
      const r = await cli(['status', '--json', '--database', url], { cwd: dir });
      expect(r.code).toBe(4);
      expect(leaked(r.stdout + r.stderr)).toEqual([]);
      await expectNoLeak(url, dir);
    }
  }, 240_000);

  it('a view over another database: the password of its URL variable is in no output nor state row', async () => {
    await db.exec(`CREATE TABLE users (id int PRIMARY KEY, name text); INSERT INTO users VALUES (1, 'ada');`);
    const plan = [
      'name: foreign-view',
      'phases:',
      '  expand:',
      '    - create_materialized_view:',
      '        name: second_users',
      '        source: { server: stats_db, url_env: STATS_DATABASE_URL, tables: [users] }',
      '        query: SELECT id, name FROM users',
      '',
    ].join('\n');
    const dir = folderWith({ 'plan.yaml': plan });
    // --database has no password: only the variable's could leak, and only its registration hides it.
    const env = { STATS_DATABASE_URL: withPassword };
    const commands = [
      ['plan', 'plan.yaml'],
      ['plan', 'plan.yaml', '--json'],
      ['validate', 'plan.yaml', '--database', db.url!],
      ['run', 'plan.yaml', '--yes', '--json', '--database', db.url!],
      ['status', 'plan.yaml', '--json', '--database', db.url!],
      ['rollback', 'plan.yaml', '--yes', '--json', '--database', db.url!],
      ['run', 'plan.yaml', '--yes', '--database', db.url!],
    ];
    for (const args of commands) {
      const r = await cli(args, { cwd: dir, env });
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
      expect(leaked(r.stdout + r.stderr), args.join(' ')).toEqual([]);
    }
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM second_users'))[0]?.n).toBe(1);
    const state = await db.query<{ text: string }>(
      `SELECT concat_ws(E'\\n', (SELECT string_agg(s::text, E'\\n') FROM schemashift.steps s),
         (SELECT string_agg(e::text, E'\\n') FROM schemashift.events e)) AS text`,
    );
    expect(state[0]?.text).toContain('<from $STATS_DATABASE_URL>');
    expect(leaked(state[0]?.text ?? '')).toEqual([]);
    const mapping = await db.query<{ options: string }>(
      `SELECT array_to_string(umoptions, ' ') AS options FROM pg_user_mappings WHERE srvname = 'stats_db'`,
    );
    expect(leaked(mapping[0]?.options ?? '')).toEqual([PW]); // the one place it lives
  }, 120_000);

  it('the real process: stdout and stderr of the built CLI', async () => {
    const dir = folderWith({ 'plan.yaml': GATE_PLAN });
    const urls = [
      withPassword,
      `postgres://root:${PW}@127.0.0.1:1/db`,
      `pglite://bob:${PW}@./db`,
      `sqlserver://127.0.0.1:1;user=sa;Password=${PW}`,
    ];
    const runs = urls.flatMap((u) => [
      runCli(['status', '--json', '--database', u, join(dir, 'plan.yaml')]),
      runCli(['run', join(dir, 'plan.yaml'), '--json'], { DATABASE_URL: u }),
    ]);
    for (const r of await Promise.all(runs)) expect(leaked(r.stdout + r.stderr)).toEqual([]);
  }, 120_000);
});
