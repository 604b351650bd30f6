/**
 * The replica-lag throttle against a real streaming standby of the local PostgreSQL: replay paused
 * on the standby makes the lag grow; `run --replica` holds the backfill and says why (output and
 * events), the primary's pg_stat_replication shows the same lag, and after replay resumes the
 * backfill finishes with every row right, on the primary and on the standby.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { lagOfReplica, lagsSeenByPrimary } from '../../src/runner/replicas.js';
import { replicaLag } from '../../src/runner/throttle.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { runCli, startCli, writePlan, type Running } from './cli-process.js';
import { sleep, waitFor } from './seed.js';
import { caughtUp, STANDBY_NAME, standbyUnavailable, startStandby, type Standby } from './standby.js';

const unavailable = postgresAdminUrl ? await standbyUnavailable(postgresAdminUrl) : 'no PostgreSQL for tests';
if (unavailable)
  console.warn(`\n!!! SKIPPING the streaming-replica tests (test/runner/replica.test.ts): ${unavailable} !!!\n`);

const ROWS = 20_000;
const PLAN = writePlan(`
name: replica-lag
settings: { lock_timeout: 2s }
phases:
  migrate:
    - backfill:
        table: items
        set: { price_cents: price * 100 }
        batch: { size: 500, delay: 20ms }
        throttle: { max_replica_lag: 1s }
`);

describe.skipIf(unavailable !== null)('replica lag throttle with a real streaming standby', () => {
  let standby: Standby | undefined;
  let db: TestDatabase;
  let primary: Connection;
  let replica: Connection;
  let database: string;
  let running: Running | undefined;
  let writing = false;
  let writer: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    standby = await startStandby(postgresAdminUrl!);
    db = await createPostgresDatabase('schemashift_replica');
    database = new URL(db.url!).pathname.slice(1);
    primary = await connect(db.url!);
    await db.exec(`CREATE TABLE items (id int PRIMARY KEY, price int NOT NULL, price_cents int);
      INSERT INTO items (id, price) SELECT g, g % 500 FROM generate_series(1, ${ROWS}) g;
      CREATE TABLE wal_filler (at timestamptz NOT NULL DEFAULT clock_timestamp())`);
    await caughtUp(postgresAdminUrl!, standby);
    replica = await connect(standby.url(database));
  });

  afterAll(async () => {
    writing = false;
    await writer;
    running?.child.kill('SIGKILL');
    await replica?.close();
    await primary?.close();
    await standby?.stop();
    await db?.close();
  });

  /** Writes on the primary every 100 ms, so that WAL keeps reaching the standby (and the standby keeps reporting). */
  function generateWal(): void {
    writing = true;
    writer = (async () => {
      while (writing) {
        await db.exec('INSERT INTO wal_filler DEFAULT VALUES');
        await sleep(100);
      }
    })();
  }

  it('refuses a --replica that is not a standby', async () => {
    const result = await runCli(['run', PLAN, '--database', db.url!, '--replica', db.url!]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/--replica 127\.0\.0\.1:5432 is not a standby/);
    expect(Number((await primary.query<{ n: string }>('SELECT count(price_cents) AS n FROM items')).rows[0]?.n)).toBe(
      0,
    );
  });

  it('holds the backfill while the paused standby lags more than max_replica_lag, then finishes every row', async () => {
    await replica.query('SELECT pg_wal_replay_pause()');
    await waitFor(
      'replay to pause',
      async () =>
        (await replica.query<{ s: string }>('SELECT pg_get_wal_replay_pause_state() AS s')).rows[0]?.s === 'paused',
    );
    generateWal();
    const seen = await waitFor('the standby to lag more than 1s', async () => {
      const lag = await lagOfReplica({ name: `127.0.0.1:${standby!.port}`, db: replica }, postgres.activity);
      return lag.ms > 1000 && lag;
    });
    expect(seen).toMatchObject({ on: `127.0.0.1:${standby!.port}`, paused: true });

    running = startCli(['run', PLAN, '--database', db.url!, '--replica', standby!.url(database)]);
    let out = '';
    running.child.stdout!.on('data', (d) => (out += d));
    await waitFor(
      'the run to say it waits for the replica',
      () => Promise.resolve(/waiting: replica lag [\d.]+s > 1s on /.test(out)),
      30_000,
    );
    // The line is shown first, then written to the step row and the events log: wait for the event.
    const throttled = await waitFor('the throttle event', async () => {
      const { rows } = await primary.query<{ message: string }>(
        "SELECT message FROM schemashift.events WHERE plan_name = 'replica-lag' AND kind = 'throttle'",
      );
      return rows.length > 0 && rows.map((r) => r.message);
    });
    expect(throttled).toContainEqual(expect.stringMatching(/^backfill waiting: replica lag [\d.]+s > 1s on /));
    const waitingOn = await primary.query<{ waiting_on: string | null }>(
      "SELECT waiting_on FROM schemashift.steps WHERE plan_name = 'replica-lag' AND kind = 'backfill'",
    );
    expect(waitingOn.rows[0]?.waiting_on).toMatch(/^replica lag [\d.]+s > 1s on /);

    // The primary's own view of the same standby, as the throttle reads it without --replica.
    const fromPrimary = await waitFor('pg_stat_replication to report the lag', async () => {
      const lags = await lagsSeenByPrimary(primary, postgres.activity);
      return lags.find((l) => l.on.startsWith(`${STANDBY_NAME} at 127.0.0.1`) && l.ms > 1000);
    });
    const verdict = await replicaLag(primary, postgres.activity, 1000).check();
    expect(verdict).toMatchObject({
      wait: true,
      reason: expect.stringMatching(
        new RegExp(`^replica lag [\\d.]+s > 1s on ${STANDBY_NAME} at 127\\.0\\.0\\.1 \\(pg_stat_replication\\)$`),
      ),
    });
    console.log(
      `while held: standby says ${(seen.ms / 1000).toFixed(1)}s, pg_stat_replication says ${(fromPrimary.ms / 1000).toFixed(1)}s; run output: ${out
        .split('\n')
        .find((l) => l.includes('waiting:'))
        ?.trim()}`,
    );
    await sleep(1000);
    expect(
      Number((await primary.query<{ n: string }>('SELECT count(price_cents) AS n FROM items')).rows[0]?.n),
      'no batch runs while the replica lags',
    ).toBe(0);

    await replica.query('SELECT pg_wal_replay_resume()');
    const result = await running.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('plan done');
    const wrong =
      'SELECT count(*) FILTER (WHERE price_cents IS DISTINCT FROM price * 100) AS wrong, count(*) AS n FROM items';
    expect((await primary.query<{ wrong: string; n: string }>(wrong)).rows[0]).toEqual({ wrong: '0', n: String(ROWS) });
    const kinds = (
      await primary.query<{ kind: string }>("SELECT kind FROM schemashift.events WHERE plan_name = 'replica-lag'")
    ).rows.map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['throttle', 'throttle-clear', 'backfill-done']));

    writing = false;
    await writer;
    await caughtUp(postgresAdminUrl!, standby!);
    expect((await replica.query<{ wrong: string; n: string }>(wrong)).rows[0]).toEqual({ wrong: '0', n: String(ROWS) });
  });

  it('holds the backfill while a --replica does not answer: its lag is unknown', async () => {
    await standby!.halt();
    const verdict = await replicaLag(primary, postgres.activity, 1000, [
      { name: `127.0.0.1:${standby!.port}`, db: replica },
    ]).check();
    expect(verdict).toMatchObject({
      wait: true,
      reason: expect.stringMatching(new RegExp(`^cannot read the lag of replica 127\\.0\\.0\\.1:${standby!.port}: `)),
    });
    console.log(`replica gone: ${verdict.wait ? verdict.reason : ''}`);
  });
});
