/**
 * The user mapping's password is sent as a bind parameter, never in the text of a statement (which
 * pg_stat_activity, pg_stat_statements and, on an error, the server log keep). pg_stat_statements is
 * not preloaded here, so every statement the runner sends is recorded on its way to a real
 * PostgreSQL, and its text is checked; the mapping itself must hold the password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection, type Session } from '../../src/db/index.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const SECRET = 'Bind-S3cret-42';

interface Sent {
  sql: string;
  params: unknown[];
}

/** `conn`, recording the text and parameters of every statement sent through it or its sessions. */
function recording(conn: Connection, sent: Sent[]): Connection {
  const record = <T extends Session | Connection>(target: T): T =>
    new Proxy(target, {
      get(t, prop, receiver) {
        if (prop === 'query')
          return (sql: string, params?: unknown[]) => (sent.push({ sql, params: params ?? [] }), t.query(sql, params));
        if (prop === 'exec') return (sql: string) => (sent.push({ sql, params: [] }), t.exec(sql));
        if (prop === 'session')
          return (fn: (s: Session) => Promise<unknown>) => (t as Connection).session((s) => fn(record(s)));
        const value: unknown = Reflect.get(t, prop, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      },
    });
  return record(conn);
}

describe.skipIf(!postgresAdminUrl)('the user mapping’s password as a bind parameter (real PostgreSQL)', () => {
  let remote: TestDatabase;
  let db: TestDatabase;
  let conn: Connection;
  beforeAll(async () => {
    remote = await createPostgresDatabase('schemashift_bind_remote');
    await remote.exec(
      'CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL); INSERT INTO users VALUES (1, $$ada$$)',
    );
    db = await createPostgresDatabase('schemashift_bind_local');
    conn = await connect(db.url!);
  });
  afterAll(async () => {
    await conn?.close();
    await db?.close();
    await remote?.close();
  });

  it('no statement text holds the password; the mapping does', async () => {
    const url = new URL(remote.url!);
    url.password = SECRET;
    const yaml = `name: bind-mapping
phases:
  expand:
    - create_materialized_view:
        name: second_users
        source: { server: stats_db, via: postgres_fdw, url_env: STATS_URL, tables: [users] }
        query: SELECT id, name FROM users
`;
    const plan = compilePlan(await parsePlan('bind-mapping.yaml', yaml));
    const sent: Sent[] = [];
    const outcome = await runPlan(recording(conn, sent), plan, {
      mode: 'run',
      acceptDrift: false,
      answers: { yes: true },
      emit: () => undefined,
      signal: new AbortController().signal,
      command: (v) => v,
      env: { STATS_URL: url.toString() },
    });
    expect(outcome).toEqual({ kind: 'done' });
    const texts = sent.map((s) => s.sql);
    expect(texts.some((t) => t.includes('CREATE USER MAPPING'))).toBe(true);
    expect(texts.filter((t) => t.includes(SECRET))).toEqual([]);
    expect(sent.filter((s) => s.params.includes(SECRET)).map((s) => s.sql)).toEqual([
      "SELECT set_config('schemashift.mapping_user', $1, true), set_config('schemashift.mapping_password', $2, true)",
    ]);
    const [mapping] = await db.query<{ options: string[] }>(
      "SELECT umoptions AS options FROM pg_user_mappings WHERE srvname = 'stats_db'",
    );
    expect(mapping!.options).toContain(`password=${SECRET}`);
    const [settings] = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_settings WHERE name LIKE 'schemashift.mapping%' AND setting <> ''",
    );
    expect(Number(settings!.n)).toBe(0);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM second_users'))[0]!.n).toBe(1);
  }, 60_000);
});
