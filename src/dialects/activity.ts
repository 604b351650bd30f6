/**
 * What other sessions are doing: who blocks a lock wait, who queues for a table's locks, how far
 * behind the replicas are. Rows use the column names given here; the runner turns them into
 * Blocker and ReplicaLag values.
 */
import type { LockLevel } from '../operations/types.js';
import type { Unsupported } from './actions.js';
import type { BoundSql } from './session.js';

/**
 * Rows `{ pid, state, application_name, query, for_ms }` (query: its first 80 characters on one
 * line; for_ms: how long the session has been in its transaction or state).
 */
export interface ActivitySql {
  /** The sessions blocking `pid` right now; none when it is not waiting for a lock. */
  blockersOf(pid: number): BoundSql;
  /**
   * Other sessions with an open transaction holding a lock on `relations` (qualified names), each
   * with `lock` (what it holds) and `conflicting` (whether that conflicts with a request for `level`).
   */
  holdersOf(relations: string[], level: LockLevel, ownPids: number[]): BoundSql;
  /** One row `{ n }`: sessions (other than `ownPids`) queued for a lock on the table, or on its rows. */
  lockWaiters(tableId: number, ownPids: number[]): BoundSql;
  /**
   * One row `{ lock, wal, others }`: sessions (other than `ownPids` and the asking one) waiting for a lock on the table
   * or its rows that `ownPids` hold, waiting to write or flush WAL, and other client sessions at work on the server
   * (now or a moment ago): what an adaptive backfill slows down for, and whether anyone is there to feel it.
   */
  paceWaiters(tableId: number, ownPids: number[]): BoundSql;
  /** Settings of the probe's own session, so that a blocked probe ends as a slow sample instead of hanging. */
  probeSession: string;
  /** Rows `{ name, addr, ms }`: the replay lag of each streaming replica, as the primary sees it. */
  replicaLagsOnPrimary: string;
  /** Where a primary-side lag comes from, for messages. */
  primaryLagSource(name: string, addr: string): string;
  /**
   * One row `{ standby, ms, paused, receiving }`: a standby's own replay lag (0 once caught up); `receiving` false
   * when no WAL is arriving (its receiver is down), null or absent when the dialect cannot tell.
   */
  standbyLag: string;
  /** What to say when replay is paused on a lagging standby. */
  pausedReplayHint: string;
  /** One row `{ standby: boolean }`: whether the server is a read replica. */
  isStandby: string;
  /**
   * One row `{ system, database }` (text): which cluster the server belongs to (the same on a primary and its
   * standbys, different for any other cluster) and the connection's database. A replica must match its primary.
   */
  serverIdentity: string;
  /** Why a server given as a replica was refused, and what to give instead. */
  notAStandby(name: string): { message: string; hint: string };
  /** Reading on a replica what the primary wrote (a verify with `on: replica`), or why this database cannot. */
  replicaReads: ReplicaReadSql | Unsupported;
}

/** How a read on a standby is made to see at least what the primary had when it was asked. */
export interface ReplicaReadSql {
  /** One row `{ position }` on the primary: how far its log is written now, as text. */
  primaryPosition: string;
  /**
   * One row `{ replayed, at, paused }` on the standby for $1 (a primaryPosition): whether replay has
   * reached it, where replay is (text), and whether replay is paused.
   */
  replayedUpTo: string;
}
