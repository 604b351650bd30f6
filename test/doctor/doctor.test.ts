import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { SERVER_VERSION_CHECK } from '../../src/dialects/postgres/doctor-server.js';
import { DEFAULT_DOCTOR_OPTIONS, type DoctorReport } from '../../src/doctor/types.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

async function doctor(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await main(['doctor', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

async function doctorJson(url: string, ...args: string[]): Promise<{ code: number; report: DoctorReport }> {
  const run = await doctor('--database', url, '--json', ...args);
  return { code: run.code, report: JSON.parse(run.out) as DoctorReport };
}

const check = (report: DoctorReport, id: string) => {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
};

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: 'doctor-test-holder' });
  await c.connect();
  return c;
}

/** Wait (bounded) until pg_stat_activity shows the backend in `state` for longer than `seconds` — no fixed sleeps. */
async function waitFor(db: TestDatabase, pid: number, state: string, seconds: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [row] = await db.query<{ ok: boolean }>(
      `SELECT state = $2 AND clock_timestamp() - xact_start > make_interval(secs => $3) AND clock_timestamp() - state_change > make_interval(secs => $3) AS ok FROM pg_stat_activity WHERE pid = $1`,
      [pid, state, seconds],
    );
    if (row?.ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`backend ${pid} never reached ${state} for ${seconds}s`);
}

describe.skipIf(!postgresAdminUrl)('schemashift doctor (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_doctor');
  });
  afterAll(() => db?.close());

  it('a clean database: every check ok, exit 0, a direct connection holds session state', async () => {
    const run = await doctor('--database', db.url!);
    expect(run.code).toBe(0);
    const lines = run.out.split('\n');
    expect(lines[0]).toMatch(
      /^schemashift doctor: postgres:\/\/postgres@127\.0\.0\.1:\d+\/schemashift_doctor_\w+ \(PostgreSQL \d+\.\d+\)$/,
    );
    expect(run.out).toMatch(/✔ ok {4}long transactions {6}none open longer than 5m/);
    expect(run.out).toContain('direct connection: session state holds');
    expect(run.out).toContain('SET NOT NULL skips the scan when a validated CHECK (col IS NOT NULL) exists');
    expect(lines.at(-2)).toMatch(/^0 fail, \d+ warn, \d+ ok: /);
    console.log(run.out);
  });

  it('a transaction held open in another session fails long-transactions (threshold 1s), exit 1', async () => {
    const holder = await client(db.url!);
    const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await holder.query('BEGIN');
    const sleeping = holder.query('SELECT pg_sleep(30)').catch(() => undefined);
    try {
      await waitFor(db, pid, 'active', 1.1);
      const { code, report } = await doctorJson(db.url!, '--long-transaction', '1s');
      expect(code).toBe(1);
      expect(report.status).toBe('fail');
      const long = check(report, 'long-transactions');
      expect(long.status).toBe('fail');
      expect(long.finding).toMatch(
        new RegExp(
          `^1 transaction\\(s\\) open longer than 1s: pid ${pid} \\(doctor-test-holder, postgres, 127\\.0\\.0\\.1\\) active for \\d+s, open \\d+s: SELECT pg_sleep\\(30\\)$`,
        ),
      );
      expect(long.fix).toContain(`SELECT pg_terminate_backend(${pid});`);
      expect(long.details[0]).toMatchObject({ pid, state: 'active', application: 'doctor-test-holder' });
      expect(check(report, 'idle-in-transaction').status).toBe('ok');
    } finally {
      await db.query('SELECT pg_cancel_backend($1)', [pid]);
      await sleeping;
      await holder.end();
    }
  });

  it('a session idle in transaction fails idle-in-transaction', async () => {
    const idle = await client(db.url!);
    const pid = (await idle.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await idle.query('BEGIN');
    await idle.query('SELECT count(*) FROM pg_class');
    try {
      await waitFor(db, pid, 'idle in transaction', 1.1);
      const { code, report } = await doctorJson(db.url!, '--idle-in-transaction', '1s');
      expect(code).toBe(1);
      const found = check(report, 'idle-in-transaction');
      expect(found.status).toBe('fail');
      expect(found.finding).toMatch(
        new RegExp(
          `^1 session\\(s\\) idle inside a transaction: pid ${pid} \\(doctor-test-holder, postgres, 127\\.0\\.0\\.1\\) idle for \\d+s, last: SELECT count\\(\\*\\) FROM pg_class$`,
        ),
      );
      expect(found.fix).toContain("idle_in_transaction_session_timeout = '1min'");
      expect(check(report, 'long-transactions').status).toBe('ok');
    } finally {
      await idle.query('ROLLBACK');
      await idle.end();
    }
  });

  it('a session idle in transaction after setting a password is named without the password', async () => {
    const idle = await client(db.url!);
    const pid = (await idle.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await idle.query('BEGIN');
    await idle.query("SET LOCAL application_name = 'x'; SELECT 1 AS password_is, 'DoctorSecret77' AS password");
    try {
      await waitFor(db, pid, 'idle in transaction', 1.1);
      const run = await doctor('--database', db.url!, '--idle-in-transaction', '1s');
      const json = await doctor('--database', db.url!, '--json', '--idle-in-transaction', '1s');
      expect(run.out).toContain(`pid ${pid}`);
      expect(run.out).toContain("'****' AS password");
      for (const out of [run.out, run.err, json.out, json.err]) expect(out).not.toContain('DoctorSecret77');
    } finally {
      await idle.query('ROLLBACK');
      await idle.end();
    }
  });

  it('an invalid index left by a failed CREATE UNIQUE INDEX CONCURRENTLY: warn with the DROP INDEX CONCURRENTLY fix (exit 0)', async () => {
    await db.exec('CREATE TABLE dupes (code int); INSERT INTO dupes VALUES (1), (1), (2)');
    await expect(db.exec('CREATE UNIQUE INDEX CONCURRENTLY dupes_code_key ON dupes (code)')).rejects.toThrow(
      /could not create unique index/,
    );
    try {
      const { code, report } = await doctorJson(db.url!);
      expect(code).toBe(0);
      const found = check(report, 'invalid-indexes');
      expect(found.status).toBe('warn');
      expect(found.finding).toBe(
        '1 invalid index(es), left by failed CREATE INDEX CONCURRENTLY: public.dupes_code_key on dupes',
      );
      expect(found.fix).toContain('DROP INDEX CONCURRENTLY public.dupes_code_key;');
      expect(found.details).toEqual([
        expect.objectContaining({
          index: 'dupes_code_key',
          table: 'dupes',
          beingBuilt: false,
          definition: 'CREATE UNIQUE INDEX dupes_code_key ON public.dupes USING btree (code)',
        }),
      ]);
    } finally {
      await db.exec('DROP TABLE dupes');
    }
  });

  it('prepared transactions: "none possible" when max_prepared_transactions = 0, else a PREPARE TRANSACTION is found', async () => {
    const [setting] = await db.query<{ max: number }>(
      `SELECT current_setting('max_prepared_transactions')::int AS max`,
    );
    if (setting!.max === 0) {
      const { report } = await doctorJson(db.url!);
      expect(check(report, 'prepared-transactions')).toMatchObject({
        status: 'ok',
        finding: 'none possible (max_prepared_transactions = 0)',
      });
      return;
    }
    const holder = await client(db.url!);
    await holder.query("BEGIN; CREATE TABLE prepared_probe (x int); PREPARE TRANSACTION 'schemashift_doctor_test'");
    try {
      const { report } = await doctorJson(db.url!);
      expect(check(report, 'prepared-transactions').finding).toContain("'schemashift_doctor_test'");
    } finally {
      await holder.query("ROLLBACK PREPARED 'schemashift_doctor_test'");
      await holder.end();
    }
  });

  it('--json is one stable document: ids, statuses, capabilities; the password is masked', async () => {
    const url = new URL(db.url!);
    url.password = 'doctor-s3cret';
    const run = await doctor('--database', url.toString(), '--json');
    expect(run.out).not.toContain('doctor-s3cret');
    const report = JSON.parse(run.out) as DoctorReport;
    expect(report.version).toBe(1);
    expect(report.database).toContain('postgres:****@');
    expect(report.checks.map((c) => c.id)).toEqual([
      'server-version',
      'long-transactions',
      'idle-in-transaction',
      'prepared-transactions',
      'invalid-indexes',
      'replication',
      'replication-slots',
      'connection-pooler',
      'stale-materialized-views',
      'failed-view-refreshes',
    ]);
    expect(report.server.versionNum).toBeGreaterThanOrEqual(120000);
    expect(report.capabilities.find((c) => c.id === 'set-not-null-skips-scan')).toMatchObject({
      since: '12',
      available: true,
    });
    expect(check(report, 'connection-pooler')).toMatchObject({
      status: 'ok',
      finding: 'direct connection: session state holds',
      fix: null,
    });
  });

  it('refuses a threshold that is not a duration (exit 2)', async () => {
    const run = await doctor('--database', db.url!, '--long-transaction', 'forever');
    expect(run.code).toBe(2);
    expect(run.err).toContain('--long-transaction forever: expected a duration such as 30s, 5m or 1h');
  });
});

describe('schemashift doctor on PGlite and on old servers', () => {
  it('an embedded PGlite: exit 0, nothing in between', async () => {
    const { code, report } = await doctorJson('pglite://memory');
    expect(code).toBe(0);
    expect(check(report, 'connection-pooler').finding).toBe('embedded PGlite: one backend, no proxy in between');
    expect(check(report, 'long-transactions').status).toBe('ok');
  });

  it('server-version: below 12 fails, 13 warns about what it lacks', async () => {
    const ctx = (version: string, versionNum: number) => ({
      db: undefined as never,
      server: { version, versionNum },
      options: DEFAULT_DOCTOR_OPTIONS,
    });
    const old = await SERVER_VERSION_CHECK.run(ctx('11.22', 110022));
    expect(old).toMatchObject({
      status: 'fail',
      finding: 'PostgreSQL 11.22 is older than the oldest supported release (12)',
    });
    const thirteen = await SERVER_VERSION_CHECK.run(ctx('13.16', 130016));
    expect(thirteen.status).toBe('warn');
    expect(thirteen.finding).toContain('client_connection_check_interval (14+)');
    expect(thirteen.fix).toContain('upgrading to 15 or newer gives them all');
  });
});
