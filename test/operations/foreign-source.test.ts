/**
 * create_materialized_view with `source:` on a real PostgreSQL: two databases on the local server,
 * the "remote" one holding users. The URL of the remote one (with a password: the server trusts
 * local connections, so it is sent and must stay hidden) comes from STATS_DATABASE_URL. The password
 * appears in no output, state row or error — only in pg_user_mappings. Refresh re-reads the remote
 * database; rollback removes exactly what the plan created. Runs the built CLI (`npm run build`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.js';
import pg from 'pg';
import { runCli, startCli, writePlan, type Finished } from '../runner/cli-process.js';

const SECRET = 'S3cret-xyz';

function withPassword(url: string): string {
  const u = new URL(url);
  u.password = SECRET;
  return u.toString();
}

function planYaml(name: string, source: string, query: string): string {
  return [
    `name: ${name}`,
    'phases:',
    '  expand:',
    '    - create_materialized_view:',
    '        name: second_users',
    '        source:',
    ...source.split('\n').map((l) => `          ${l}`),
    `        query: ${query}`,
    '',
  ].join('\n');
}

const FDW_SOURCE = 'server: stats_db\nvia: postgres_fdw\nurl_env: STATS_DATABASE_URL\ntables: [users]';
const DBLINK_SOURCE =
  'server: stats_link\nvia: dblink\nurl_env: STATS_DATABASE_URL\ncolumns: { user_id: uuid, name: text }';

function expectNoSecret(r: Finished, what: string): void {
  expect(r.stdout + r.stderr, what).not.toContain(SECRET);
}

async function stateText(db: TestDatabase): Promise<string> {
  const rows = await db.query<{ text: string }>(
    `SELECT concat_ws(E'\\n', (SELECT string_agg(r::text, E'\\n') FROM schemashift.runs r),
       (SELECT string_agg(s::text, E'\\n') FROM schemashift.steps s),
       (SELECT string_agg(e::text, E'\\n') FROM schemashift.events e)) AS text`,
  );
  return rows[0]?.text ?? '';
}

async function names(db: TestDatabase): Promise<Record<string, string[]>> {
  const [row] = await db.query<Record<string, string[]>>(
    `SELECT ARRAY(SELECT extname::text FROM pg_extension WHERE extname IN ('postgres_fdw', 'dblink') ORDER BY 1) AS extensions,
       ARRAY(SELECT srvname::text FROM pg_foreign_server ORDER BY 1) AS servers,
       ARRAY(SELECT srvname::text FROM pg_user_mappings ORDER BY 1) AS mappings,
       ARRAY(SELECT relname::text FROM pg_class WHERE relkind IN ('m', 'f') ORDER BY 1) AS relations,
       ARRAY(SELECT nspname::text FROM pg_namespace WHERE nspname LIKE '%remote' ORDER BY 1) AS schemas`,
  );
  return row!;
}

describe('a materialized view over another database', () => {
  let remote: TestDatabase;
  const locals: TestDatabase[] = [];
  let env: NodeJS.ProcessEnv;

  async function local(): Promise<TestDatabase> {
    const db = await createPostgresDatabase('schemashift_foreign_local');
    locals.push(db);
    return db;
  }

  beforeAll(async () => {
    remote = await createPostgresDatabase('schemashift_foreign_remote');
    await remote.exec(
      `CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
       INSERT INTO users (name) VALUES ('ada'), ('grace');`,
    );
    env = { STATS_DATABASE_URL: withPassword(remote.url!) };
  });
  afterAll(async () => {
    for (const db of locals) await db.close();
    await remote.close();
  });

  it('postgres_fdw: runs, refreshes from the remote, never shows the password, rolls back only its own', async () => {
    const db = await local();
    // Already there before the plan: the extension (used as it is) and a server of another name.
    await db.exec(
      `CREATE EXTENSION postgres_fdw; CREATE SERVER other_db FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'x');`,
    );
    const file = writePlan(planYaml('second-users-fdw', FDW_SOURCE, 'SELECT id AS user_id, name FROM users'));
    const database = ['--database', db.url!];

    const plan = await runCli(['plan', file], env);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`password '<from $STATS_DATABASE_URL>'`);
    expect(plan.stdout).toContain('FROM stats_db_remote.users');
    expectNoSecret(plan, 'plan');

    const run = await runCli(['run', file, '--yes', '--json', ...database], env);
    expect(run.code, run.stderr).toBe(0);
    expectNoSecret(run, 'run --json');
    expect(run.stdout).toContain('already in place before this plan: used as it is; rollback leaves it');
    expect((await db.query('SELECT name FROM second_users ORDER BY name')).map((r) => r.name)).toEqual([
      'ada',
      'grace',
    ]);
    // The one place the password lives.
    const [mapping] = await db.query<{ options: string }>(
      `SELECT array_to_string(umoptions, ',') AS options FROM pg_user_mappings WHERE srvname = 'stats_db'`,
    );
    expect(mapping!.options).toContain(`password=${SECRET}`);
    const [view] = await db.query<{ def: string }>(`SELECT pg_get_viewdef('second_users'::regclass) AS def`);
    expect(view!.def).toContain('stats_db_remote.users');
    expect(view!.def).not.toContain(SECRET);

    await remote.exec(`INSERT INTO users (name) VALUES ('linus')`);
    await db.exec('REFRESH MATERIALIZED VIEW second_users');
    expect((await db.query('SELECT count(*)::int AS n FROM second_users'))[0]!.n).toBe(3);
    await remote.exec(`DELETE FROM users WHERE name = 'linus'`);

    // Every step that needs the variable is done: a later run does not need it.
    const again = await runCli(['run', file, '--yes', ...database], { STATS_DATABASE_URL: '' });
    expect(again.code, again.stderr).toBe(0);
    expectNoSecret(again, 'run (text)');
    const status = await runCli(['status', file, '--json', ...database], env);
    expect(status.code, status.stderr).toBe(0);
    expectNoSecret(status, 'status --json');
    const state = await stateText(db);
    expect(state).toContain('stats_db');
    expect(state).not.toContain(SECRET);

    const rollback = await runCli(['rollback', file, '--yes', ...database], env);
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    expectNoSecret(rollback, 'rollback');
    expect(rollback.stdout).toContain('left in place (adopted): create_materialized_view:second_users/extension');
    expect(await names(db)).toEqual({
      extensions: ['postgres_fdw'],
      servers: ['other_db'],
      mappings: [],
      relations: [],
      schemas: [],
    });
  }, 120_000);

  it('dblink: the view names the server, not a connection string; rollback drops the extension it created', async () => {
    const db = await local();
    const file = writePlan(
      planYaml('second-users-dblink', DBLINK_SOURCE, 'SELECT users.id, users.name FROM users ORDER BY name'),
    );
    const database = ['--database', db.url!];
    const run = await runCli(['run', file, '--yes', ...database], env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expectNoSecret(run, 'run');
    expect((await db.query('SELECT name FROM second_users ORDER BY name')).map((r) => r.name)).toEqual([
      'ada',
      'grace',
    ]);
    const [def] = await db.query<{ def: string }>(`SELECT pg_get_viewdef('second_users'::regclass) AS def`);
    expect(def!.def).toContain(`dblink('stats_link'::text`);
    expect(def!.def).not.toContain(SECRET);

    await remote.exec(`INSERT INTO users (name) VALUES ('barbara')`);
    await db.exec('REFRESH MATERIALIZED VIEW second_users');
    expect((await db.query('SELECT count(*)::int AS n FROM second_users'))[0]!.n).toBe(3);
    await remote.exec(`DELETE FROM users WHERE name = 'barbara'`);
    expect(await stateText(db)).not.toContain(SECRET);

    const rollback = await runCli(['rollback', file, '--yes', ...database], env);
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    expect(await names(db)).toEqual({ extensions: [], servers: [], mappings: [], relations: [], schemas: [] });
  }, 120_000);

  it('a missing or malformed variable stops the run before any step (exit 2), without echoing it', async () => {
    const db = await local();
    const file = writePlan(planYaml('second-users-env', FDW_SOURCE, 'SELECT id AS user_id, name FROM users'));
    const missing = await runCli(['run', file, '--yes', '--json', '--database', db.url!], {
      STATS_DATABASE_URL: '',
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('$STATS_DATABASE_URL is not set');
    const bad = await runCli(['run', file, '--yes', '--database', db.url!], {
      STATS_DATABASE_URL: `mysql://root:${SECRET}@127.0.0.1/x`,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a postgres:// or postgresql:// URL');
    expectNoSecret(bad, 'malformed URL');
    expect((await names(db)).servers).toEqual([]);
  }, 60_000);

  it('a step failing on the remote side (no such database) reports the error without the password', async () => {
    const db = await local();
    const file = writePlan(planYaml('second-users-fail', FDW_SOURCE, 'SELECT id AS user_id, name FROM users'));
    const wrong = new URL(env.STATS_DATABASE_URL!);
    wrong.pathname = '/schemashift_no_such_remote';
    for (const json of [[], ['--json']]) {
      const r = await runCli(['run', file, '--yes', ...json, '--database', db.url!], {
        STATS_DATABASE_URL: wrong.toString(),
      });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout + r.stderr).toContain('schemashift_no_such_remote');
      expectNoSecret(r, `failing run ${json.join(' ')}`);
    }
    expect(await stateText(db)).not.toContain(SECRET);
    // The server was made with the wrong URL: roll back, then run with the right one.
    const rollback = await runCli(['rollback', file, '--yes', '--database', db.url!], env);
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    expect(await names(db)).toEqual({ extensions: [], servers: [], mappings: [], relations: [], schemas: [] });
    const run = await runCli(['run', file, '--yes', '--database', db.url!], env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await db.query('SELECT count(*)::int AS n FROM second_users'))[0]!.n).toBe(2);
  }, 60_000);

  it('killed (-9) while importing from the remote database: the next run finishes it', async () => {
    const db = await local();
    const file = writePlan(planYaml('second-users-kill', FDW_SOURCE, 'SELECT id AS user_id, name FROM users'));
    // A remote transaction holding users: the import waits on it, on the other database.
    const holder = new pg.Client({ connectionString: remote.url! });
    await holder.connect();
    await holder.query('BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
    const waiting = async (): Promise<number> =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
             AND query LIKE 'IMPORT FOREIGN SCHEMA%'`,
        )
      )[0]!.n;
    const run = startCli(['run', file, '--yes', '--database', db.url!], env);
    try {
      for (let i = 0; i < 300 && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await waiting()).toBe(1);
      run.child.kill('SIGKILL');
      await run.done;
    } finally {
      await holder.query('COMMIT');
      await holder.end();
    }
    // The orphaned backend finishes its statement, finds its client gone and rolls back.
    for (let i = 0; i < 200 && (await waiting()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    const again = await runCli(['run', file, '--yes', '--database', db.url!], env);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('create_materialized_view:second_users/user-mapping: done in an earlier run');
    expect((await db.query('SELECT count(*)::int AS n FROM second_users'))[0]!.n).toBe(2);
    expect((await names(db)).mappings).toEqual(['stats_db']);
  }, 60_000);

  it('validate --database: the foreign tables need not exist; a missing variable is a warning; local joins are checked', async () => {
    const db = await local();
    const file = writePlan(planYaml('second-users-validate', FDW_SOURCE, 'SELECT id AS user_id, name FROM users'));
    const unset = await runCli(['validate', file, '--database', db.url!], { STATS_DATABASE_URL: '' });
    expect(unset.code, unset.stdout + unset.stderr).toBe(0);
    expect(unset.stdout).toContain('warning[db-source-url-missing]: $STATS_DATABASE_URL is not set');
    expect(unset.stdout).toContain('0 error(s), 1 warning(s)');
    const set = await runCli(['validate', file, '--database', db.url!], env);
    expect(set.stdout + set.stderr).toContain('0 error(s), 0 warning(s)');
    expectNoSecret(set, 'validate');
    const joins = writePlan(
      planYaml('second-users-join', FDW_SOURCE, 'SELECT u.id, a.plan FROM users u JOIN accounts a ON a.user_id = u.id'),
    );
    const missing = await runCli(['validate', joins, '--database', db.url!], env);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('error[db-missing-table]: table accounts does not exist');
    expect(missing.stdout).not.toContain('table users does not exist');
  }, 60_000);

  it('an existing server of the same name pointing elsewhere is refused, and left as it was', async () => {
    const db = await local();
    await db.exec(
      `CREATE EXTENSION postgres_fdw;
       CREATE SERVER stats_db FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', dbname 'elsewhere');`,
    );
    const file = writePlan(planYaml('second-users-clash', FDW_SOURCE, 'SELECT id AS user_id, name FROM users'));
    const r = await runCli(['run', file, '--yes', '--database', db.url!], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('foreign server stats_db already exists but differs from the plan');
    expect(r.stderr).toContain('its dbname is elsewhere');
    expectNoSecret(r, 'refused');
    const [server] = await db.query<{ options: string[] }>(
      `SELECT srvoptions AS options FROM pg_foreign_server WHERE srvname = 'stats_db'`,
    );
    expect(server!.options).toEqual(['host=127.0.0.1', 'dbname=elsewhere']);
  }, 60_000);
});
