/** The Connection contract, identical on real PostgreSQL (pg Pool) and on PGlite. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { DatabaseError } from '../../src/errors.js';
import { createPostgresDatabase, postgresAdminUrl } from '../support/databases.js';

interface Opened {
  conn: Connection;
  cleanup(): Promise<void>;
}

const targets: { name: string; open: () => Promise<Opened> }[] = [
  ...(postgresAdminUrl
    ? [
        {
          name: 'pg',
          open: async (): Promise<Opened> => {
            const db = await createPostgresDatabase('schemashift_db');
            const conn = await connect(db.url!);
            return { conn, cleanup: async () => (await conn.close(), await db.close()) };
          },
        },
      ]
    : []),
  {
    name: 'pglite',
    open: async (): Promise<Opened> => {
      const conn = await connect('pglite://memory');
      return { conn, cleanup: () => conn.close() };
    },
  },
];

async function errorOf(p: Promise<unknown>): Promise<DatabaseError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DatabaseError);
  return e as DatabaseError;
}

describe.each(targets)('Connection on $name', ({ name, open }) => {
  let opened: Opened;
  let conn: Connection;
  beforeAll(async () => {
    opened = await open();
    conn = opened.conn;
  });
  afterAll(() => opened.cleanup());

  it('describes itself', () => {
    expect(conn.dialect).toBe('postgres');
    expect(conn.kind).toBe(name);
    expect(conn.displayUrl).toMatch(name === 'pg' ? /^postgres:\/\// : /^pglite:\/\/memory$/);
  });

  it('query with $n parameters', async () => {
    const result = await conn.query<{ sum: number; label: string }>(
      'SELECT $1::int + $2::int AS sum, $3::text AS label',
      [1, 2, 'x'],
    );
    expect(result).toEqual({ rows: [{ sum: 3, label: 'x' }], rowCount: 1 });
  });

  it('exec runs a multi-statement script; rowCount counts affected rows', async () => {
    await conn.exec(`
      CREATE TABLE exec_items (id int PRIMARY KEY, v text);
      INSERT INTO exec_items VALUES (1, 'a');
      INSERT INTO exec_items VALUES (2, 'b'), (3, 'c');
    `);
    expect((await conn.query('SELECT * FROM exec_items')).rowCount).toBe(3);
    expect((await conn.query("UPDATE exec_items SET v = 'z' WHERE id > $1", [1])).rowCount).toBe(2);
    expect((await conn.query('DELETE FROM exec_items WHERE id = 99')).rowCount).toBe(0);
  });

  it('bigint comes back as a string without losing precision', async () => {
    const { rows } = await conn.query<{ big: unknown }>('SELECT 9007199254740993::int8 AS big');
    expect(rows).toEqual([{ big: '9007199254740993' }]);
  });

  it.each([
    ['SELECT * FROM no_such_table', '42P01'],
    ['SELEC 1', '42601'],
    ['SELECT 1/0', '22012'],
  ])('keeps the SQLSTATE: %s → %s', async (sql, code) => {
    expect((await errorOf(conn.query(sql))).code).toBe(code);
    expect((await errorOf(conn.exec(sql))).code).toBe(code);
  });

  it('keeps the SQLSTATE of a unique violation, with its detail', async () => {
    await conn.exec('CREATE TABLE unique_items (id int PRIMARY KEY); INSERT INTO unique_items VALUES (1)');
    const e = await errorOf(conn.query('INSERT INTO unique_items VALUES ($1)', [1]));
    expect(e.code).toBe('23505');
    expect(e.message).toMatch(/Key \(id\)=\(1\) already exists/);
  });

  it('a session keeps SET lock_timeout and an advisory lock across calls, on one backend', async () => {
    const value = await conn.session(async (s) => {
      const pid = await s.backendPid();
      expect(typeof pid).toBe('number');
      await s.exec("SET lock_timeout = '1234ms'");
      await s.query('SELECT pg_advisory_lock($1)', [4242]);
      expect((await s.query('SHOW lock_timeout')).rows).toEqual([{ lock_timeout: '1234ms' }]);
      const held = await s.query(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND pid = pg_backend_pid()",
      );
      expect(held.rows).toEqual([{ n: 1 }]);
      expect(await s.backendPid()).toBe(pid);
      return 'done';
    });
    expect(value).toBe('done');
  });

  it('a released session leaves no settings and no advisory locks behind', async () => {
    await conn.session(async (s) => void (await s.exec("SET lock_timeout = '777ms'; SELECT pg_advisory_lock(4343)")));
    // More sessions than the pg pool holds (4): a client that was not released would make this hang.
    for (let i = 0; i < 6; i++) {
      await conn.session(async (s) => {
        expect((await s.query('SHOW lock_timeout')).rows).toEqual([{ lock_timeout: '0' }]);
        expect((await s.query('SELECT pg_try_advisory_lock(4343) AS got')).rows).toEqual([{ got: true }]);
      });
    }
    const left = await conn.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
    expect(left.rows).toEqual([{ n: 0 }]);
  });

  it('a session that fails inside a transaction rolls it back and passes the error on', async () => {
    await conn.exec('CREATE TABLE session_tx (id int)');
    const e = await errorOf(
      conn.session(async (s) => {
        await s.exec('BEGIN; INSERT INTO session_tx VALUES (1)');
        await s.query('SELECT * FROM missing_in_session');
      }),
    );
    expect(e.code).toBe('42P01');
    expect((await conn.query('SELECT * FROM session_tx')).rowCount).toBe(0);
    await conn.session(async (s) => {
      await s.exec('INSERT INTO session_tx VALUES (2)');
    });
    expect((await conn.query('SELECT * FROM session_tx')).rows).toEqual([{ id: 2 }]);
  });

  it('an error thrown by the callback itself comes out unchanged', async () => {
    await expect(conn.session(async () => Promise.reject(new RangeError('mine')))).rejects.toThrow(RangeError);
  });
});
