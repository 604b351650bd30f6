/**
 * Naming the sessions a lock wait is stuck behind. While an attempt runs, a second connection polls
 * pg_blocking_pids of the waiting backend: at once, then at an interval well under lock_timeout, so
 * that even a 50 ms wait is seen. When the attempt still ends in a lock timeout or deadlock without
 * the watcher having seen anyone (the wait was shorter than a poll's round trip, or the machine was
 * busy), the backend no longer waits, so the blockers are looked up another way: the sessions that
 * hold a lock on the attempt's tables that conflicts with the one it asked for.
 */
import type { Queryable } from '../db/connection.js';
import { DatabaseError } from '../errors.js';
import type { LockInfo, LockLevel, Step } from '../operations/types.js';
import type { RunContext } from './context.js';
import { blockersText, describeBlocker, type Blocker } from './events.js';

/** lock_not_available (lock_timeout) and deadlock_detected: the attempt waited for a lock and lost. */
export const LOCK_WAIT_CODES: ReadonlySet<string> = new Set(['55P03', '40P01']);

const ACTIVITY_COLUMNS = `a.pid, a.state, a.application_name, left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 80) AS query,
  (extract(epoch FROM now() - coalesce(a.xact_start, a.state_change, a.query_start)) * 1000)::float8 AS for_ms`;

interface ActivityRow {
  pid: number;
  state: string | null;
  for_ms: number | null;
  query: string | null;
  application_name: string | null;
  lock?: string | null;
}

function toBlocker(r: ActivityRow): Blocker {
  const b: Blocker = { pid: r.pid, state: r.state, forMs: Math.max(0, Math.round(r.for_ms ?? 0)), query: r.query ?? '', applicationName: r.application_name || null };
  return r.lock ? { ...b, lock: r.lock } : b;
}

/**
 * The sessions that block `pid` right now (empty when it is not waiting for a lock). pg_blocking_pids
 * takes the lock manager's locks, so it is only called while pg_stat_activity says `pid` waits for one.
 */
export async function blockersOf(db: Queryable, pid: number): Promise<Blocker[]> {
  const { rows } = await db.query<ActivityRow>(
    `SELECT ${ACTIVITY_COLUMNS} FROM pg_stat_activity a
     WHERE EXISTS (SELECT 1 FROM pg_stat_activity w WHERE w.pid = $1 AND w.wait_event_type = 'Lock') AND a.pid = ANY (pg_blocking_pids($1)) ORDER BY a.pid`,
    [pid],
  );
  return rows.map(toBlocker);
}

/** pg_locks' names of the table lock modes, weakest first (the order of PostgreSQL's conflict table). */
const MODES = ['AccessShareLock', 'RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'] as const;
const LEVEL_MODE: Record<Exclude<LockLevel, 'none'>, (typeof MODES)[number]> = {
  'ACCESS SHARE': 'AccessShareLock',
  'ROW SHARE': 'RowShareLock',
  'ROW EXCLUSIVE': 'RowExclusiveLock',
  'SHARE UPDATE EXCLUSIVE': 'ShareUpdateExclusiveLock',
  SHARE: 'ShareLock',
  'SHARE ROW EXCLUSIVE': 'ShareRowExclusiveLock',
  EXCLUSIVE: 'ExclusiveLock',
  'ACCESS EXCLUSIVE': 'AccessExclusiveLock',
};
/** For each mode, the modes it conflicts with (PostgreSQL's table 13.2). */
const CONFLICTS: Record<(typeof MODES)[number], readonly string[]> = {
  AccessShareLock: ['AccessExclusiveLock'],
  RowShareLock: ['ExclusiveLock', 'AccessExclusiveLock'],
  RowExclusiveLock: ['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ShareUpdateExclusiveLock: ['ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ShareLock: ['RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ShareRowExclusiveLock: ['RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ExclusiveLock: MODES.slice(1),
  AccessExclusiveLock: MODES,
};

/** The table lock modes that make a request for `level` wait. */
export function conflictingModes(level: LockLevel): readonly string[] {
  return level === 'none' ? [] : CONFLICTS[LEVEL_MODE[level]];
}

/** Where an attempt asks for its lock: the tables (qualified SQL names), the mode, and our own backends to leave out. */
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
export async function holdersOf(db: Queryable, target: LockTarget): Promise<Blocker[]> {
  if (target.relations.length === 0) return [];
  const { rows } = await db.query<ActivityRow & { conflicting: boolean }>(
    `SELECT ${ACTIVITY_COLUMNS}, string_agg(DISTINCT l.mode || ' on ' || l.relation::regclass::text, ', ') AS lock, bool_or(l.mode = ANY ($2::text[])) AS conflicting
     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.granted AND l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.relation IN (SELECT to_regclass(t) FROM unnest($1::text[]) t)
       AND l.pid <> pg_backend_pid() AND l.pid <> ALL ($3::int[]) AND a.xact_start IS NOT NULL
     GROUP BY a.pid, a.state, a.application_name, a.query, a.xact_start, a.state_change, a.query_start ORDER BY a.pid`,
    [target.relations, conflictingModes(target.level), [...target.ownPids]],
  );
  const conflicting = rows.filter((r) => r.conflicting);
  return (conflicting.length > 0 ? conflicting : rows).map(toBlocker);
}

/** A lock timeout or deadlock, with the sessions that held the lock (seen while waiting, or looked up after). */
export class LockWaitError extends DatabaseError {
  constructor(
    readonly original: DatabaseError,
    readonly blockers: Blocker[],
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
export async function watchBlockers<T>(db: Queryable | null, pid: number | null, intervalMs: (elapsedMs: number) => number, report: (b: Blocker[]) => void, work: () => Promise<T>): Promise<T> {
  if (!db || pid === null) return work();
  const started = performance.now();
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const poll = () => {
    blockersOf(db, pid)
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
    return await watchBlockers(w.db, w.pid, (elapsed) => pollIntervalMs(w.lockTimeoutMs, elapsed), report, work);
  } catch (e) {
    if (!(e instanceof DatabaseError) || e instanceof LockWaitError || !LOCK_WAIT_CODES.has(e.code ?? '')) throw e;
    const blockers = seen.length > 0 || !w.db ? seen : await holdersOf(w.db, w.target).catch(() => []);
    throw new LockWaitError(e, blockers);
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
    pid: ctx.sessionPid,
    lockTimeoutMs: ctx.plan.plan.settings.lockTimeoutMs,
    target: { relations: lock.on.map((t) => ctx.plan.dialect.qualified(t)), level: lock.level, ownPids: ctx.sessionPid === null ? [] : [ctx.sessionPid] },
    report: (blockers) => {
      ctx.emit({ type: 'lock-wait', step, attempt, blockers });
      const text = blockers.map(describeBlocker).join('; ');
      void ctx.store.event(planName, step.id, 'lock-wait', `waiting for a lock held by ${text}`, { attempt, blockers }).catch(() => undefined);
      void ctx.store.setStep(planName, step.id, { waiting_on: text }).catch(() => undefined);
    },
  };
}
