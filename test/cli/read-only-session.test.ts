/**
 * A check, guard or throttle query cannot change the runner's session: session advisory locks are
 * not transactional, so on PostgreSQL the query runs on another backend (and is rolled back); on
 * PGlite, which has one backend, a query that changes the runner's advisory locks fails the step,
 * and a setting it changes is undone by the ROLLBACK the query always ends with.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { connect, type Connection } from '../../src/db/index.js';
import { readOnlyQuery } from '../../src/runner/read-only-query.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { RUNNER_LOCK_CLASS } from '../../src/dialects/postgres/runner-lock.js';
import { planLockKey, tryRunnerLock } from '../../src/runner/runner-lock.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const UNLOCK_ALL = 'SELECT count(*) FROM (SELECT pg_advisory_unlock_all()) s';
const EVIL_PATH = "SELECT set_config('search_path', 'evil, public', false)";
const TWO_ACCOUNTS = 'CREATE SCHEMA evil; CREATE TABLE public.accounts (id int); CREATE TABLE evil.accounts (id int);';

const unlockPlan = (name: string) =>
  `name: ${name}\nphases:\n  migrate:\n    - check: { sql: "${UNLOCK_ALL}", expect: 1 }\n    - sql: { up: "SELECT pg_sleep(4)" }\n`;
const searchPathPlan = (name: string, before = '') =>
  `name: ${name}\nphases:\n  expand:\n${before}    - check: { sql: "${EVIL_PATH}", expect: "evil, public" }\n    - add_column: { table: accounts, column: { name: nick, type: text } }\n`;

describe.skipIf(!postgresAdminUrl)('read-only queries leave the runner session alone (PostgreSQL)', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_rosession');
    await db.exec(TWO_ACCOUNTS);
    dir = mkdtempSync(join(tmpdir(), 'schemashift-rosession-'));
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(name: string, yaml: string): Promise<{ code: number; output: string }> {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, yaml);
    const io = captureIo(dir);
    const code = await main(['run', file, '--yes', '--database', db.url!], io);
    return { code, output: io.stdout() + io.stderr() };
  }

  it('a check calling pg_advisory_unlock_all() does not release the plan lock: a second runner still exits 3', async () => {
    const first = run('unlock', unlockPlan('unlock'));
    let sleeper: number | undefined;
    for (let i = 0; i < 100 && sleeper === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
      sleeper = (
        await db.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(4)' AND state = 'active'",
        )
      )[0]?.pid;
    }
    expect(sleeper).toBeDefined();
    const held = await db.query<{ pid: number }>(
      "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 2",
      [RUNNER_LOCK_CLASS, planLockKey('unlock')],
    );
    expect(held.map((r) => r.pid)).toEqual([sleeper]);
    const second = await run('unlock', unlockPlan('unlock'));
    expect(second.code, second.output).toBe(3);
    expect(second.output).toMatch(/plan unlock is being run by another runner/);
    const done = await first;
    expect(done.code, done.output).toBe(0);
  });

  it("a check calling set_config('search_path', …, false) does not steer the next step to another schema", async () => {
    const { code, output } = await run('searchpath', searchPathPlan('searchpath'));
    expect(code, output).toBe(0);
    const rows = await db.query<{ schema: string }>(
      "SELECT table_schema AS schema FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'nick'",
    );
    expect(rows).toEqual([{ schema: 'public' }]);
  });
});

describe('read-only queries leave the runner session alone (PGlite, one backend)', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await connect('pglite://memory');
    await conn.exec(TWO_ACCOUNTS);
  });
  afterAll(async () => conn?.close());

  it('a query releasing the plan lock fails the step, naming what it did', async () => {
    await conn.session(async (session) => {
      expect(await tryRunnerLock(postgres.runnerLock, session, 'p')).toBe(true);
      await expect(readOnlyQuery({ conn, session, dialect: postgres }, UNLOCK_ALL, 'check c')).rejects.toThrow(
        /^check c released the runner's plan lock \(another runner could now start on this plan\); the step fails here/,
      );
      await expect(
        readOnlyQuery({ conn, session, dialect: postgres }, 'SELECT pg_advisory_lock(7)', 'the guard of g'),
      ).rejects.toThrow(/^the guard of g took 1 session advisory lock\(s\) that would outlive it/);
    });
  });

  it('through run on a PGlite directory: the check fails the step, the add_column after it does not run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schemashift-rosession-pglite-'));
    try {
      const file = join(dir, 'unlock.yaml');
      writeFileSync(
        file,
        `name: unlock\nphases:\n  expand:\n    - sql: { up: "${TWO_ACCOUNTS}" }\n    - check: { sql: "${UNLOCK_ALL}", expect: 1 }\n    - add_column: { table: accounts, column: { name: nick, type: text } }\n`,
      );
      const io = captureIo(dir);
      const code = await main(['run', file, '--yes', '--database', `pglite://${join(dir, 'db')}`], io);
      expect(code).toBe(1);
      expect(io.stdout() + io.stderr()).toMatch(
        /released the runner's plan lock \(another runner could now start on this plan\); the step fails here/,
      );
      const db = await connect(`pglite://${join(dir, 'db')}`);
      try {
        expect((await db.query("SELECT 1 FROM information_schema.columns WHERE column_name = 'nick'")).rows).toEqual(
          [],
        );
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a query that holds the locks as they were passes', async () => {
    await conn.session(async (session) => {
      expect(await tryRunnerLock(postgres.runnerLock, session, 'p')).toBe(true);
      expect(
        (await readOnlyQuery<{ n: number }>({ conn, session, dialect: postgres }, 'SELECT 1 AS n', 'check c')).rows,
      ).toEqual([{ n: 1 }]);
    });
  });

  it('a setting a query changes is rolled back with it', async () => {
    await conn.session(async (session) => {
      const before = (await session.query<{ p: string }>("SELECT current_setting('search_path') AS p")).rows[0]?.p;
      expect(
        (await readOnlyQuery<{ set_config: string }>({ conn, session, dialect: postgres }, EVIL_PATH, 'check c')).rows,
      ).toEqual([{ set_config: 'evil, public' }]);
      expect((await session.query<{ p: string }>("SELECT current_setting('search_path') AS p")).rows[0]?.p).toBe(
        before,
      );
      await session.exec('ALTER TABLE accounts ADD COLUMN nick text');
    });
    const { rows } = await conn.query<{ schema: string }>(
      "SELECT table_schema AS schema FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'nick'",
    );
    expect(rows).toEqual([{ schema: 'public' }]);
  });
});
