/**
 * `doctor` on a real SQL Server (skipped, with global-setup's loud line, where none answers): every
 * check's SQL runs; a transaction held open is found as long and idle; a blocked UPDATE is found
 * with its head blocker; RCSI off warns and on is ok; a fragmented index, an unused index and a
 * Query Store query are found; a login without VIEW SERVER STATE is told it cannot check.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, Session } from '../../../src/db/connection.js';
import { connect } from '../../../src/db/index.js';
import { mssqlDoctor } from '../../../src/dialects/mssql/doctor.js';
import { atLeast, type MssqlServerInfo } from '../../../src/dialects/mssql/doctor-capabilities.js';
import { UNUSED_INDEXES_SQL, type UnusedRow } from '../../../src/dialects/mssql/doctor-indexes.js';
import { SLOWEST_QUERIES_SQL, type SlowQueryRow } from '../../../src/dialects/mssql/doctor-query-store.js';
import { runDoctor } from '../../../src/doctor/run-doctor.js';
import { DEFAULT_DOCTOR_OPTIONS, type DoctorOptions, type DoctorReport } from '../../../src/doctor/types.js';
import { createMssqlDatabase, mssqlAdminUrl, type MssqlTestDatabase } from '../../support/mssql-databases.js';

const FAST: DoctorOptions = { ...DEFAULT_DOCTOR_OPTIONS, longTransactionMs: 500, idleInTransactionMs: 500 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function checkOf(report: DoctorReport, id: string) {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
}

/** Run doctor until `ok(report)` holds (bounded): no fixed sleeps beyond the thresholds themselves. */
async function until(conn: Connection, options: DoctorOptions, ok: (r: DoctorReport) => boolean) {
  let report = await runDoctor(conn, mssqlDoctor, options);
  for (let i = 0; i < 50 && !ok(report); i++) {
    await sleep(200);
    report = await runDoctor(conn, mssqlDoctor, options);
  }
  return report;
}

/** A session holding an open transaction with a row lock on holder(id = 1). */
async function holding<T>(conn: Connection, fn: (s: Session, spid: number) => Promise<T>): Promise<T> {
  return conn.session(async (s) => {
    await s.query('BEGIN TRANSACTION');
    await s.query('UPDATE holder SET v = v + 1 WHERE id = 1');
    try {
      return await fn(s, (await s.backendPid())!);
    } finally {
      await s.query('IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION');
    }
  });
}

/** A closed pool's sessions can linger a moment: error 15434 (login still logged in) is retried. */
async function dropLogin(admin: Connection, login: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`IF SUSER_ID(N'${login}') IS NOT NULL DROP LOGIN [${login}]`);
      return;
    } catch (e) {
      if (attempt >= 20) throw e;
      await sleep(250);
    }
  }
}

describe.skipIf(!mssqlAdminUrl)('SQL Server doctor (real server)', () => {
  let db: MssqlTestDatabase;
  let info: MssqlServerInfo;
  beforeAll(async () => {
    db = await createMssqlDatabase('schemashift_doctor');
    await db.conn.query('CREATE TABLE holder (id int PRIMARY KEY, v int NOT NULL)');
    await db.conn.query('INSERT INTO holder (id, v) VALUES (1, 0), (2, 0)');
    info = (await mssqlDoctor.serverInfo(db.conn)) as MssqlServerInfo;
  });
  afterAll(() => db?.close());

  it('reads version and edition, and every check runs as an admin login', async () => {
    expect(info.version).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(info.majorVersion).toBeGreaterThanOrEqual(12);
    expect(info.engineEdition).toBeGreaterThan(0);
    expect(info.edition).not.toBe('unknown edition');
    const report = await runDoctor(db.conn, mssqlDoctor, DEFAULT_DOCTOR_OPTIONS);
    for (const c of report.checks) expect(c.finding, c.id).not.toMatch(/^could not check/);
    expect(report.capabilities).toHaveLength(9);
    expect(checkOf(report, 'compatibility-level').status).toBe('ok');
    expect(checkOf(report, 'availability-group').finding).toBe('this database is in no availability group');
    expect(checkOf(report, 'long-transactions').status).toBe('ok');
    expect(checkOf(report, 'blocking-chains').status).toBe('ok');
    expect(checkOf(report, 'paused-index-builds').finding).toBe('none');
  });

  it('a transaction held open is long, then idle in transaction, naming its session', async () => {
    const other = await connect(db.url, { applicationName: 'doctor-test-holder' });
    try {
      await holding(other, async (_s, spid) => {
        const report = await until(
          db.conn,
          FAST,
          (r) =>
            checkOf(r, 'long-transactions').status === 'fail' && checkOf(r, 'idle-in-transaction').status === 'fail',
        );
        const long = checkOf(report, 'long-transactions');
        expect(long.finding).toContain(`session ${spid} (doctor-test-holder`);
        expect(long.fix).toContain(`KILL ${spid};`);
        expect(checkOf(report, 'idle-in-transaction').details.map((d) => d.session)).toContain(spid);
      });
    } finally {
      await other.close();
    }
  });

  it('a blocked UPDATE is found with its head blocker, which is idle in its transaction: fail', async () => {
    const other = await connect(db.url, { applicationName: 'doctor-test-blocker' });
    try {
      await holding(other, async (holder, blocker) => {
        await other.session(async (b) => {
          await b.query('SET LOCK_TIMEOUT 30000');
          const waiter = (await b.backendPid())!;
          const blocked = b.query('UPDATE holder SET v = 10 WHERE id = 1').catch((e: unknown) => e);
          const report = await until(db.conn, FAST, (r) => checkOf(r, 'blocking-chains').status !== 'ok');
          const chain = checkOf(report, 'blocking-chains');
          expect(chain.status).toBe('fail');
          expect(chain.details).toContainEqual(expect.objectContaining({ role: 'head blocker', session: blocker }));
          expect(chain.details).toContainEqual(
            expect.objectContaining({ role: 'blocked', session: waiter, blockedBy: blocker }),
          );
          await holder.query('ROLLBACK TRANSACTION');
          expect(await blocked).toMatchObject({ rowCount: 1 });
        });
      });
    } finally {
      await other.close();
    }
  });

  it('READ_COMMITTED_SNAPSHOT off warns; on is ok', async () => {
    const rcsi = await createMssqlDatabase('schemashift_rcsi');
    const admin = await connect(mssqlAdminUrl!);
    try {
      const check = async () => {
        const conn = await connect(rcsi.url);
        try {
          return checkOf(await runDoctor(conn, mssqlDoctor, DEFAULT_DOCTOR_OPTIONS), 'snapshot-isolation');
        } finally {
          await conn.close();
        }
      };
      const { rows } = await admin.query<{ on: boolean }>(
        'SELECT CONVERT(bit, is_read_committed_snapshot_on) AS [on] FROM sys.databases WHERE name = $1',
        [rcsi.name],
      );
      if (!rows[0]?.on) {
        const before = await check();
        expect(before.status).toBe('warn');
        expect(before.fix).toContain(`ALTER DATABASE [${rcsi.name}] SET READ_COMMITTED_SNAPSHOT ON`);
        await admin.query(`ALTER DATABASE [${rcsi.name}] SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK IMMEDIATE`);
      }
      expect((await check()).status).toBe('ok');
    } finally {
      await admin.close();
      await rcsi.close();
    }
  });

  it('finds a fragmented index among the largest (LIMITED scan) and an index no query reads', async () => {
    await db.conn.query(
      'CREATE TABLE frag (id uniqueidentifier NOT NULL PRIMARY KEY, pad char(500) NOT NULL, tag int NOT NULL)',
    );
    await db.conn.query('CREATE INDEX frag_tag ON frag (tag)');
    // Random keys in small batches split pages all over the clustered index.
    await db.conn.exec(`DECLARE @i int = 0;
WHILE @i < 300
BEGIN
  INSERT INTO frag (id, pad, tag) SELECT TOP (100) NEWID(), 'x', @i FROM sys.all_objects;
  SET @i += 1;
END`);
    const report = await runDoctor(db.conn, mssqlDoctor, DEFAULT_DOCTOR_OPTIONS);
    const fragmented = checkOf(report, 'fragmented-indexes');
    expect(fragmented.status).toBe('warn');
    expect(fragmented.details).toContainEqual(expect.objectContaining({ schema: 'dbo', table: 'frag' }));
    // Whatever the uptime, the query itself lists the index nothing has read.
    const { rows } = await db.conn.query<UnusedRow>(UNUSED_INDEXES_SQL);
    expect(rows).toContainEqual(expect.objectContaining({ schema: 'dbo', table: 'frag', index: 'frag_tag' }));
    expect(['ok', 'warn']).toContain(checkOf(report, 'unused-indexes').status);
  });

  it('lists a query Query Store recorded, once it is on', async () => {
    if (!atLeast(info, 13)) return;
    const marker = `schemashift-doctor-${randomBytes(4).toString('hex')}`;
    await db.conn.query(
      `ALTER DATABASE [${db.name}] SET QUERY_STORE = ON (OPERATION_MODE = READ_WRITE, QUERY_CAPTURE_MODE = ALL)`,
    );
    // A column alias: simple parameterization cannot turn it into @1, as it could a literal.
    await db.conn.query(`SELECT COUNT(*) AS [${marker}] FROM holder`);
    await db.conn.query('EXEC sys.sp_query_store_flush_db');
    const { rows } = await db.conn.query<SlowQueryRow>(SLOWEST_QUERIES_SQL, [1000]);
    expect(rows.some((r) => r.query?.includes(marker))).toBe(true);
    const check = checkOf(await runDoctor(db.conn, mssqlDoctor, DEFAULT_DOCTOR_OPTIONS), 'slowest-queries');
    expect(['ok', 'warn']).toContain(check.status);
    expect(check.finding).not.toContain('Query Store is OFF');
  });

  it('a login without VIEW SERVER STATE is told the session checks cannot run, and why', async () => {
    if (info.engineEdition === 5) return; // Azure SQL Database has no server logins to create here.
    const login = `schemashift_doctor_${randomBytes(4).toString('hex')}`;
    const password = `Aa1!${randomBytes(12).toString('hex')}`;
    const admin = await connect(mssqlAdminUrl!);
    try {
      await admin.query(`CREATE LOGIN [${login}] WITH PASSWORD = N'${password}', CHECK_POLICY = OFF`);
      await db.conn.query(`CREATE USER [${login}] FOR LOGIN [${login}]`);
      const url = new URL(db.url);
      url.username = login;
      url.password = password;
      const weak = await connect(url.toString());
      try {
        const report = await runDoctor(weak, mssqlDoctor, DEFAULT_DOCTOR_OPTIONS);
        for (const id of ['long-transactions', 'idle-in-transaction', 'blocking-chains']) {
          expect(checkOf(report, id)).toMatchObject({
            status: 'warn',
            finding: 'could not check: this login lacks VIEW SERVER STATE, so other sessions are hidden from it',
            fix: mssqlDoctor.cannotCheckFix,
          });
        }
      } finally {
        await weak.close();
      }
    } finally {
      await db.conn.query(`IF USER_ID(N'${login}') IS NOT NULL DROP USER [${login}]`);
      await dropLogin(admin, login);
      await admin.close();
    }
  });
});
