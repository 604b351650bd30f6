/**
 * Checks, rollout guards and backfill throttle queries only read. A writing statement is refused at
 * validate time (exit 2, position); what the parser cannot see (a function that writes, nextval)
 * is stopped at run time by the READ ONLY transaction the query runs in. On real PostgreSQL: the
 * canary rows survive and the sequence does not move.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { connect, type Connection } from '../../src/db/index.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { DatabaseError } from '../../src/errors.js';
import { readOnlyQuery } from '../../src/runner/read-only-query.js';
import { throttleQuery } from '../../src/runner/throttle.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const SETUP = `
CREATE TABLE canary (id int PRIMARY KEY);
INSERT INTO canary SELECT generate_series(1, 3);
CREATE SEQUENCE canary_seq;
CREATE FUNCTION delete_canary() RETURNS bigint LANGUAGE plpgsql VOLATILE AS
  'BEGIN DELETE FROM canary; RETURN 0; END';`;

describe.skipIf(!postgresAdminUrl)('read-only queries on PostgreSQL', () => {
  let db: TestDatabase;
  let conn: Connection;
  let dir: string;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_readonly');
    await db.exec(SETUP);
    conn = await connect(db.url!);
    dir = mkdtempSync(join(tmpdir(), 'schemashift-readonly-'));
  });
  afterAll(async () => {
    await conn?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const canaryRows = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM canary'))[0]?.n);
  const sequenceState = async () => (await db.query('SELECT last_value, is_called FROM canary_seq'))[0];

  async function runCheck(name: string, sql: string): Promise<{ code: number; output: string }> {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, `name: ${name}\nphases:\n  migrate:\n    - check: { sql: "${sql}", expect: 0 }\n`);
    const io = captureIo(dir);
    const code = await main(['run', file, '--yes', '--database', db.url!], io);
    return { code, output: io.stdout() + io.stderr() };
  }

  it('validate refuses a writable CTE in a check before anything runs', async () => {
    const file = join(dir, 'cte.yaml');
    writeFileSync(
      file,
      'name: cte\nphases:\n  migrate:\n    - check: { sql: "WITH d AS (DELETE FROM canary RETURNING 1) SELECT count(*) FROM d" }\n',
    );
    for (const command of ['validate', 'run']) {
      const io = captureIo(dir);
      const argv = command === 'run' ? ['run', file, '--yes', '--database', db.url!] : ['validate', file];
      expect(await main(argv, io)).toBe(2);
      expect(io.stdout() + io.stderr()).toMatch(
        /cte\.yaml:4:27: error(\[invalid-plan\])?: check: the query modifies data \(WITH d AS \(DELETE …\)\)/,
      );
    }
    expect(await canaryRows()).toBe(3);
  });

  it('a check that writes through a function fails, and the canary rows survive', async () => {
    const { code, output } = await runCheck('writes-through-function', 'SELECT delete_canary()');
    expect(code).not.toBe(0);
    expect(output).toMatch(
      /check check:query tried to write and was stopped \(cannot execute DELETE in a read-only transaction\); nothing was changed/,
    );
    expect(await canaryRows()).toBe(3);
  });

  it('nextval() in a check fails in the READ ONLY transaction; the sequence does not move', async () => {
    const before = await sequenceState();
    const { code, output } = await runCheck('nextval-check', "SELECT nextval('canary_seq') - nextval('canary_seq')");
    expect(code).not.toBe(0);
    expect(output).toMatch(/cannot execute nextval\(\) in a read-only transaction/);
    expect(await sequenceState()).toEqual(before);
  });

  it('a throttle query on the pool runs READ ONLY on one backend of its own', async () => {
    await expect(throttleQuery({ conn, dialect: postgres }, 'SELECT delete_canary()', 0).check()).rejects.toMatchObject(
      { code: '25006', message: expect.stringMatching(/^the backfill throttle query tried to write/) },
    );
    expect(await canaryRows()).toBe(3);
    expect(await throttleQuery({ conn, dialect: postgres }, 'SELECT count(*) FROM canary', 2).check()).toMatchObject({
      wait: true,
      reason: 'throttle query returned 3 > 2',
    });
  });

  it('a guard on the runner session: refused to write, the session left out of any transaction', async () => {
    await conn.session(async (s) => {
      const error = await readOnlyQuery(
        { conn, session: s, dialect: postgres },
        'SELECT delete_canary()',
        'the guard of roll',
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).hint).toMatch(/READ ONLY transaction and may only read/);
      const { rows } = await s.query<{ ro: string; tx: string }>(
        "SELECT current_setting('transaction_read_only') AS ro, (now() = statement_timestamp())::text AS tx",
      );
      expect(rows[0]).toEqual({ ro: 'off', tx: 'true' });
      expect(
        (
          await readOnlyQuery<{ n: string }>(
            { conn, session: s, dialect: postgres },
            'SELECT count(*) AS n FROM canary',
            'the guard of roll',
          )
        ).rows[0]?.n,
      ).toBe('3');
    });
    expect(await canaryRows()).toBe(3);
  });
});

describe('read-only queries on PGlite (one backend)', () => {
  it('a writing function is stopped and the row survives', async () => {
    const conn = await connect('pglite://memory');
    try {
      await conn.exec(SETUP);
      await expect(
        readOnlyQuery({ conn, dialect: postgres }, 'SELECT delete_canary()', 'check c'),
      ).rejects.toMatchObject({ code: '25006' });
      expect((await conn.query<{ n: number }>('SELECT count(*)::int AS n FROM canary')).rows[0]?.n).toBe(3);
    } finally {
      await conn.close();
    }
  });
});
