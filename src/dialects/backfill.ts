/**
 * What a backfill and a verify need in SQL: the statements of a keyset walk (bound, update, verify
 * chunk), the settings of their short transactions, the fix shown for rows that differ, and the
 * verify's findings in the state schema. The walk itself (cursor, checkpoint, workers, throttles)
 * is the runner's and the same for every dialect.
 *
 * Statements take parameters `$1..`; keys travel as text (a bound returns columns `k1..kn` as text,
 * and the statements take them back as parameters).
 */
import type { Queryable } from '../db/connection.js';

/** Stands for the key in `plan` output when the plan gives no `key:`; the runner finds the primary key. */
export const PRIMARY_KEY_PLACEHOLDER = '<primary key>';

/** The rows a walk visits: those of `table` matching `where`. */
export interface WalkInput {
  table: string;
  where?: string | undefined;
}

/** A backfill: `set` is column → expression over the row. */
export interface BatchInput extends WalkInput {
  set: Record<string, string>;
}

/** A verify: `compare` is new column → expression over the old ones that it must equal. */
export interface CompareInput extends WalkInput {
  compare: Record<string, string>;
}

export interface BatchStatements {
  /** The first batch's bound: `$1` is the batch size. No row: no row matches `where`. */
  firstBound: string;
  /**
   * A later batch's bound: `$1..$k` the last key done, `$k+1` the batch size. No row: none is left to
   * update, the backfill is done.
   */
  nextBound: string;
  /** The first batch: `$1..$k` its bound. */
  firstUpdate: string;
  /** A later batch: `$1..$k` the last key done, `$k+1..$2k` its bound. */
  nextUpdate: string;
  /**
   * Redoing a range a stopped run left (workers): the size-th key up to a cap, `$1..$k` the cap,
   * `$k+1` the size. No row: fewer are left below the cap.
   */
  firstBoundWithin: string;
  /** The same after a key: `$1..$k` that key, `$k+1..$2k` the cap, `$2k+1` the size. */
  nextBoundWithin: string;
}

/**
 * A verify chunk: one statement returning, for the next `size` keys, the bound as text `k1..kn`, and
 * what the chunk found in the dialect's own encoding (`chunkFindings` decodes it): the rows compared,
 * how many differ, and (only when some do) up to the sample size of differing keys and the last one;
 * no row at the end of the key.
 */
export interface VerifyStatements {
  /** The first chunk: `$1` the size. */
  first: string;
  /** A later chunk: `$1..$k` the last key compared, `$k+1` the size. */
  next: string;
}

/** What one verify chunk found: its rows, how many differ, a sample of their keys (text in key order) and the last. */
export interface ChunkFindings {
  rows: number;
  mismatches: number;
  sample: string[][];
  lastMismatch: string[] | null;
}

/** How one short transaction of a walk runs; an absent setting is left as the session has it. */
export interface TransactionSettings {
  readOnly?: boolean;
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  /**
   * false: the commit returns before the log reaches disk (a server crash may undo it, never half of
   * it); true: it waits, whatever the session's default.
   */
  durableCommit?: boolean;
}

/** The scripts that open (with its settings), commit and roll back one transaction. */
export interface TransactionSql {
  begin: string;
  commit: string;
  rollback: string;
}

/** Keys in the range `(after, chunkEnd]` differ: the first and last that do, how many, and a sample. */
export interface MismatchRange {
  seq: number;
  first: string[];
  last: string[];
  /** The end of the last chunk merged into it: a range grows while consecutive chunks have differences. */
  chunkEnd: string[];
  rows: number;
  sample: string[][];
}

export interface RangeChange {
  range: MismatchRange;
  /** True: the latest range grew; false: a new one. */
  merged: boolean;
  /** Sample keys this chunk added. */
  added: number;
}

/** Where a verify step's findings are, in the state schema: its step row and its mismatch ranges. */
export interface VerifyStepRef {
  plan: string;
  stepId: string;
}

/** A verify's findings in the state schema (the ranges table and the step row's checkpoint). */
export interface VerifyFindingsSql {
  /** Whether the state schema holds the ranges table (a state schema older than verify has none). */
  rangesTableExists(db: Queryable): Promise<boolean>;
  /** The walk's ranges in order, at most `limit`. */
  readRanges(db: Queryable, at: VerifyStepRef, limit?: number): Promise<MismatchRange[]>;
  /** The walk's sample of differing keys, in key order, from every range that holds some. */
  readSample(db: Queryable, at: VerifyStepRef): Promise<string[][]>;
  /** The latest range (a chunk starting at its end extends it). */
  lastRange(db: Queryable, at: VerifyStepRef): Promise<MismatchRange | null>;
  /** Start a walk: the last one's ranges go, the checkpoint and rows done start over; one statement. */
  startWalk(db: Queryable, at: VerifyStepRef, checkpoint: object): Promise<void>;
  /** The chunk's range (when rows differ), the checkpoint after it and its rows, in one statement. */
  recordChunk(
    db: Queryable,
    at: VerifyStepRef,
    checkpoint: object,
    rows: number,
    change: RangeChange | null,
  ): Promise<void>;
}

export interface BackfillSql {
  /** The dialect's name for the lock a batch takes on the table it updates (shown; watched while it waits). */
  readonly batchLockLevel: string;
  /** The dialect's name for the lock a verify chunk takes on the table it reads. */
  readonly chunkLockLevel: string;
  /** The statements of a backfill's batches on `key` (a column list, or PRIMARY_KEY_PLACEHOLDER for `plan`). */
  batchStatements(step: BatchInput, key: string[]): BatchStatements;
  /** What `plan` shows and the runner announces: a later batch's statements, in the order they are sent. */
  batchShape(statements: BatchStatements): string;
  /** Rows still to do: one row `n`; `$1..$k` the checkpoint's key when `afterKey`. */
  remainingCount(step: WalkInput, key: string[], afterKey: boolean): string;
  /** The planner's estimate of the table's rows (`tableId`: the key lookup's id); negative when it has none. */
  estimatedRows(db: Queryable, tableId: number): Promise<number>;
  /** A verify's chunk statements; `sampleSize` differing keys are returned per chunk at most. */
  verifyStatements(step: CompareInput, key: string[], sampleSize: number): VerifyStatements;
  /** What `plan` shows and the runner announces: a later chunk's statement. */
  chunkShape(statements: VerifyStatements): string;
  /** What a chunk's row (of `verifyStatements`) found, decoded from the dialect's encoding. */
  chunkFindings(row: Record<string, unknown>): ChunkFindings;
  /** An UPDATE bringing one range's rows in step (shown, never run): the compared expressions, where rows differ. */
  fixStatement(step: CompareInput, key: string[], range: Pick<MismatchRange, 'first' | 'last'>): string;
  /** One transaction of a walk with these settings. */
  transaction(settings: TransactionSettings): TransactionSql;
  /** A verify's findings in the state schema. */
  readonly findings: VerifyFindingsSql;
}
