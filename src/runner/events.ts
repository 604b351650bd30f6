/** What the runner tells its renderer (listr2 task tree, plain lines, JSON lines). */
import type { Phase, Step } from '../operations/types.js';

export interface Blocker {
  pid: number;
  state: string | null;
  /** How long the blocker has been in its current state (or transaction), in ms. */
  forMs: number;
  /** First 80 characters of its query. */
  query: string;
  applicationName: string | null;
  /** The lock it holds, when it was found by its locks (after the wait ended) rather than by pg_blocking_pids. */
  lock?: string;
}

export function describeBlocker(b: Blocker): string {
  const holds = b.lock ? `, holds ${b.lock}` : '';
  return `pid ${b.pid} (${b.state ?? 'unknown'} for ${(b.forMs / 1000).toFixed(1)}s${
    b.applicationName ? `, ${b.applicationName}` : ''
  }${holds}): ${b.query}`;
}

/** For a lock wait that ended: who held the lock, or that nobody could be named any more. */
export function blockersText(blockers: Blocker[]): string {
  return blockers.length > 0
    ? `blocked by ${blockers.map(describeBlocker).join('; ')}`
    : 'the blocking session had ended before it could be named';
}

export interface BackfillProgress {
  rowsDone: number;
  rowsTotal: number | null;
  rowsPerSecond: number;
  etaMs: number | null;
  batchSize: number;
  /** An adaptive backfill's pace: its batch, its pause, and why it last changed. */
  pace?: string;
  /** Why the backfill is waiting right now, if it is (throttle or pause). */
  waiting?: string;
  /** What holds it, as a fixed word (throttle.ts ThrottleCause), beside `waiting`. */
  waitingCause?: string;
  /** Rows this process has done (rowsDone also counts an earlier run's). */
  rowsThisRun?: number;
  /** An adaptive backfill's pace changes so far, and what moved the last one (backfill-pace.ts PaceSignal). */
  paceChanges?: number;
  paceSignal?: string;
}

export type RunnerEvent =
  | { type: 'phase-start'; phase: Phase }
  | { type: 'phase-done'; phase: Phase }
  | { type: 'step-start'; phase: Phase; step: Step; attempt: number }
  | { type: 'step-skip'; phase: Phase; step: Step; reason: string }
  | { type: 'step-done'; phase: Phase; step: Step; ms: number }
  /** `code`: the database's code for the error (SQLSTATE, or a SQL Server error number), when it gave one. */
  | { type: 'step-failed'; phase: Phase; step: Step; error: string; code?: string }
  | { type: 'statement'; step: Step; sql: string }
  | { type: 'lock-wait'; step: Step; attempt: number; blockers: Blocker[] }
  /**
   * `blockers`: the sessions that held the lock the attempt waited for (empty when they had ended before they could be
   * named).
   */
  | { type: 'retry'; step: Step; attempt: number; delayMs: number; reason: string; blockers: Blocker[] }
  | { type: 'progress'; step: Step; progress: BackfillProgress }
  | { type: 'info'; message: string }
  | { type: 'stopped'; reason: string; next: string | null };

export type RunnerListener = (event: RunnerEvent) => void;
