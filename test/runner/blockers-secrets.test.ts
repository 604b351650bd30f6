/**
 * Another session's statement can hold a password. A session holding a lock whose last statement
 * was `ALTER USER MAPPING … OPTIONS (ADD password '…')` is named as the blocker of a run's step and
 * of `schemashift refresh`, and as the holder of a refresh's advisory lock: its statement is shown
 * scrubbed, and the password appears in no output, no JSON, and no state row (real PostgreSQL).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEW_REFRESH_LOCK_CLASS } from '../../src/dialects/postgres/view-refresh.js';
import { cli } from '../cli/cli-support.js';
import { VIEWS_SQL } from '../refresh/refresh-support.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { writePlan } from './cli-process.js';

const SECRET = 'TopSecret99';
const MAPPING_SQL = `ALTER USER MAPPING FOR CURRENT_USER SERVER other OPTIONS (ADD password '${SECRET}')`;

/** A session that holds `lockSql`'s lock in an open transaction, its last statement the password's. */
async function secretHolder(url: string, lockSql: string): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: url, application_name: 'secret-holder' });
  await client.connect();
  await client.query('BEGIN');
  await client.query(lockSql);
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  await client.query(MAPPING_SQL);
  return { client, pid };
}

async function release(holder: { client: pg.Client }): Promise<void> {
  await holder.client.query('ROLLBACK');
  await holder.client.end();
}

/** Every text column of every row of the state schema's tables that may carry a blocker. */
async function stateText(db: TestDatabase): Promise<string> {
  const tables = ['events', 'steps', 'view_refreshes'];
  const rows = await Promise.all(
    tables.map((t) => db.query<Record<string, unknown>>(`SELECT * FROM schemashift.${t}`).catch(() => [])),
  );
  return JSON.stringify(rows);
}

describe.skipIf(!postgresAdminUrl)('blockers whose statement holds a password (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_blocker_secrets');
    await db.exec(VIEWS_SQL);
    await db.exec(
      `CREATE EXTENSION postgres_fdw; CREATE SERVER other FOREIGN DATA WRAPPER postgres_fdw;
       CREATE USER MAPPING FOR CURRENT_USER SERVER other OPTIONS (user 'reader');
       CREATE TABLE held (id int PRIMARY KEY, v int)`,
    );
  });
  afterAll(() => db?.close());

  it('a run blocked by it names the blocker with the statement scrubbed, in text, JSON and state', async () => {
    const holder = await secretHolder(db.url!, 'SELECT count(*) FROM held');
    try {
      for (const json of [false, true]) {
        const plan = writePlan(
          `name: secret-blocker-${json}\nsettings: { lock_timeout: 100ms, lock_retries: 1 }\nphases:\n  expand:\n` +
            `    - add_column: { table: held, column: { name: note_${json}, type: text } }\n`,
        );
        const result = await cli(['run', plan, '--yes', '--database', db.url!, ...(json ? ['--json'] : [])]);
        const output = result.stdout + result.stderr;
        expect(result.code, output).toBe(1);
        expect(output).toContain(`pid ${holder.pid}`);
        expect(output).toContain("ALTER USER MAPPING FOR CURRENT_USER SERVER other OPTIONS (ADD password '****')");
        expect(output).not.toContain(SECRET);
      }
      const state = await stateText(db);
      expect(state).toContain(`pid ${holder.pid}`);
      expect(state).not.toContain(SECRET);
    } finally {
      await release(holder);
    }
  }, 30_000);

  it('a refresh blocked by it names the blocker scrubbed in every retry, the failure, JSON and view_refreshes', async () => {
    const holder = await secretHolder(db.url!, 'SELECT count(*) FROM plain_mv');
    try {
      const args = ['plain_mv', '--lock-timeout', '100ms', '--lock-retries', '1'];
      for (const json of [false, true]) {
        const result = await cli(['refresh', ...args, ...(json ? ['--json'] : []), '--database', db.url!]);
        const output = result.stdout + result.stderr;
        expect(result.code, output).toBe(1);
        expect(output).toContain(`blocked by pid ${holder.pid}`);
        expect(output).toContain("OPTIONS (ADD password '****')");
        expect(output).not.toContain(SECRET);
      }
      const state = await stateText(db);
      expect(state).toContain(`pid ${holder.pid}`);
      expect(state).not.toContain(SECRET);
    } finally {
      await release(holder);
    }
  }, 30_000);

  it("the holder of a refresh's advisory lock is named with its statement scrubbed", async () => {
    const lockSql = `SELECT pg_advisory_lock(${VIEW_REFRESH_LOCK_CLASS}, hashtext('public.plain_mv') & 2147483647)`;
    const holder = await secretHolder(db.url!, lockSql);
    try {
      const result = await cli(['refresh', 'plain_mv', '--json', '--database', db.url!]);
      expect(result.code, result.stdout + result.stderr).toBe(3);
      const [refresh] = (JSON.parse(result.stdout) as { refreshes: { holder: { pid: number; query: string } }[] })
        .refreshes;
      expect(refresh?.holder.pid).toBe(holder.pid);
      expect(refresh?.holder.query).toContain("(ADD password '****')");
      expect(result.stdout + result.stderr).not.toContain(SECRET);
      const text = await cli(['refresh', 'plain_mv', '--database', db.url!]);
      expect(text.stdout).toContain(`pid ${holder.pid}`);
      expect(text.stdout + text.stderr).not.toContain(SECRET);
      expect(await stateText(db)).not.toContain(SECRET);
    } finally {
      await release(holder);
    }
  }, 30_000);
});
