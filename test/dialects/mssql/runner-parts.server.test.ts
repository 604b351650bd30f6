/**
 * SQL Server's runner parts on a real SQL Server (skipped, with global-setup's loud line, where none
 * answers): the session-owned plan lock keeps a second runner out and names the holder; the state
 * schema is created idempotently (also by two runners at once) and round-trips runs, steps,
 * checkpoints and append-only events; keyset batches on a composite key update every row exactly
 * once; a session waiting for a row lock is named with its blocker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../src/db/index.js';
import { mssqlActivity } from '../../../src/dialects/mssql/activity.js';
import { mssqlBackfillBatches, transaction } from '../../../src/dialects/mssql/backfill.js';
import { mssqlRunnerLock } from '../../../src/dialects/mssql/runner-lock.js';
import { MssqlStateStore } from '../../../src/dialects/mssql/state-store.js';
import { createMssqlDatabase, mssqlAdminUrl, type MssqlTestDatabase } from '../../support/mssql-databases.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!mssqlAdminUrl)('SQL Server runner parts (real server)', () => {
  let db: MssqlTestDatabase;
  beforeAll(async () => {
    db = await createMssqlDatabase('schemashift_parts');
  });
  afterAll(() => db?.close());

  it('plan lock: held by one session, refused to another that names the holder, free after unlock', async () => {
    await db.conn.session(async (a) => {
      const lock12 = mssqlRunnerLock.tryLock(12);
      expect(Boolean((await a.query<{ ok: unknown }>(lock12.sql, lock12.params)).rows[0]?.ok)).toBe(true);
      const aPid = await a.backendPid();
      await db.conn.session(async (b) => {
        expect(Boolean((await b.query<{ ok: unknown }>(lock12.sql, lock12.params)).rows[0]?.ok)).toBe(false);
        const holder = mssqlRunnerLock.findHolder(12);
        expect((await b.query<{ pid: number }>(holder.sql, holder.params)).rows.map((r) => r.pid)).toEqual([aPid]);
        // Key 123 is another lock, not a prefix match of 12.
        const lock123 = mssqlRunnerLock.tryLock(123);
        expect(Boolean((await b.query<{ ok: unknown }>(lock123.sql, lock123.params)).rows[0]?.ok)).toBe(true);
      });
      const unlock = mssqlRunnerLock.unlock(12);
      await a.query(unlock.sql, unlock.params);
    });
    await db.conn.session(async (c) => {
      const lock12 = mssqlRunnerLock.tryLock(12);
      expect(Boolean((await c.query<{ ok: unknown }>(lock12.sql, lock12.params)).rows[0]?.ok)).toBe(true);
    });
  });

  it('state schema: created once by two runners at once, runs/steps/checkpoints/events round-trip', async () => {
    const other = await connect(db.url);
    try {
      await Promise.all([new MssqlStateStore(db.conn).ensureSchema(), new MssqlStateStore(other).ensureSchema()]);
    } finally {
      await other.close();
    }
    const store = new MssqlStateStore(db.conn);
    await store.ensureSchema();
    expect(await store.exists()).toBe(true);
    const step = {
      step_id: 's1',
      ordinal: 0,
      phase: 'migrate',
      kind: 'backfill',
      summary: 'fill',
      entry_id: 'e',
      entry_hash: 'h',
    };
    await store.beginRun({ name: 'p', file: 'p.yaml', hash: 'h' }, { user: 'u', host: 'h', pid: 1 }, [step]);
    await store.setStep('p', 's1', {
      status: 'running',
      checkpoint: { key: ['a', 'b'], last: ['1', 'x'] },
      add_rows: 5,
    });
    await store.setStep('p', 's1', { add_rows: 2 });
    const row = (await store.getSteps('p'))[0]!;
    expect(row.status).toBe('running');
    expect(row.checkpoint).toEqual({ key: ['a', 'b'], last: ['1', 'x'] });
    expect(Number(row.rows_done)).toBe(7);
    await store.event('p', 's1', 'note', "it's ]here[", { n: 1 });
    expect((await store.events('p')).find((e) => e.kind === 'note')).toMatchObject({
      message: "it's ]here[",
      data: { n: 1 },
    });
    await expect(db.conn.query("UPDATE schemashift.events SET message = N'changed'")).rejects.toThrow();
  });

  it('keyset batches on a composite key: every row updated exactly once', async () => {
    await db.conn.exec(`CREATE TABLE dbo.pairs (a int NOT NULL, b nvarchar(10) NOT NULL, hits int NOT NULL DEFAULT 0,
      CONSTRAINT pk_pairs PRIMARY KEY (a, b));
      INSERT INTO dbo.pairs (a, b) SELECT n / 3, CONCAT(N'k', n % 3) FROM (SELECT TOP (1000) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) - 1 AS n FROM sys.all_objects x CROSS JOIN sys.all_objects y) AS g`);
    const sql = mssqlBackfillBatches.batchStatements({ table: 'dbo.pairs', set: { hits: 'hits + 1' } }, ['a', 'b']);
    const tx = transaction({ lockTimeoutMs: 2000, durableCommit: false });
    let last: string[] | null = null;
    let batches = 0;
    await db.conn.session(async (s) => {
      for (;;) {
        await s.exec(tx.begin);
        const bound: Record<string, string> | undefined = (
          await s.query<Record<string, string>>(last ? sql.nextBound : sql.firstBound, [...(last ?? []), 77])
        ).rows[0];
        if (!bound) {
          await s.exec(tx.commit);
          break;
        }
        const upTo = [String(bound['k1']), String(bound['k2'])];
        await s.query(last ? sql.nextUpdate : sql.firstUpdate, [...(last ?? []), ...upTo]);
        await s.exec(tx.commit);
        last = upTo;
        batches++;
      }
    });
    const { rows } = await db.conn.query<{ once: number; other: number }>(
      'SELECT SUM(CASE WHEN hits = 1 THEN 1 ELSE 0 END) AS once, SUM(CASE WHEN hits <> 1 THEN 1 ELSE 0 END) AS other FROM dbo.pairs',
    );
    expect(rows).toEqual([{ once: 1000, other: 0 }]);
    expect(batches).toBe(Math.ceil(1000 / 77));
  });

  it('a session waiting for a row lock is counted and its blocker named', async () => {
    await db.conn.exec('CREATE TABLE dbo.locked (id int PRIMARY KEY, v int); INSERT INTO dbo.locked VALUES (1, 0)');
    const tableId = (await db.conn.query<{ id: number }>("SELECT OBJECT_ID(N'dbo.locked') AS id")).rows[0]!.id;
    await db.conn.session(async (holder) => {
      await holder.exec('BEGIN TRANSACTION; UPDATE dbo.locked SET v = 1 WHERE id = 1');
      const holderPid = await holder.backendPid();
      await db.conn.session(async (waiter) => {
        const waiterPid = await waiter.backendPid();
        const waiting = waiter
          .exec('SET LOCK_TIMEOUT 5000; UPDATE dbo.locked SET v = 2 WHERE id = 1')
          .catch(() => undefined);
        await sleep(500);
        const blockers = mssqlActivity.blockersOf(waiterPid!);
        expect((await db.conn.query<{ pid: number }>(blockers.sql, blockers.params)).rows.map((r) => r.pid)).toEqual([
          holderPid,
        ]);
        const waiters = mssqlActivity.lockWaiters(tableId, []);
        expect(
          Number((await db.conn.query<{ n: number }>(waiters.sql, waiters.params)).rows[0]?.n),
        ).toBeGreaterThanOrEqual(1);
        await holder.exec('ROLLBACK TRANSACTION');
        await waiting;
      });
    });
  });
});
