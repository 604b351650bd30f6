/**
 * Stop writes on one side, for a switch in either direction: in one transaction the tables are locked
 * IN SHARE ROW EXCLUSIVE MODE (reads go on; the lock waits like other DDL, retried with backoff, naming
 * its blockers), held for `quiet` while no session may queue a write on them, then each gets its
 * schemashift_retired trigger and the side's WAL position is read. A write that arrives during the quiet
 * window makes it roll back, changing nothing. The triggers do not fire in the logical apply worker.
 */
import type { Queryable } from '../../db/connection.js';
import { activityQueryText } from '../../db/sql-secrets.js';
import { UsageError } from '../../errors.js';
import { watchLockWait, type LockWatch } from '../blockers.js';
import { withLockRetries } from '../lock-retry.js';
import { sleep } from '../sleep.js';
import { retiredTables } from './retired.js';
import { say, sqlNameOf, type ReplicatedTable, type Sides } from './sides.js';

export interface StopSide {
  /** One backend of the side: the transaction runs on it. */
  db: Queryable;
  pid: number;
  /** Another backend of the side, to name blockers while the lock waits. */
  monitor: Queryable | null;
  side: 'blue' | 'green';
  /** Where writes go from now on. */
  writeTo: 'blue' | 'green';
  /** Written inside the transaction (the switch's checkpoint on blue), with the side's WAL position. */
  record?: (lsn: string, db: Queryable) => Promise<void>;
}

interface Writer {
  pid: number;
  mode: string;
  table: string;
  query: string;
}

async function writersDuringQuiet(s: Sides, at: StopSide, names: string[], quietMs: number): Promise<Writer[]> {
  const { sql, params } = s.sql.waitingWriters(names, at.pid);
  const until = Date.now() + quietMs;
  for (;;) {
    const { rows } = await at.db.query<Writer>(sql, params);
    if (rows.length > 0 || Date.now() >= until) return rows;
    await sleep(Math.min(200, Math.max(0, until - Date.now())), s.ctx.signal);
  }
}

function writesStillArrive(at: StopSide, writers: Writer[]): UsageError {
  const who = writers.map((w) => `pid ${w.pid} (${w.mode} on ${w.table}: ${activityQueryText(w.query)})`).join('; ');
  return new UsageError(
    `writes still arrive on ${at.side}: ${who}; nothing was changed (${at.side} takes writes as before)`,
    `move them to ${at.writeTo} first, then run again`,
    'writes-still-arrive',
  );
}

function lockWatch(s: Sides, at: StopSide, tables: ReplicatedTable[]): LockWatch {
  return {
    db: at.monitor,
    dialect: s.ctx.dialect,
    pid: at.pid,
    lockTimeoutMs: s.ctx.plan.plan.settings.lockTimeoutMs,
    target: { relations: tables.map((t) => sqlNameOf(s.ctx, t)), level: s.sql.stopLock, ownPids: [at.pid] },
    report: (blockers) => s.ctx.emit({ type: 'lock-wait', step: s.step, attempt: 0, blockers }),
  };
}

async function lockAndRetire(s: Sides, at: StopSide, tables: ReplicatedTable[], quietMs: number): Promise<string> {
  const names = tables.map((t) => sqlNameOf(s.ctx, t));
  const tx = s.ctx.dialect.session.transaction;
  await at.db.exec(tx.begin);
  try {
    await at.db.exec(
      s.ctx.dialect.session.settings({ lockTimeoutMs: s.ctx.plan.plan.settings.lockTimeoutMs }, 'transaction'),
    );
    await watchLockWait(lockWatch(s, at, tables), () => at.db.exec(s.sql.lockTables(names)));
    const writers = await writersDuringQuiet(s, at, names, quietMs);
    if (writers.length > 0) throw writesStillArrive(at, writers);
    await at.db.exec(s.sql.retireFunction);
    const done = new Set(await retiredTables(s, at.db, at.side, tables));
    for (const name of names)
      if (!done.has(name)) await at.db.exec(s.sql.retireTable(name, s.ctx.plan.plan.name, at.writeTo));
    const lsn = (await at.db.query<{ lsn: string }>(s.sql.currentLsn)).rows[0]?.lsn as string;
    await at.record?.(lsn, at.db);
    await at.db.exec(tx.commit);
    return lsn;
  } catch (e) {
    await at.db.exec(tx.rollback).catch(() => undefined);
    throw e;
  }
}

/**
 * Returns a WAL position of the side after its last write to the tables. When every table is retired
 * already (a resumed run), the current position is such a position: nothing was written since.
 */
export async function stopWrites(s: Sides, at: StopSide, tables: ReplicatedTable[], quietMs: number): Promise<string> {
  const retired = await retiredTables(s, at.db, at.side, tables);
  if (retired.length === tables.length) {
    const lsn = (await at.db.query<{ lsn: string }>(s.sql.currentLsn)).rows[0]?.lsn as string;
    await at.record?.(lsn, at.db);
    return lsn;
  }
  const lsn = await withLockRetries({
    ctx: s.ctx,
    step: s.step,
    attempt: () => lockAndRetire(s, at, tables, quietMs),
    waitingOn: (blockers) => `${at.side}: ${blockers.map((b) => `pid ${b.pid}`).join(', ')}`,
    clearWaitingOn: true,
  });
  say(s, `${at.side}: writes to ${tables.length} table(s) are refused from now on (at ${lsn})`);
  return lsn;
}
