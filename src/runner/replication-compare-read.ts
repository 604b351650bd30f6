/** What every read of a blue/green comparison shares: the walk's settings, READ ONLY transactions, stopping. */
import type { Queryable } from '../db/connection.js';
import type { ReplicationCompareSql } from '../dialects/replication-compare.js';
import { InterruptedError } from './interrupted.js';

/** What a table's walk needs: both sides (each one backend), the statements, and the caller's options. */
export interface ChunkWalk {
  blue: Queryable;
  green: Queryable;
  sql: ReplicationCompareSql;
  chunkRows: number;
  rechecks: number;
  chunksPerWait: number;
  waitOnlyOnDifference: boolean;
  recheckPauseMs: number;
  waitForGreen: (blueLsn: string) => Promise<void>;
  signal: AbortSignal;
  onProgress?: (table: string, chunksDone: number, rowsDone: number) => void;
}

/** Statements in one READ ONLY transaction (with the text settings of the dialect), always rolled back. */
export async function readOnly<T>(db: Queryable, sql: ReplicationCompareSql, fn: () => Promise<T>): Promise<T> {
  try {
    // Inside the try: a failing SET after BEGIN leaves an aborted transaction that must still end.
    await db.exec(sql.beginReadOnly);
    return await fn();
  } finally {
    await db.exec(sql.rollback).catch(() => undefined);
  }
}

export function throwIfAborted(signal: AbortSignal, table: string): void {
  if (signal.aborted) throw new InterruptedError(`while comparing ${table}`);
}
