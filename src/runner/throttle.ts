/**
 * Throttles decide whether the next backfill batch may run (gh-ost's throttler): each looks at one
 * real signal and, when the batch should wait, says why in words a person can act on.
 */
import type { Queryable } from '../db/connection.js';
import type { ActivitySql } from '../dialects/activity.js';
import type { BackfillStep } from '../operations/types.js';
import type { StateStore } from '../state/store.js';
import { readOnlyQuery, type ReadOnlyTarget } from './read-only-query.js';
import { lagOfReplica, lagsSeenByPrimary, worstLag, type Replica, type ReplicaLag } from './replicas.js';

/** What holds a backfill, as a short fixed word (telemetry groups waits by it; `reason` is the sentence). */
export type ThrottleCause = 'pause' | 'lock-waiters' | 'throttle-query' | 'replica-lag';

/** `topic`: the same wait with a new figure in `reason` (a growing lag) is not a new wait. */
export type ThrottleVerdict = { wait: false } | { wait: true; reason: string; topic?: string; cause?: ThrottleCause };

export interface Throttle {
  check(): Promise<ThrottleVerdict>;
}

const GO: ThrottleVerdict = { wait: false };

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}

/** `pause FILE` sets runs.paused; the backfill stops at its next batch boundary until `resume`. */
export function pauseRequested(store: StateStore, planName: string): Throttle {
  return {
    async check() {
      const run = await store.getRun(planName);
      if (!run?.paused) return GO;
      const reason = run.pause_requested_by ? `paused by ${run.pause_requested_by}` : 'paused';
      return { wait: true, reason, cause: 'pause' };
    },
  };
}

/** Sessions queued for a lock on the table, or on rows of it (ActivitySql.lockWaiters). */
export function lockWaiters(
  db: Queryable,
  activity: ActivitySql,
  table: string,
  oid: number,
  max: number,
  own: ReadonlySet<number> = new Set(),
): Throttle {
  return {
    async check() {
      const { sql, params } = activity.lockWaiters(oid, [...own]);
      const { rows } = await db.query<{ n: number }>(sql, params);
      const n = Number(rows[0]?.n ?? 0);
      return n > max
        ? {
            wait: true,
            reason: `${n} session${n === 1 ? '' : 's'} waiting for locks on ${table} > ${max}`,
            cause: 'lock-waiters',
          }
        : GO;
    },
  };
}

/** The plan's own signal: the first column of the first row, compared with `above`. */
export function throttleQuery(target: ReadOnlyTarget, query: string, above: number): Throttle {
  return {
    async check() {
      const { rows } = await readOnlyQuery(target, query, 'the backfill throttle query');
      const value = Object.values(rows[0] ?? {})[0];
      if (value === null || value === undefined) return GO;
      const n = Number(value);
      if (Number.isNaN(n))
        throw new Error(`the backfill throttle query returned ${JSON.stringify(value)}, not a number: ${query}`);
      return n > above
        ? { wait: true, reason: `throttle query returned ${n} > ${above}`, cause: 'throttle-query' }
        : GO;
    },
  };
}

function lagReason(activity: ActivitySql, worst: ReplicaLag, maxMs: number): string {
  if (worst.error !== undefined) return `cannot read the lag of replica ${worst.on}: ${worst.error}`;
  const paused = worst.paused ? ` (${activity.pausedReplayHint})` : '';
  return `replica lag ${seconds(worst.ms)} > ${seconds(maxMs)} on ${worst.on}${paused}`;
}

/**
 * The largest replay lag among the primary's streaming replicas (as the primary sees them) and the
 * replicas given with `--replica` (each asked itself); none at all means no wait. A replica that
 * does not answer holds the backfill: its lag is unknown.
 */
export function replicaLag(
  primary: Queryable,
  activity: ActivitySql,
  maxMs: number,
  replicas: Replica[] = [],
): Throttle {
  return {
    async check() {
      const ownLags = await Promise.all(replicas.map((r) => lagOfReplica(r, activity)));
      const lags = [...(await lagsSeenByPrimary(primary, activity)), ...ownLags];
      const worst = worstLag(lags);
      if (worst === undefined || worst.ms <= maxMs) return GO;
      return {
        wait: true,
        reason: lagReason(activity, worst, maxMs),
        topic: worst.error === undefined ? 'replica lag' : `replica ${worst.on} unreadable`,
        cause: 'replica-lag',
      };
    },
  };
}

export interface ThrottleTargets {
  store: StateStore;
  planName: string;
  /** Where signals are read: a connection other than the runner's session. */
  db: Queryable;
  activity: ActivitySql;
  /**
   * Where the plan's throttle query runs (read-only-query.ts): never on the runner's session where another backend
   * exists.
   */
  readOnly: ReadOnlyTarget;
  table: { name: string; oid: number };
  /** The backfill's own backends (the runner's session, its workers): their waits are not the application's. */
  ownPids: ReadonlySet<number>;
  /** Standbys given with `--replica`, watched beside the replicas the primary reports. */
  replicas: Replica[];
}

/** The throttles a backfill step asks for; a pause request is always honoured. */
export function backfillThrottles(step: Pick<BackfillStep, 'throttle'>, t: ThrottleTargets): Throttle[] {
  const s = step.throttle;
  const list: Throttle[] = [pauseRequested(t.store, t.planName)];
  if (s.maxLockWaiters !== undefined)
    list.push(lockWaiters(t.db, t.activity, t.table.name, t.table.oid, s.maxLockWaiters, t.ownPids));
  if (s.query !== undefined && s.above !== undefined) list.push(throttleQuery(t.readOnly, s.query, s.above));
  if (s.maxReplicaLagMs !== undefined) list.push(replicaLag(t.db, t.activity, s.maxReplicaLagMs, t.replicas));
  return list;
}

/** The first throttle that says wait, checked in order. */
export async function firstWait(throttles: Throttle[]): Promise<ThrottleVerdict> {
  for (const t of throttles) {
    const verdict = await t.check();
    if (verdict.wait) return verdict;
  }
  return GO;
}
