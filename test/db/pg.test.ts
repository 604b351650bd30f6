/** pg specifics against the local PostgreSQL: application_name, concurrent sessions, lost backends, connection errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { DatabaseError } from '../../src/errors.js';
import { silentServer } from './silent-server.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const SECRET = 's3cr3t-Pa55';

/** The admin URL with a password and another port or database: trust auth ignores the password. */
function variant(change: (u: URL) => void): string {
  const u = new URL(postgresAdminUrl!);
  u.password = SECRET;
  change(u);
  return u.toString();
}

async function failure(p: Promise<unknown>): Promise<DatabaseError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DatabaseError);
  const error = e as DatabaseError;
  expect(`${error.message}\n${error.hint}\n${error.stack}\n${JSON.stringify(error)}`).not.toContain(SECRET);
  return error;
}

describe('pg connection errors (no server needed)', () => {
  it('a refused port fails fast, naming host:port, with the fix and no password', async () => {
    const started = Date.now();
    const e = await failure(connect(`postgres://app:${SECRET}@127.0.0.1:1/app`));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(e.code).toBe('08001');
    expect(e.message).toMatch(
      /cannot connect to postgres:\/\/app:\*\*\*\*@127\.0\.0\.1:1\/app: connection refused at 127\.0\.0\.1:1/,
    );
    expect(e.hint).toMatch(/server is running .* 127\.0\.0\.1:1/);
  });

  it('localhost (several addresses) refused is reported the same way', async () => {
    const e = await failure(connect(`postgres://app:${SECRET}@localhost:1/app`));
    expect(e.code).toBe('08001');
    expect(e.message).toMatch(/connection refused at localhost:1/);
  });

  it('an unknown host says to check the host name', async () => {
    const e = await failure(connect(`postgres://app:${SECRET}@schemashift-no-such-host.invalid/app`));
    expect(e.code).toBe('08001');
    expect(e.hint).toMatch(/host name/);
  });

  it('connectTimeoutMs bounds a server that accepts but never answers', async () => {
    const silent = await silentServer();
    try {
      const started = Date.now();
      const e = await failure(
        connect(`postgres://app:${SECRET}@127.0.0.1:${silent.port}/app`, { connectTimeoutMs: 500 }),
      );
      expect(Date.now() - started).toBeLessThan(3000);
      expect(e.code).toBe('08001');
      expect(e.message).toMatch(/timed out at 127\.0\.0\.1:/);
    } finally {
      await silent.close();
    }
  });
});

describe.skipIf(!postgresAdminUrl)('pg connection', () => {
  let db: TestDatabase;
  let conn: Connection;
  let url: string;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_pg');
    url = variant((u) => (u.pathname = new URL(db.url!).pathname));
    conn = await connect(url, { applicationName: 'schemashift-test' });
  });
  afterAll(async () => {
    await conn.close();
    await db.close();
  });

  it('shows the URL with the password masked', () => {
    expect(conn.displayUrl).toContain(':****@');
    expect(conn.displayUrl).not.toContain(SECRET);
  });

  it('sets application_name, and the reset after a session keeps it', async () => {
    const name = () =>
      conn.session(
        async (s) => (await s.query<{ n: string }>("SELECT current_setting('application_name') AS n")).rows[0]?.n,
      );
    expect(await name()).toBe('schemashift-test');
    expect(await name()).toBe('schemashift-test');
    const { rows } = await conn.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'schemashift-test'",
    );
    expect(rows[0]!.n).toBeGreaterThanOrEqual(1);
    expect(rows[0]!.n).toBeLessThanOrEqual(4);
  });

  it('an application_name in the URL does not override the one asked for', async () => {
    const other = await connect(`${url}?application_name=from-url`, { applicationName: 'schemashift-asked' });
    try {
      expect((await other.query("SELECT current_setting('application_name') AS n")).rows).toEqual([
        { n: 'schemashift-asked' },
      ]);
    } finally {
      await other.close();
    }
  });

  it('two sessions at once are two backends: an advisory lock in one blocks the other', async () => {
    await conn.session(async (a) => {
      await a.query('SELECT pg_advisory_lock(5151)');
      await conn.session(async (b) => {
        expect(await b.backendPid()).not.toBe(await a.backendPid());
        expect((await b.query('SELECT pg_try_advisory_lock(5151) AS got')).rows).toEqual([{ got: false }]);
      });
    });
  });

  it('a backend terminated mid-session fails with 57P01, the process survives, the connection goes on', async () => {
    const e = await failure(
      conn.session(async (victim) => {
        const pid = await victim.backendPid();
        await conn.query('SELECT pg_terminate_backend($1)', [pid]);
        await new Promise((resolve) => setTimeout(resolve, 100));
        await victim.query('SELECT 1');
      }),
    );
    expect(['57P01', '08006']).toContain(e.code);
    expect((await conn.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await conn.session(async (s) => expect((await s.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]));
  });

  it('a driver message echoing the password is redacted', async () => {
    const e = await failure(conn.query('SELECT $1::int', [SECRET]));
    expect(e.code).toBe('22P02');
    expect(e.message).toContain('****');
  });

  it('an unknown database keeps 3D000 and says how to fix it', async () => {
    const e = await failure(connect(variant((u) => (u.pathname = '/schemashift_no_such_db'))));
    expect(e.code).toBe('3D000');
    expect(e.message).toMatch(/database "schemashift_no_such_db" does not exist/);
    expect(e.hint).toMatch(/create the database/);
  });

  it('close is idempotent', async () => {
    const extra = await connect(url);
    await extra.close();
    await extra.close();
    await failure(extra.query('SELECT 1'));
  });
});
