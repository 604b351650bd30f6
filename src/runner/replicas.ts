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
  /** False when no WAL arrives at the standby (its lag of 0 then means nothing). */
  receiving?: boolean;
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
    const { rows } = await replica.db.query<{ standby: boolean; ms: number; paused: boolean; receiving?: boolean }>(
      activity.standbyLag,
    );
    const row = rows[0];
    return {
      on: replica.name,
      ms: Number(row?.ms ?? 0),
      ...(row?.paused ? { paused: true } : {}),
      ...(row?.receiving === false ? { receiving: false } : {}),
    };
  } catch (e) {
    return { on: replica.name, ms: Number.POSITIVE_INFINITY, error: (e as Error).message.split('\n')[0] ?? String(e) };
  }
}

/** Which cluster a server belongs to and which database a connection is on. */
export interface ServerIdentity {
  system: string;
  database: string;
}

export async function serverIdentity(db: Queryable, activity: ActivitySql): Promise<ServerIdentity> {
  const row = (await db.query<ServerIdentity>(activity.serverIdentity)).rows[0];
  return { system: String(row?.system ?? ''), database: String(row?.database ?? '') };
}

/**
 * Why `replica` (named `name`) is not a copy of the primary's database, or null: another cluster (its
 * positions and rows have nothing to do with the primary's) or another database of the same cluster.
 */
export function identityMismatch(name: string, primary: ServerIdentity, replica: ServerIdentity): string | null {
  if (replica.system !== primary.system)
    return (
      `--replica ${name} is a standby of another cluster (system identifier ${replica.system}, the primary's is ` +
      `${primary.system}): it does not replay the primary's WAL`
    );
  if (replica.database !== primary.database)
    return `--replica ${name} is connected to database ${replica.database}, the primary to ${primary.database}: give the same database in its URL`;
  return null;
}
