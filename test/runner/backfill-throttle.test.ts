/** Backfills beside other sessions: writers, lock holders, pause requests, throttles. PostgreSQL only (PGlite has one backend). */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/db/index.js';
import type { RunContext } from '../../src/runner/context.js';
import type { RunnerEvent } from '../../src/runner/events.js';
import {
  postgresEngine,
  prepareBackfill,
  progressOf,
  runBackfill,
  stepRow,
  waitForEvent,
  type OpenDatabase,
} from './support.js';

describe.each(postgresEngine)('backfill beside other sessions on $name', (engine) => {
  let db: OpenDatabase;
  let conn: Connection;
  const clients: pg.Client[] = [];
  beforeAll(async () => {
    db = await engine.open();
    conn = db.conn;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  });
  afterAll(() => db?.close());

  async function client(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: db.url! });
    await c.connect();
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  }

  async function count(sql: string): Promise<number> {
    return Number(Object.values((await conn.query(sql)).rows[0] ?? {})[0]);
  }

  const waiting = (reason: string) => (e: RunnerEvent) => e.type === 'progress' && e.progress.waiting === reason;

  it('keeps every row right while another session inserts and updates throughout', async () => {
    await conn.exec(`CREATE TABLE t4 (id bigserial PRIMARY KEY, old int NOT NULL, new int);
      INSERT INTO t4 (old) SELECT g % 1000 FROM generate_series(1, 20000) g;
      CREATE FUNCTION t4_sync() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' OR NEW.old IS DISTINCT FROM OLD.old THEN NEW.new := NEW.old * 10; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER t4_sync BEFORE INSERT OR UPDATE ON t4 FOR EACH ROW EXECUTE FUNCTION t4_sync()`);
    const p = await prepareBackfill(conn, 'bf-writer', {
      table: 't4',
      set: { new: 'old * 10' },
      where: 'new IS NULL',
      batch: { size: 500, delay: '5ms', target_ms: 20 },
    });
    const writer = await client();
    let done = false;
    let writes = 0;
    const writing = (async () => {
      while (!done) {
        try {
          await writer.query('INSERT INTO t4 (old) SELECT (random() * 1000)::int FROM generate_series(1, 20)');
          await writer.query(
            'UPDATE t4 SET old = old + 1 WHERE id IN (SELECT (1 + random() * 19999)::bigint FROM generate_series(1, 20))',
          );
          writes += 2;
        } catch (e) {
          if ((e as { code?: string }).code !== '40P01') throw e;
        }
      }
    })();
    const progress = progressOf(await runBackfill(p).finally(() => (done = true)));
    await writing;
    expect(writes).toBeGreaterThan(10);
    expect(progress.length).toBeGreaterThan(5);
    expect(await count('SELECT count(*) FROM t4 WHERE new IS DISTINCT FROM old * 10')).toBe(0);
    expect(await count('SELECT count(*) FROM t4')).toBeGreaterThan(20000);
  });

  it('loses nothing when its backend is terminated in the middle of a batch, and resumes', async () => {
    await conn.exec(
      `CREATE TABLE t3k (id int PRIMARY KEY, hits int NOT NULL DEFAULT 0); INSERT INTO t3k (id) SELECT g FROM generate_series(1, 5000) g`,
    );
    const p = await prepareBackfill(
      conn,
      'bf-kill',
      { table: 't3k', set: { hits: 'hits + 1' }, batch: { size: 200, delay: 0, target_ms: 100000 } },
      { lock_timeout: '30s' },
    );
    const holder = await client();
    await holder.query('BEGIN');
    await holder.query('SELECT * FROM t3k WHERE id = 2500 FOR UPDATE');
    let ctx: RunContext | undefined;
    const seen: RunnerEvent[] = [];
    const run = runBackfill(p, { onContext: (c) => (ctx = c), listener: (e) => seen.push(e) });
    run.catch(() => undefined);
    await waitForEvent(
      () => seen,
      (e) => e.type === 'lock-wait',
    );
    await conn.query('SELECT pg_terminate_backend($1)', [ctx!.sessionPid]);
    await expect(run).rejects.toThrow(/terminat/i);
    await holder.query('ROLLBACK');

    const hits = await conn.query<{ once: number; twice: number }>(
      'SELECT count(*) FILTER (WHERE hits = 1)::int AS once, count(*) FILTER (WHERE hits > 1)::int AS twice FROM t3k',
    );
    expect(hits.rows[0]!.twice).toBe(0);
    expect(hits.rows[0]!.once).toBeLessThan(2500);
    expect(Number((await stepRow(p)).rows_done)).toBe(hits.rows[0]!.once);
    await runBackfill(p);
    expect(await count('SELECT count(*) FROM t3k WHERE hits = 1')).toBe(5000);
    expect(Number((await stepRow(p)).rows_done)).toBe(5000);
  });

  it('retries a batch that hits lock_timeout, naming the blocker, and finishes', async () => {
    await conn.exec(
      `CREATE TABLE t3r (id int PRIMARY KEY, hits int NOT NULL DEFAULT 0); INSERT INTO t3r (id) SELECT g FROM generate_series(1, 1000) g`,
    );
    const p = await prepareBackfill(
      conn,
      'bf-retry',
      { table: 't3r', set: { hits: 'hits + 1' }, batch: { size: 100, delay: 0 } },
      { lock_timeout: '300ms', lock_retries: 5 },
    );
    const holder = await client();
    await holder.query("BEGIN; SET application_name = 'row-holder'");
    await holder.query('SELECT * FROM t3r WHERE id = 50 FOR UPDATE');
    const seen: RunnerEvent[] = [];
    const run = runBackfill(p, { listener: (e) => seen.push(e) });
    await waitForEvent(
      () => seen,
      (e) => e.type === 'retry',
    );
    await holder.query('ROLLBACK');
    await run;
    expect(await count('SELECT count(*) FROM t3r WHERE hits = 1')).toBe(1000);
    const lockWait = seen.find((e) => e.type === 'lock-wait');
    expect(lockWait?.type === 'lock-wait' && lockWait.blockers[0]?.applicationName).toBe('row-holder');
    expect((await p.store.events('bf-retry')).map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^backfill batch: lock not granted within lock_timeout 300ms; retry 1\/5/),
    );
  });

  it('waits while the run is paused, and goes on when resumed from elsewhere', async () => {
    await conn.exec(
      `CREATE TABLE t6 (id int PRIMARY KEY, v int); INSERT INTO t6 (id) SELECT g FROM generate_series(1, 3000) g`,
    );
    const p = await prepareBackfill(conn, 'bf-pause', {
      table: 't6',
      set: { v: 'id' },
      batch: { size: 500, delay: 0 },
    });
    await p.store.setRun('bf-pause', { paused: true, pause_requested_by: 'alice@laptop' });
    const seen: RunnerEvent[] = [];
    const run = runBackfill(p, { listener: (e) => seen.push(e) });
    await waitForEvent(() => seen, waiting('paused by alice@laptop'));
    expect((await stepRow(p)).waiting_on).toBe('paused by alice@laptop');
    expect(await count('SELECT count(v) FROM t6')).toBe(0);
    await (
      await client()
    ).query("UPDATE schemashift.runs SET paused = false, pause_requested_by = NULL WHERE plan_name = 'bf-pause'");
    await run;
    expect(await count('SELECT count(*) FROM t6 WHERE v = id')).toBe(3000);
    expect((await stepRow(p)).waiting_on).toBeNull();
    const kinds = (await p.store.events('bf-pause')).map((e) => `${e.kind}: ${e.message}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'throttle: backfill waiting: paused by alice@laptop',
        expect.stringMatching(/^throttle-clear: backfill going on after waiting/),
      ]),
    );
  });

  it('waits while the throttle query is above its threshold', async () => {
    await conn.exec(`CREATE TABLE t7 (id int PRIMARY KEY, v int); INSERT INTO t7 (id) SELECT g FROM generate_series(1, 2000) g;
      CREATE TABLE throttle_ctl (busy int NOT NULL); INSERT INTO throttle_ctl VALUES (1)`);
    const p = await prepareBackfill(conn, 'bf-query', {
      table: 't7',
      set: { v: 'id' },
      throttle: { query: 'SELECT busy FROM throttle_ctl', above: 0 },
    });
    const seen: RunnerEvent[] = [];
    const run = runBackfill(p, { listener: (e) => seen.push(e) });
    await waitForEvent(() => seen, waiting('throttle query returned 1 > 0'));
    expect(await count('SELECT count(v) FROM t7')).toBe(0);
    await (await client()).query('UPDATE throttle_ctl SET busy = 0');
    await run;
    expect(await count('SELECT count(*) FROM t7 WHERE v = id')).toBe(2000);
  });

  it('waits while more sessions than allowed queue for locks on the table', async () => {
    await conn.exec(
      `CREATE TABLE t8 (id int PRIMARY KEY, v int); INSERT INTO t8 (id) SELECT g FROM generate_series(1, 2000) g`,
    );
    const p = await prepareBackfill(conn, 'bf-waiters', {
      table: 't8',
      set: { v: 'id' },
      throttle: { max_lock_waiters: 1 },
    });
    const holder = await client();
    await holder.query('BEGIN');
    await holder.query('UPDATE t8 SET v = -1 WHERE id = 1');
    const queued = await Promise.all([client(), client()]);
    const updates = queued.map((c) => c.query('UPDATE t8 SET v = -2 WHERE id = 1'));
    for (
      let i = 0;
      i < 100 &&
      (await count(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE t8%'",
      )) < 2;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const seen: RunnerEvent[] = [];
    const run = runBackfill(p, { listener: (e) => seen.push(e) });
    await waitForEvent(() => seen, waiting('2 sessions waiting for locks on t8 > 1'));
    await holder.query('COMMIT');
    await Promise.all(updates);
    await run;
    expect(await count('SELECT count(*) FROM t8 WHERE v = id')).toBe(2000);
  });
});
