/**
 * The SQL Server connection layer on a real SQL Server (skipped, with global-setup's loud line,
 * where none answers): parameters never spliced, a session is one server session (temp tables,
 * SET options, transactions stay on it), the pool's queries run beside it, passwords masked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMssqlDatabase, mssqlAdminUrl, type MssqlTestDatabase } from '../../support/mssql-databases.js';

describe.skipIf(!mssqlAdminUrl)('the SQL Server connection (real server)', () => {
  let db: MssqlTestDatabase;
  beforeAll(async () => {
    db = await createMssqlDatabase('schemashift_conn');
  });
  afterAll(() => db?.close());

  it('binds $n parameters as values: hostile text round-trips and changes no statement', async () => {
    await db.conn.query('CREATE TABLE notes (id int PRIMARY KEY, body nvarchar(200) NOT NULL)');
    const hostile = "x'; DROP TABLE notes; --";
    await db.conn.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [1, hostile]);
    const { rows } = await db.conn.query<{ body: string; n: number }>(
      'SELECT body, (SELECT count(*) FROM notes) AS n FROM notes WHERE id = $1',
      [1],
    );
    expect(rows).toEqual([{ body: hostile, n: 1 }]);
  });

  it('keeps a session on one server session: its temp table, SET options and transaction', async () => {
    await db.conn.session(async (s) => {
      await s.query('CREATE TABLE #mine (v int)');
      await s.query('SET LOCK_TIMEOUT 1234');
      await s.query('BEGIN TRANSACTION');
      await s.query('INSERT INTO #mine (v) VALUES (1)');
      const { rows } = await s.query<{ lt: number; tc: number; n: number }>(
        'SELECT @@LOCK_TIMEOUT AS lt, @@TRANCOUNT AS tc, (SELECT count(*) FROM #mine) AS n',
      );
      expect(rows).toEqual([{ lt: 1234, tc: 1, n: 1 }]);
      await s.query('ROLLBACK TRANSACTION');
      expect((await s.query<{ n: number }>('SELECT count(*) AS n FROM #mine')).rows).toEqual([{ n: 0 }]);
    });
    // Another session is another server session: the temp table is not there.
    const other = await db.conn.session((s) =>
      s.query<{ id: number | null }>("SELECT OBJECT_ID('tempdb..#mine') AS id"),
    );
    expect(other.rows).toEqual([{ id: null }]);
  });

  it('runs pool queries beside an open session, and names the server session of each', async () => {
    await db.conn.session(async (s) => {
      const mine = (await s.query<{ spid: number }>('SELECT @@SPID AS spid')).rows[0]!.spid;
      const seen = await db.conn.query<{ n: number }>(
        'SELECT count(*) AS n FROM sys.dm_exec_sessions WHERE session_id = $1',
        [mine],
      );
      expect(seen.rows).toEqual([{ n: 1 }]);
      expect(await s.backendPid()).toBe(mine);
    });
  });

  it('never shows the password', () => {
    const password = new URL(mssqlAdminUrl!).password;
    if (password) expect(db.conn.displayUrl).not.toContain(decodeURIComponent(password));
  });
});
