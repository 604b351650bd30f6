/**
 * What a backfill run keeps while it goes, and the parts its sequential loop (backfill.ts) and its
 * workers (backfill-workers.ts) share: progress, events, throttles, batch settings and retries.
 */
import type { Queryable } from '../db/connection.js';
import type { StepRow } from '../state/store.js';
import type { TransactionSettings } from '../dialects/backfill.js';
import type { BackfillStep, BatchSettings, LockLevel, VerifyStep } from '../operations/types.js';
import type { BackfillKey } from './backfill-key.js';
import { parseCheckpoint, type Checkpoint } from './backfill-checkpoint.js';
import { watchLockWait, type LockWatch } from './blockers.js';
import { withLockRetries } from './lock-retry.js';
import { actorName, type RunContext } from './context.js';
import { blockersText, describeBlocker, type BackfillProgress } from './events.js';
import { InterruptedError } from './interrupted.js';
import { sleep } from './sleep.js';
import { backfillThrottles, firstWait, type Throttle } from './throttle.js';
import { RateMeter, RowRateLimiter, type Ticket } from './backfill-rate.js';
import { pacedAfterBatch, paceText, type Pacing } from './backfill-pacing.js';

const THROTTLE_POLL_MS = 500;
/**
 * Throttles are read before a batch when this long has passed since they last said go (not every batch: each read is a
 * round trip).
 */
export const THROTTLE_CHECK_EVERY_MS = 250;
/** While a wait goes on, how often its changing figure is shown and written to the step row. */
const WAITING_REFRESH_MS = 2000;
/** Below this many rows (by the planner's estimate) the total is counted exactly. */
const EXACT_COUNT_BELOW = 1_000_000;

/**
 * After a batch that took `elapsedMs`: toward `targetMs`, at most ×2 or ÷2, within [10, 20 × configured] (and
 * max_rows_per_second).
 */
export function adaptBatchSize(size: number, elapsedMs: number, batch: BatchSettings): number {
  if (batch.targetMs === undefined) return size;
  const factor = Math.min(2, Math.max(0.5, batch.targetMs / Math.max(elapsedMs, 0.01)));
  const floor = Math.min(10, batch.size);
  // Never above one second's rows under a rows/s ceiling: such a batch alone would break it.
  const ceiling = Math.min(batch.size * 20, batch.maxRowsPerSecond ?? Number.POSITIVE_INFINITY);
  return Math.round(Math.min(ceiling, Math.max(floor, size * factor)));
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
  /**
   * Backends working for this backfill (the runner's session and any workers), left out of the lock-waiters throttle.
   */
  ownPids: Set<number>;
  /** `max_rows_per_second`, when set. */
  limiter: RowRateLimiter | null;
  /** The rows/s shown: over recent active work, not counting throttle waits. */
  meter: RateMeter;
  /** The pause after each batch: the plan's, or the adaptive pace's of the moment. */
  delayMs: number;
  /** The adaptive pace, when the plan sets no size, delay or target time (started by startPacing). */
  pacing: Pacing | null;
  /** Batches running now, and how many ever started: a probe taken with none running and none started is idle. */
  batchesRunning: number;
  batchesStarted: number;
  /** A throttle or a pause holds the backfill now (the pace's probe rests meanwhile). */
  held?: boolean;
}

/** The rate parts of a new run; says so when batches are cut to the ceiling (a bigger one would break it alone). */
export function rateOf(
  ctx: RunContext,
  step: WalkStep,
): Pick<Run, 'limiter' | 'meter' | 'delayMs' | 'pacing' | 'batchesRunning' | 'batchesStarted'> {
  const max = step.batch.maxRowsPerSecond;
  const limiter = max === undefined ? null : new RowRateLimiter(max);
  if (limiter && step.batch.size > limiter.maxBatch && !step.batch.adaptive) {
    ctx.emit({
      type: 'info',
      message:
        `${step.kind} ${step.id}: batch.size ${step.batch.size} is more than ` +
        `max_rows_per_second ${max}: batches are cut to ${limiter.maxBatch} rows, so that no second holds more`,
    });
  }
  return {
    limiter,
    meter: new RateMeter(),
    delayMs: step.batch.delayMs,
    pacing: null,
    batchesRunning: 0,
    batchesStarted: 0,
  };
}

/** `batch`, counted as running while it does (backfill-probe.ts tells idle probes by it). */
export async function running<T>(run: Run, batch: () => Promise<T>): Promise<T> {
  run.batchesRunning++;
  run.batchesStarted++;
  try {
    return await batch();
  } finally {
    run.batchesRunning--;
  }
}

/** After a batch that took `elapsedMs`: the adaptive pace's decision, or the plan's target time. */
export async function afterBatch(run: Run, elapsedMs: number): Promise<void> {
  if (run.pacing) await pacedAfterBatch(run, run.pacing, elapsedMs);
  else run.size = adaptBatchSize(run.size, elapsedMs, run.step.batch);
}

/**
 * Wait until the rows/s ceiling lets the next batch start (cut to one second's rows) and reserve
 * its rows; null without a ceiling, or when the run was interrupted meanwhile.
 */
export async function admitBatch(run: Run): Promise<Ticket | null> {
  if (!run.limiter) return null;
  run.size = Math.min(run.size, run.limiter.maxBatch);
  return run.limiter.admit(run.size, run.ctx.signal);
}

/** The admitted batch's rows (0 when it failed), counted for the ceiling and the rate shown when it ends. */
export async function counted<T>(
  run: Run,
  ticket: Ticket | null,
  batch: Promise<T>,
  rowsOf: (result: T) => number,
): Promise<T> {
  let rows = 0;
  try {
    const result = await batch;
    rows = rowsOf(result);
    return result;
  } finally {
    if (ticket) run.limiter!.end(ticket, rows);
    run.meter.add(rows);
  }
}

/** While `waiting` (a throttle, a pause) the rate is 0 and there is no ETA: the display says why instead. */
export function progressOf(run: Run, waiting?: string, cause?: string): BackfillProgress {
  const rowsPerSecond = waiting === undefined ? Math.round(run.meter.rowsPerSecond()) : 0;
  const done = run.cursor.rowsDone;
  const rowsTotal = run.rowsTotal === null ? null : Math.max(run.rowsTotal, done);
  const etaMs =
    rowsTotal !== null && rowsPerSecond > 0 ? Math.round(((rowsTotal - done) / rowsPerSecond) * 1000) : null;
  return {
    rowsDone: done,
    rowsTotal,
    rowsPerSecond,
    etaMs,
    batchSize: run.size,
    rowsThisRun: run.rowsThisRun,
    ...(run.pacing ? { pace: paceText(run.pacing), paceChanges: run.pacing.changes } : {}),
    ...(run.pacing?.controller.last ? { paceSignal: run.pacing.controller.last.signal } : {}),
    ...(waiting === undefined ? {} : { waiting }),
    ...(cause === undefined ? {} : { waitingCause: cause }),
  };
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
  const sql = ctx.plan.dialect.backfill;
  const estimate = await sql.estimatedRows(ctx.session, key.oid);
  if (estimate >= 0 && estimate >= exactBelow) return Math.round(estimate);
  const remaining = sql.remainingCount(step, key.columns, cursor.last !== null);
  const counted = await ctx.session.query<{ n: string | number }>(remaining, cursor.last ?? []);
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
      run.held = true;
      run.meter.stop();
      const newTopic = (verdict.topic ?? verdict.reason) !== topic;
      // A figure that moves (a growing lag) is shown every few seconds; a new cause at once.
      if (newTopic || (verdict.reason !== reason && performance.now() - shownAt >= WAITING_REFRESH_MS)) {
        reason = verdict.reason;
        shownAt = performance.now();
        await ctx.store.setStep(planName, step.id, { waiting_on: reason });
        ctx.emit({ type: 'progress', step, progress: progressOf(run, reason, verdict.cause) });
      }
      if (newTopic) {
        topic = verdict.topic ?? verdict.reason;
        await record(run, 'throttle', `${step.kind} waiting: ${verdict.reason}`, {
          reason: verdict.reason,
          rowsDone: run.cursor.rowsDone,
        });
      }
      await sleep(THROTTLE_POLL_MS, ctx.signal);
    }
  } finally {
    run.held = false;
    run.meter.go();
    if (reason !== null) await ctx.store.setStep(planName, step.id, { waiting_on: null });
  }
  if (reason !== null && !ctx.signal.aborted) {
    await record(
      run,
      'throttle-clear',
      `${step.kind} going on after waiting ${((performance.now() - since) / 1000).toFixed(1)}s (last: ${reason})`,
    );
  }
}

/** The throttles the run's step asks for, read on the monitor connection (a pause request always). */
export function throttlesOf(run: Run): Throttle[] {
  const { ctx, step, key } = run;
  return backfillThrottles(step, {
    store: ctx.store,
    planName: ctx.plan.plan.name,
    db: ctx.monitor ?? ctx.conn,
    activity: ctx.dialect.activity,
    readOnly: ctx,
    table: { name: step.table, oid: key.oid },
    ownPids: run.ownPids,
    replicas: ctx.replicas ?? [],
  });
}

/** Before the next batch: hold while a throttle says wait, once THROTTLE_CHECK_EVERY_MS passed since they said go. */
export async function holdIfDue(run: Run, throttles: Throttle[]): Promise<void> {
  if (performance.now() - run.checkedAt < THROTTLE_CHECK_EVERY_MS) return;
  await holdWhileThrottled(run, throttles);
  run.checkedAt = performance.now();
}

/** Before the next batch: hold while a throttle says wait (holdIfDue), then stop if interrupted. */
export async function holdIfThrottled(run: Run, throttles: Throttle[]): Promise<void> {
  await holdIfDue(run, throttles);
  if (run.ctx.signal.aborted) throw interrupted(run);
}

/**
 * The batch transaction's settings. Its commit does not wait for the WAL flush (synchronous_commit
 * off): a server crash can undo at most the last moments of batches, each with its own checkpoint,
 * so the next run redoes exactly those; any later ordinary commit (the runner's next state write)
 * makes them durable. It spares the batch a disk flush and live writers the competition for it.
 */
export function batchSettings(ctx: RunContext): TransactionSettings {
  const s = ctx.plan.plan.settings;
  return { lockTimeoutMs: s.lockTimeoutMs, statementTimeoutMs: s.statementTimeoutMs, durableCommit: false };
}

export function boundOf(run: Run, row: Record<string, string> | undefined): string[] | null {
  return row ? run.key.columns.map((_, i) => String(row[`k${i + 1}`])) : null;
}

function lockWatch(run: Run, pid: number | null, attempt: number, relations?: string[]): LockWatch {
  const { ctx, step } = run;
  return {
    db: ctx.monitor,
    dialect: ctx.dialect,
    pid,
    lockTimeoutMs: ctx.plan.plan.settings.lockTimeoutMs,
    // A batch writes rows of the table: blocked by a stronger table lock, or by rows in another transaction.
    target: {
      relations: relations ?? [ctx.plan.dialect.qualified(step.table)],
      level: ctx.plan.dialect.backfill.batchLockLevel as LockLevel,
      ownPids: run.ownPids,
    },
    report: (blockers) => {
      ctx.emit({ type: 'lock-wait', step, attempt, blockers });
      const text = blockers.map(describeBlocker).join('; ');
      void ctx.store
        .event(ctx.plan.plan.name, step.id, 'lock-wait', `${step.kind} batch waiting for a lock held by ${text}`, {
          attempt,
          blockers,
        })
        .catch(() => undefined);
    },
  };
}

/**
 * `attempt` (one batch transaction on the backend `pid`), retried after a lock timeout or deadlock
 * (rolled back, nothing recorded) with backoff, naming the blockers while it waits and in every
 * retry (`relations`: where its locks are taken when not the step's table).
 */
export function withBatchRetries<T>(
  run: Run,
  pid: number | null,
  attempt: () => Promise<T>,
  relations?: string[],
): Promise<T> {
  return withLockRetries({
    ctx: run.ctx,
    step: run.step,
    attempt: (n) => watchLockWait(lockWatch(run, pid, n, relations), attempt),
    what: `${run.step.kind} batch: `,
    waitingOn: (blockers) => `a batch's lock, ${blockersText(blockers)}`,
    clearWaitingOn: true,
    interrupted: () => interrupted(run),
  });
}

/** A step row's checkpoint and rows done, checked against the key this run walks. */
export function cursorOf(run: Pick<Run, 'step' | 'key'>, row: StepRow): Run['cursor'] {
  return {
    ...parseCheckpoint(run.step.id, run.step.table, run.key.columns, row.checkpoint),
    rowsDone: Number(row.rows_done),
  };
}

/** The checkpoint and rows done, as the step row holds them now. */
export async function readCursor(ctx: RunContext, step: WalkStep, key: BackfillKey): Promise<Run['cursor']> {
  return cursorOf({ step, key }, await stepRow(ctx, step.id));
}

/** The step's state row as it is now. */
export async function stepRow(ctx: RunContext, stepId: string): Promise<StepRow> {
  const row = (await ctx.store.getSteps(ctx.plan.plan.name)).find((s) => s.step_id === stepId);
  if (!row)
    throw new Error(
      `plan ${ctx.plan.plan.name} has no state row for step ${stepId}: the run must be recorded before its ` +
        `steps execute`,
    );
  return row;
}

/** `work` in one transaction on `db` with `settings` (the plan's dialect writes them); rolled back if it throws. */
export async function inTransaction<T>(
  ctx: RunContext,
  db: Queryable,
  settings: TransactionSettings,
  work: () => Promise<T>,
): Promise<T> {
  const tx = ctx.plan.dialect.backfill.transaction(settings);
  await db.exec(tx.begin);
  try {
    const result = await work();
    await db.exec(tx.commit);
    return result;
  } catch (e) {
    await db.exec(tx.rollback).catch(() => undefined);
    throw e;
  }
}
