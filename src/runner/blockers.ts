/**
 * Naming the sessions a lock wait is stuck behind. While an attempt runs, a second connection polls
 * pg_blocking_pids of the waiting backend: at once, then at an interval well under lock_timeout, so
 * that even a 50 ms wait is seen. When the attempt still ends in a lock timeout or deadlock without
 * the watcher having seen anyone (the wait was shorter than a poll's round trip, or the machine was
 * busy), the backend no longer waits, so the blockers are looked up another way: the sessions that
 * hold a lock on the attempt's tables that conflicts with the one it asked for.
 */
import type { Queryable } from '../db/connection.js';
import { activityQueryText } from '../db/sql-secrets.js';
import type { ActivitySql } from '../dialects/activity.js';
import type { Dialect } from '../dialects/dialect.js';
import { isLockWait } from '../dialects/errors.js';
import { DatabaseError } from '../errors.js';
import type { LockInfo, LockLevel, Step } from '../operations/types.js';
import type { RunContext } from './context.js';
import { blockersText, describeBlocker, type Blocker } from './events.js';

interface ActivityRow {
  pid: number;
  state: string | null;
  for_ms: number | null;
  query: string | null;
  application_name: string | null;
  lock?: string | null;
}

function toBlocker(r: ActivityRow): Blocker {
  const b: Blocker = {
    pid: r.pid,
    state: r.state,
    forMs: Math.max(0, Math.round(r.for_ms ?? 0)),
    query: activityQueryText(r.query),
    applicationName: r.application_name || null,
  };
  return r.lock ? { ...b, lock: r.lock } : b;
}

/**
 * The sessions that block `pid` right now (empty when it is not waiting for a lock). pg_blocking_pids
 * takes the lock manager's locks, so it is only called while pg_stat_activity says `pid` waits for one.
 */
export async function blockersOf(db: Queryable, activity: ActivitySql, pid: number): Promise<Blocker[]> {
  const { sql, params } = activity.blockersOf(pid);
  const { rows } = await db.query<ActivityRow>(sql, params);
  return rows.map(toBlocker);
}

/**
 * Where an attempt asks for its lock: the tables (qualified SQL names), the mode, and our own backends to leave out.
 */
export interface LockTarget {
  relations: string[];
  level: LockLevel;
  ownPids: Iterable<number>;
}

/**
 * The other sessions holding a lock on the target's tables that conflicts with its mode; when there
 * is none (the wait was for rows, or for the end of older transactions), the other sessions with an
 * open transaction that hold any lock on them. Each says which lock it holds.
 */
export async function holdersOf(db: Queryable, activity: ActivitySql, target: LockTarget): Promise<Blocker[]> {
  if (target.relations.length === 0) return [];
  const { sql, params } = activity.holdersOf(target.relations, target.level, [...target.ownPids]);
  const { rows } = await db.query<ActivityRow & { conflicting: boolean }>(sql, params);
  const conflicting = rows.filter((r) => r.conflicting);
  return (conflicting.length > 0 ? conflicting : rows).map(toBlocker);
}

/** A lock timeout or deadlock, with the sessions that held the lock (seen while waiting, or looked up after). */
export class LockWaitError extends DatabaseError {
  constructor(
    readonly original: DatabaseError,
    readonly blockers: Blocker[],
    readonly errorClass: 'lockTimeout' | 'deadlock',
  ) {
    super(`${original.message}; ${blockersText(blockers)}`, original.hint, original.code);
  }
}

/**
 * How often to poll while an attempt may be queued for its lock: four times per lock_timeout,
 * between 10 ms and 200 ms. After that (the lock was granted, or the attempt timed out), every 200 ms.
 */
export function pollIntervalMs(lockTimeoutMs: number, elapsedMs = 0): number {
  if (lockTimeoutMs <= 0 || elapsedMs > lockTimeoutMs) return 200;
  return Math.min(200, Math.max(10, Math.floor(lockTimeoutMs / 4)));
}

/**
 * Poll the blockers of `pid` (as `intervalMs` says for the time elapsed) while `work`
 * runs, reporting each new set once. Needs a connection other than the one running `work`.
 */
export async function watchBlockers<T>(
  db: Queryable | null,
  activity: ActivitySql,
  pid: number | null,
  intervalMs: (elapsedMs: number) => number,
  report: (b: Blocker[]) => void,
  work: () => Promise<T>,
): Promise<T> {
  if (!db || pid === null) return work();
  const started = performance.now();
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const poll = () => {
    blockersOf(db, activity, pid)
      .then((blockers) => {
        const key = blockers.map((b) => b.pid).join(',');
        if (blockers.length > 0 && key !== last && !done) report(blockers);
        last = key;
      })
      .catch(() => undefined)
      .finally(() => {
        if (!done) timer = setTimeout(poll, intervalMs(performance.now() - started));
      });
  };
  // The first look comes after a quarter of lock_timeout (at least 10 ms), not at once: a statement
  // has asked for no lock yet when it is sent, and most batches finish before then. A wait too
  // short to be seen is named after its timeout (holdersOf).
  timer = setTimeout(poll, intervalMs(0));
  try {
    return await work();
  } finally {
    done = true;
    clearTimeout(timer);
  }
}

export interface LockWatch {
  /** The watching connection (null: none, as on PGlite, where no other session can hold a lock). */
  db: Queryable | null;
  /** Where the blockers' SQL comes from, and what a lock timeout or deadlock looks like. */
  dialect: Pick<Dialect, 'activity' | 'errors'>;
  /** The backend that runs the attempt. */
  pid: number | null;
  lockTimeoutMs: number;
  target: LockTarget;
  /** Called with each new set of blockers seen while the attempt waits. */
  report: (blockers: Blocker[]) => void;
}

/**
 * Run one attempt watching its lock waits. A lock timeout or deadlock is thrown as a LockWaitError
 * naming the blockers: the last ones the watcher saw, else those found holding a conflicting lock.
 */
export async function watchLockWait<T>(w: LockWatch, work: () => Promise<T>): Promise<T> {
  let seen: Blocker[] = [];
  const report = (blockers: Blocker[]) => {
    seen = blockers;
    w.report(blockers);
  };
  try {
    const interval = (elapsed: number) => pollIntervalMs(w.lockTimeoutMs, elapsed);
    return await watchBlockers(w.db, w.dialect.activity, w.pid, interval, report, work);
  } catch (e) {
    if (!(e instanceof DatabaseError) || e instanceof LockWaitError) throw e;
    const errorClass = w.dialect.errors.classify(e);
    if (!isLockWait(errorClass)) throw e;
    const blockers =
      seen.length > 0 || !w.db ? seen : await holdersOf(w.db, w.dialect.activity, w.target).catch(() => []);
    throw new LockWaitError(e, blockers, errorClass);
  }
}

/**
 * The watch of one attempt of `step` on the runner's session, taking `lock`: each new set of
 * blockers is shown, recorded as a lock-wait event and written to the step row (`waiting_on`).
 */
export function stepLockWatch(ctx: RunContext, step: Step, attempt: number, lock: LockInfo): LockWatch {
  const planName = ctx.plan.plan.name;
  return {
    db: ctx.monitor,
    dialect: ctx.dialect,
    pid: ctx.sessionPid,
    lockTimeoutMs: ctx.plan.plan.settings.lockTimeoutMs,
    target: {
      relations: lock.on.map((t) => ctx.dialect.qualified(t)),
      level: lock.level,
      ownPids: ctx.sessionPid === null ? [] : [ctx.sessionPid],
    },
    report: (blockers) => {
      ctx.emit({ type: 'lock-wait', step, attempt, blockers });
      const text = blockers.map(describeBlocker).join('; ');
      void ctx.store
        .event(planName, step.id, 'lock-wait', `waiting for a lock held by ${text}`, { attempt, blockers })
        .catch(() => undefined);
      void ctx.store.setStep(planName, step.id, { waiting_on: text }).catch(() => undefined);
    },
  };
}
