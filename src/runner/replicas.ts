/**
 * Replica lag, from both ends: the primary's own list of its streaming replicas with the replay lag
 * they last reported, and each standby named with `--replica URL` asked directly (which also covers
 * standbys the primary cannot see). Connecting to those standbys is the caller's (cli/replicas.ts).
 */
import type { Queryable, Session } from '../db/connection.js';
import type { ActivitySql } from '../dialects/activity.js';

/** A read replica the runner watches. */
export interface Replica {
  /** host:port: never the password, never the user. */
  name: string;
  db: Queryable;
  /** One dedicated backend on the replica, for reads that need a transaction (a verify's chunks). */
  session?<T>(fn: (s: Session) => Promise<T>): Promise<T>;
}

export interface ReplicaLag {
  /** Which replica, for messages. */
  on: string;
  ms: number;
  /** Set when the lag could not be read: the replica counts as lagging until it answers. */
  error?: string;
  /** Replay paused on the standby: it will not catch up by itself. */
  paused?: boolean;
}

/** The largest of `lags`; undefined when there are none. */
export function worstLag(lags: ReplicaLag[]): ReplicaLag | undefined {
  return lags.reduce<ReplicaLag | undefined>((a, b) => (a === undefined || b.ms > a.ms ? b : a), undefined);
}

export async function lagsSeenByPrimary(primary: Queryable, activity: ActivitySql): Promise<ReplicaLag[]> {
  const { rows } = await primary.query<{ name: string; addr: string; ms: number | null }>(
    activity.replicaLagsOnPrimary,
  );
  return rows.map((r) => ({ on: activity.primaryLagSource(r.name, r.addr), ms: Number(r.ms ?? 0) }));
}

export async function lagOfReplica(replica: Replica, activity: ActivitySql): Promise<ReplicaLag> {
  try {
    const { rows } = await replica.db.query<{ standby: boolean; ms: number; paused: boolean }>(activity.standbyLag);
    const row = rows[0];
    return { on: replica.name, ms: Number(row?.ms ?? 0), ...(row?.paused ? { paused: true } : {}) };
  } catch (e) {
    return { on: replica.name, ms: Number.POSITIVE_INFINITY, error: (e as Error).message.split('\n')[0] ?? String(e) };
  }
}
