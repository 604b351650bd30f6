/**
 * What a backfill run keeps while it goes, and the parts its sequential loop (backfill.ts) and its
 * workers (backfill-workers.ts) share: progress, events, throttles, batch settings and retries.
 */
import type { Queryable } from '../db/connection.js';
import { DatabaseError } from '../errors.js';
import type { StepRow } from '../state/store.js';
import type { BackfillStep, BatchSettings, VerifyStep } from '../operations/types.js';
import { remainingCountSql } from '../operations/backfill-batch-sql.js';
import type { BackfillKey } from './backfill-key.js';
import { parseCheckpoint, type Checkpoint } from './backfill-checkpoint.js';
import { watchBlockers } from './blockers.js';
import { actorName, type RunContext } from './context.js';
import { describeBlocker, type BackfillProgress, type Blocker } from './events.js';
import { InterruptedError } from './interrupted.js';
import { backoffMs, sleep } from './sleep.js';
import { backfillThrottles, firstWait, type Throttle } from './throttle.js';

const RETRYABLE = new Set(['55P03', '40P01']);
const THROTTLE_POLL_MS = 500;
/** Throttles are read before a batch when this long has passed since they last said go (not every batch: each read is a round trip). */
export const THROTTLE_CHECK_EVERY_MS = 250;
/** While a wait goes on, how often its changing figure is shown and written to the step row. */
const WAITING_REFRESH_MS = 2000;
/** Below this many rows (by the planner's estimate) the total is counted exactly. */
const EXACT_COUNT_BELOW = 1_000_000;

/** After a batch that took `elapsedMs`: toward `targetMs`, at most ×2 or ÷2, within [10, 20 × configured]. */
export function adaptBatchSize(size: number, elapsedMs: number, batch: BatchSettings): number {
  if (batch.targetMs === undefined) return size;
  const factor = Math.min(2, Math.max(0.5, batch.targetMs / Math.max(elapsedMs, 0.01)));
  const floor = Math.min(10, batch.size);
  return Math.round(Math.min(batch.size * 20, Math.max(floor, size * factor)));
}

/** The pause before the next batch: the configured delay, or longer to keep the run's rate under the ceiling. */
export function pauseAfterBatchMs(batch: BatchSettings, rowsThisRun: number, runMs: number): number {
  const paced = batch.maxRowsPerSecond === undefined ? 0 : (rowsThisRun / batch.maxRowsPerSecond) * 1000 - runMs;
  return Math.max(batch.delayMs, Math.ceil(paced));
}

/** The steps that walk a table's key in batches: a backfill writes each batch, a verify reads it. */
export type WalkStep = BackfillStep | VerifyStep;

export interface Run {
  ctx: RunContext;
  step: WalkStep;
  key: BackfillKey;
  /** The checkpoint as this run knows it; `rowsDone` from the step row. */
  cursor: Checkpoint & { rowsDone: number };
  size: number;
  rowsTotal: number | null;
  rowsThisRun: number;
  startedAt: number;
  /** When the throttles last said go. */
  checkedAt: number;
  /** Backends working for this backfill (the runner's session and any workers), left out of the lock-waiters throttle. */
  ownPids: Set<number>;
}

export function progressOf(run: Run, waiting?: string): BackfillProgress {
  const seconds = (performance.now() - run.startedAt) / 1000;
  const rowsPerSecond = seconds > 0 ? Math.round(run.rowsThisRun / seconds) : 0;
  const done = run.cursor.rowsDone;
  const rowsTotal = run.rowsTotal === null ? null : Math.max(run.rowsTotal, done);
  const etaMs = rowsTotal !== null && rowsPerSecond > 0 ? Math.round(((rowsTotal - done) / rowsPerSecond) * 1000) : null;
  return { rowsDone: done, rowsTotal, rowsPerSecond, etaMs, batchSize: run.size, ...(waiting === undefined ? {} : { waiting }) };
}

export function interrupted(run: Run): InterruptedError {
  return new InterruptedError(`during ${run.step.kind} ${run.step.id} after ${run.cursor.rowsDone} rows`);
}

export async function record(run: Run, kind: string, message: string, data?: unknown): Promise<void> {
  await run.ctx.store.event(run.ctx.plan.plan.name, run.step.id, kind, message, data, actorName(run.ctx.actor));
}

/**
 * Exact when the table is small (or never analyzed), else the planner's estimate of its rows. A
 * verify passes 0 (the estimate whenever there is one): counting would cost about what it does.
 */
export async function estimateTotal(run: Run, exactBelow = EXACT_COUNT_BELOW): Promise<number> {
  const { ctx, step, key, cursor } = run;
  const { rows } = await ctx.session.query<{ reltuples: number }>('SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = $1', [key.oid]);
  const estimate = Number(rows[0]?.reltuples ?? -1);
  if (estimate >= 0 && estimate >= exactBelow) return Math.round(estimate);
  const sql = remainingCountSql(ctx.plan.dialect, step, key.columns, cursor.last !== null);
  const counted = await ctx.session.query<{ n: string | number }>(sql, cursor.last ?? []);
  return cursor.rowsDone + Number(counted.rows[0]?.n ?? 0);
}

/** Hold the next batch while any throttle says wait, telling people why; returns when free or aborted. */
export async function holdWhileThrottled(run: Run, throttles: Throttle[]): Promise<void> {
  const { ctx, step } = run;
  const planName = ctx.plan.plan.name;
  let reason: string | null = null;
  let topic: string | null = null;
  let shownAt = 0;
  const since = performance.now();
  try {
    while (!ctx.signal.aborted) {
      const verdict = await firstWait(throttles);
      if (!verdict.wait) break;
      const newTopic = (verdict.topic ?? verdict.reason) !== topic;
      // A figure that moves (a growing lag) is shown every few seconds; a new cause at once.
      if (newTopic || (verdict.reason !== reason && performance.now() - shownAt >= WAITING_REFRESH_MS)) {
        reason = verdict.reason;
        shownAt = performance.now();
        ctx.emit({ type: 'progress', step, progress: progressOf(run, reason) });
        await ctx.store.setStep(planName, step.id, { waiting_on: reason });
      }
      if (newTopic) {
        topic = verdict.topic ?? verdict.reason;
        await record(run, 'throttle', `${step.kind} waiting: ${verdict.reason}`, { reason: verdict.reason, rowsDone: run.cursor.rowsDone });
      }
      await sleep(THROTTLE_POLL_MS, ctx.signal);
    }
  } finally {
    if (reason !== null) await ctx.store.setStep(planName, step.id, { waiting_on: null });
  }
  if (reason !== null && !ctx.signal.aborted) {
    await record(run, 'throttle-clear', `${step.kind} going on after waiting ${((performance.now() - since) / 1000).toFixed(1)}s (last: ${reason})`);
  }
}

/** The throttles the run's step asks for, read on the monitor connection (a pause request always). */
export function throttlesOf(run: Run): Throttle[] {
  const { ctx, step, key } = run;
  return backfillThrottles(step, {
    store: ctx.store,
    planName: ctx.plan.plan.name,
    db: ctx.monitor ?? ctx.conn,
    table: { name: step.table, oid: key.oid },
    ownPids: run.ownPids,
    replicas: ctx.replicas ?? [],
  });
}

/** Before the next batch: hold while a throttle says wait (read when THROTTLE_CHECK_EVERY_MS have passed), then stop if interrupted. */
export async function holdIfThrottled(run: Run, throttles: Throttle[]): Promise<void> {
  if (performance.now() - run.checkedAt >= THROTTLE_CHECK_EVERY_MS) {
    await holdWhileThrottled(run, throttles);
    run.checkedAt = performance.now();
  }
  if (run.ctx.signal.aborted) throw interrupted(run);
}

/**
 * The batch transaction's settings. Its commit does not wait for the WAL flush (synchronous_commit
 * off): a server crash can undo at most the last moments of batches, each with its own checkpoint,
 * so the next run redoes exactly those; any later ordinary commit (the runner's next state write)
 * makes them durable. It spares the batch a disk flush and live writers the competition for it.
 */
export function batchSettings(ctx: RunContext): string {
  const s = ctx.plan.plan.settings;
  return `SET LOCAL lock_timeout = '${s.lockTimeoutMs}ms'; SET LOCAL statement_timeout = '${s.statementTimeoutMs}ms'; SET LOCAL synchronous_commit = off`;
}

export function boundOf(run: Run, row: Record<string, string> | undefined): string[] | null {
  return row ? run.key.columns.map((_, i) => String(row[`k${i + 1}`])) : null;
}

function reportBlockers(run: Run, attempt: number): (blockers: Blocker[]) => void {
  const { ctx, step } = run;
  return (blockers) => {
    ctx.emit({ type: 'lock-wait', step, attempt, blockers });
    const text = blockers.map(describeBlocker).join('; ');
    void ctx.store.event(ctx.plan.plan.name, step.id, 'lock-wait', `${step.kind} batch waiting for a lock held by ${text}`, { attempt, blockers }).catch(() => undefined);
  };
}

/**
 * `attempt` (one batch transaction on the backend `pid`), retried after a lock timeout or deadlock
 * (rolled back, nothing recorded) with backoff, naming the blockers while it waits.
 */
export async function withBatchRetries<T>(run: Run, pid: number | null, attempt: () => Promise<T>): Promise<T> {
  const { ctx, step } = run;
  const retries = ctx.plan.plan.settings.lockRetries;
  for (let n = 1; ; n++) {
    try {
      return await watchBlockers(ctx.monitor, pid, 200, reportBlockers(run, n), attempt);
    } catch (e) {
      const code = e instanceof DatabaseError ? e.code : undefined;
      if (!code || !RETRYABLE.has(code) || n > retries) throw e;
      if (ctx.signal.aborted) throw interrupted(run);
      const delayMs = backoffMs(n);
      const reason = code === '55P03' ? `lock not granted within lock_timeout ${ctx.plan.plan.settings.lockTimeoutMs}ms` : 'deadlock detected';
      ctx.emit({ type: 'retry', step, attempt: n, delayMs, reason });
      await record(run, 'retry', `${step.kind} batch: ${reason}; retry ${n}/${retries} in ${delayMs}ms`, { attempt: n, delayMs, code });
      await sleep(delayMs, ctx.signal);
    }
  }
}

/** A step row's checkpoint and rows done, checked against the key this run walks. */
export function cursorOf(run: Pick<Run, 'step' | 'key'>, row: StepRow): Run['cursor'] {
  return { ...parseCheckpoint(run.step.id, run.step.table, run.key.columns, row.checkpoint), rowsDone: Number(row.rows_done) };
}

/** The checkpoint and rows done, as the step row holds them now. */
export async function readCursor(ctx: RunContext, step: WalkStep, key: BackfillKey): Promise<Run['cursor']> {
  const row = (await ctx.store.getSteps(ctx.plan.plan.name)).find((s) => s.step_id === step.id);
  if (!row) throw new Error(`plan ${ctx.plan.plan.name} has no state row for step ${step.id}: the run must be recorded before its steps execute`);
  return cursorOf({ step, key }, row);
}

/** `work` in one transaction on `db` that starts with `settings` (SET LOCAL …); rolled back if it throws. */
export async function inTransaction<T>(db: Queryable, settings: string, work: () => Promise<T>): Promise<T> {
  await db.exec(`BEGIN; ${settings}`);
  try {
    const result = await work();
    await db.exec('COMMIT');
    return result;
  } catch (e) {
    await db.exec('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
