/**
 * Runs a backfill step: keyset batches on the table's key, each in its own short transaction on the
 * runner's session (the next `size` keys' bound, the UPDATE of that key range), with the checkpoint
 * (last key, rows done) written in that same transaction. A crash at any instant therefore loses no
 * batch and applies none twice: the next run reads the checkpoint and goes on after the last key.
 * Before a batch (at most every 250 ms) the throttles (pause, lock waiters, the plan's query,
 * replica lag) may hold it; with a target time, the size adapts to it.
 */
import { DatabaseError } from '../errors.js';
import type { BackfillStep, BatchSettings } from '../operations/types.js';
import type { StateStore } from '../state/store.js';
import { BackfillRefused, findBackfillKey, type BackfillKey } from './backfill-key.js';
import { batchShape, batchStatements, remainingCountSql, type BatchStatements } from '../operations/backfill-batch-sql.js';
import { watchBlockers } from './blockers.js';
import { actorName, type RunContext } from './context.js';
import { describeBlocker, type BackfillProgress, type Blocker } from './events.js';
import { InterruptedError } from './interrupted.js';
import { backoffMs, sleep } from './sleep.js';
import { backfillThrottles, firstWait, type Throttle } from './throttle.js';

const RETRYABLE = new Set(['55P03', '40P01']);
const THROTTLE_POLL_MS = 500;
/** Throttles are read before a batch when this long has passed since they last said go (not every batch: each read is a round trip). */
const THROTTLE_CHECK_EVERY_MS = 250;
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

type Patch = Parameters<StateStore['setStep']>[2];

/** Where the keyset cursor stands: the last key done (null before the first batch). */
interface Cursor {
  last: string[] | null;
  batches: number;
  rowsDone: number;
}

/** The checkpoint on the step row, written by the last committed batch. */
async function loadCursor(ctx: RunContext, step: BackfillStep, key: BackfillKey): Promise<Cursor> {
  const planName = ctx.plan.plan.name;
  const row = (await ctx.store.getSteps(planName)).find((s) => s.step_id === step.id);
  if (!row) throw new Error(`plan ${planName} has no state row for step ${step.id}: the run must be recorded before its steps execute`);
  const rowsDone = Number(row.rows_done);
  const cp = row.checkpoint;
  if (cp === null) return { last: null, batches: 0, rowsDone };
  const last = cp['last'];
  const walked = Array.isArray(cp['key']) ? (cp['key'] as unknown[]).join(', ') : key.columns.join(', ');
  if (walked !== key.columns.join(', ') || !Array.isArray(last) || last.length !== key.columns.length || !last.every((v) => typeof v === 'string')) {
    throw new BackfillRefused(
      `the checkpoint of ${step.id} (${JSON.stringify(cp)}) was written walking ${step.table} on (${walked}), but its key is now (${key.columns.join(', ')})`,
      'give `key:` naming the columns the checkpoint used, or reset the step to start the backfill over',
    );
  }
  return { last, batches: Number(cp['batches'] ?? 0), rowsDone };
}

interface Run {
  ctx: RunContext;
  step: BackfillStep;
  key: BackfillKey;
  cursor: Cursor;
  size: number;
  rowsTotal: number | null;
  rowsThisRun: number;
  startedAt: number;
  /** When the throttles last said go. */
  checkedAt: number;
  /** The next batch's bound, read ahead on the monitor connection while this batch runs. */
  ahead: Lookahead | null;
}

interface Lookahead {
  after: string[];
  size: number;
  /** The bound (null: no key left), or undefined while it is read or when reading it failed. */
  bound: string[] | null | undefined;
}

function progressOf(run: Run, waiting?: string): BackfillProgress {
  const seconds = (performance.now() - run.startedAt) / 1000;
  const rowsPerSecond = seconds > 0 ? Math.round(run.rowsThisRun / seconds) : 0;
  const done = run.cursor.rowsDone;
  const rowsTotal = run.rowsTotal === null ? null : Math.max(run.rowsTotal, done);
  const etaMs = rowsTotal !== null && rowsPerSecond > 0 ? Math.round(((rowsTotal - done) / rowsPerSecond) * 1000) : null;
  return { rowsDone: done, rowsTotal, rowsPerSecond, etaMs, batchSize: run.size, ...(waiting === undefined ? {} : { waiting }) };
}

function interrupted(run: Run): InterruptedError {
  return new InterruptedError(`during backfill ${run.step.id} after ${run.cursor.rowsDone} rows`);
}

async function record(run: Run, kind: string, message: string, data?: unknown): Promise<void> {
  await run.ctx.store.event(run.ctx.plan.plan.name, run.step.id, kind, message, data, actorName(run.ctx.actor));
}

/** Exact when the table is small (or never analyzed), else the planner's estimate of its rows. */
async function estimateTotal(run: Run): Promise<number> {
  const { ctx, step, key, cursor } = run;
  const { rows } = await ctx.session.query<{ reltuples: number }>('SELECT reltuples::float8 AS reltuples FROM pg_class WHERE oid = $1', [key.oid]);
  const estimate = Number(rows[0]?.reltuples ?? -1);
  if (estimate >= EXACT_COUNT_BELOW) return Math.round(estimate);
  const sql = remainingCountSql(ctx.plan.dialect, step, key.columns, cursor.last !== null);
  const counted = await ctx.session.query<{ n: string | number }>(sql, cursor.last ?? []);
  return cursor.rowsDone + Number(counted.rows[0]?.n ?? 0);
}

/** Hold the next batch while any throttle says wait, telling people why; returns when free or aborted. */
async function holdWhileThrottled(run: Run, throttles: Throttle[]): Promise<void> {
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
        await record(run, 'throttle', `backfill waiting: ${verdict.reason}`, { reason: verdict.reason, rowsDone: run.cursor.rowsDone });
      }
      await sleep(THROTTLE_POLL_MS, ctx.signal);
    }
  } finally {
    if (reason !== null) await ctx.store.setStep(planName, step.id, { waiting_on: null });
  }
  if (reason !== null && !ctx.signal.aborted) {
    await record(run, 'throttle-clear', `backfill going on after waiting ${((performance.now() - since) / 1000).toFixed(1)}s (last: ${reason})`);
  }
}

interface BatchResult {
  rows: number;
  /** The greatest key of the range the batch covered; null when no row after the last key done is left to update. */
  last: string[] | null;
}

/**
 * The batch transaction's settings. Its commit does not wait for the WAL flush (synchronous_commit
 * off): a server crash can undo at most the last moments of batches, each with its own checkpoint,
 * so the next run redoes exactly those; any later ordinary commit (the runner's next state write)
 * makes them durable. It spares the batch a disk flush and live writers the competition for it.
 */
function batchSettings(ctx: RunContext): string {
  const s = ctx.plan.plan.settings;
  return `SET LOCAL lock_timeout = '${s.lockTimeoutMs}ms'; SET LOCAL statement_timeout = '${s.statementTimeoutMs}ms'; SET LOCAL synchronous_commit = off`;
}

function boundOf(run: Run, row: Record<string, string> | undefined): string[] | null {
  return row ? run.key.columns.map((_, i) => String(row[`k${i + 1}`])) : null;
}

/**
 * At full speed (no delay, no rows/s ceiling), reads the bound of the batch after `last` on the
 * monitor connection while this batch's UPDATE runs, so that walking the next keys costs no time.
 * It is only a hint: a batch uses it when it is ready and was read for its cursor and size, else
 * reads its own in its transaction. A throttled backfill does not: the extra backend would compete
 * with the application for what the throttling leaves it.
 */
function readAhead(run: Run, sql: BatchStatements, last: string[]): void {
  const { monitor } = run.ctx;
  const { delayMs, maxRowsPerSecond } = run.step.batch;
  if (!monitor || delayMs > 0 || maxRowsPerSecond !== undefined) return;
  const ahead: Lookahead = { after: last, size: run.size, bound: undefined };
  run.ahead = ahead;
  monitor.query<Record<string, string>>(sql.nextBound, [...last, run.size]).then(
    (r) => void (ahead.bound = boundOf(run, r.rows[0])),
    () => undefined,
  );
}

function readyBound(run: Run, after: string[]): string[] | undefined {
  const ahead = run.ahead;
  run.ahead = null;
  // "Nothing left" is read again in the batch's own transaction: rows may have come since.
  if (!ahead?.bound || ahead.size !== run.size || ahead.after.join('\u0000') !== after.join('\u0000')) return undefined;
  return ahead.bound;
}

/** One batch and its state patch, committed together: its bound, its UPDATE, the checkpoint. */
async function batchTransaction(run: Run, sql: BatchStatements, patch: (r: BatchResult) => Patch): Promise<BatchResult> {
  const { ctx, step } = run;
  const first = run.cursor.last === null;
  const after = run.cursor.last ?? [];
  const ready = first ? undefined : readyBound(run, after);
  await ctx.session.exec(`BEGIN; ${batchSettings(ctx)}`);
  try {
    const last = ready ?? boundOf(run, (await ctx.session.query<Record<string, string>>(first ? sql.firstBound : sql.nextBound, [...after, run.size])).rows[0]);
    if (last !== null) readAhead(run, sql, last);
    const updated = last === null ? 0 : (await ctx.session.query(first ? sql.firstUpdate : sql.nextUpdate, [...after, ...last])).rowCount;
    const result: BatchResult = { rows: updated, last };
    await ctx.store.setStep(ctx.plan.plan.name, step.id, patch(result), ctx.session);
    await ctx.session.exec('COMMIT');
    return result;
  } catch (e) {
    await ctx.session.exec('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

function reportBlockers(run: Run, attempt: number): (blockers: Blocker[]) => void {
  const { ctx, step } = run;
  return (blockers) => {
    ctx.emit({ type: 'lock-wait', step, attempt, blockers });
    const text = blockers.map(describeBlocker).join('; ');
    void ctx.store.event(ctx.plan.plan.name, step.id, 'lock-wait', `backfill batch waiting for a lock held by ${text}`, { attempt, blockers }).catch(() => undefined);
  };
}

/** A batch, retried after a lock timeout or deadlock (rolled back, nothing recorded) with backoff. */
async function runBatch(run: Run, sql: BatchStatements, patch: (r: BatchResult) => Patch): Promise<BatchResult> {
  const { ctx, step } = run;
  const retries = ctx.plan.plan.settings.lockRetries;
  for (let attempt = 1; ; attempt++) {
    try {
      return await watchBlockers(ctx.monitor, ctx.sessionPid, 200, reportBlockers(run, attempt), () => batchTransaction(run, sql, patch));
    } catch (e) {
      const code = e instanceof DatabaseError ? e.code : undefined;
      if (!code || !RETRYABLE.has(code) || attempt > retries) throw e;
      if (ctx.signal.aborted) throw interrupted(run);
      const delayMs = backoffMs(attempt);
      const reason = code === '55P03' ? `lock not granted within lock_timeout ${ctx.plan.plan.settings.lockTimeoutMs}ms` : 'deadlock detected';
      ctx.emit({ type: 'retry', step, attempt, delayMs, reason });
      await record(run, 'retry', `backfill batch: ${reason}; retry ${attempt}/${retries} in ${delayMs}ms`, { attempt, delayMs, code });
      await sleep(delayMs, ctx.signal);
    }
  }
}

async function start(ctx: RunContext, step: BackfillStep): Promise<{ run: Run; throttles: Throttle[]; sql: BatchStatements }> {
  const key = await findBackfillKey(ctx.session, ctx.plan.dialect, step);
  const sql = batchStatements(ctx.plan.dialect, step, key.columns);
  ctx.emit({ type: 'statement', step, sql: batchShape(sql) });
  const cursor = await loadCursor(ctx, step, key);
  const run: Run = { ctx, step, key, cursor, size: step.batch.size, rowsTotal: null, rowsThisRun: 0, startedAt: performance.now(), checkedAt: Number.NEGATIVE_INFINITY, ahead: null };
  run.rowsTotal = await estimateTotal(run);
  await ctx.store.setStep(ctx.plan.plan.name, step.id, { rows_total: run.rowsTotal });
  const from = cursor.last === null ? 'from the start' : `after (${cursor.last.join(', ')}), ${cursor.rowsDone} rows already done`;
  await record(run, 'backfill-start', `backfill ${step.table} on ${key.source} (${key.columns.join(', ')}) ${from}; about ${run.rowsTotal} rows in all`, {
    key: key.columns,
    rowsTotal: run.rowsTotal,
    rowsDone: cursor.rowsDone,
    sql: batchShape(sql),
  });
  const throttles = backfillThrottles(step, {
    store: ctx.store,
    planName: ctx.plan.plan.name,
    db: ctx.monitor ?? ctx.conn,
    table: { name: step.table, oid: key.oid },
    selfPid: ctx.sessionPid,
    replicas: ctx.replicas ?? [],
  });
  return { run, throttles, sql };
}

export async function executeBackfill(ctx: RunContext, step: BackfillStep): Promise<void> {
  const { run, throttles, sql } = await start(ctx, step);
  for (;;) {
    if (performance.now() - run.checkedAt >= THROTTLE_CHECK_EVERY_MS) {
      await holdWhileThrottled(run, throttles);
      run.checkedAt = performance.now();
    }
    if (ctx.signal.aborted) throw interrupted(run);
    const began = performance.now();
    const batches = run.cursor.batches + 1;
    const result = await runBatch(run, sql, (r) =>
      r.last === null
        ? { status: 'done', finished_at: new Date(), rows_total: run.cursor.rowsDone, waiting_on: null, last_error: null }
        : { checkpoint: { key: run.key.columns, last: r.last, batches }, add_rows: r.rows },
    );
    if (result.last === null) break;
    run.cursor = { last: result.last, batches, rowsDone: run.cursor.rowsDone + result.rows };
    run.rowsThisRun += result.rows;
    run.size = adaptBatchSize(run.size, performance.now() - began, step.batch);
    ctx.emit({ type: 'progress', step, progress: progressOf(run) });
    const pauseMs = pauseAfterBatchMs(step.batch, run.rowsThisRun, performance.now() - run.startedAt);
    if (pauseMs > 0) await sleep(pauseMs, ctx.signal);
  }
  const ms = Math.round(performance.now() - run.startedAt);
  run.rowsTotal = run.cursor.rowsDone;
  ctx.emit({ type: 'progress', step, progress: progressOf(run) });
  await record(run, 'backfill-done', `backfilled ${run.cursor.rowsDone} rows of ${step.table} (${run.rowsThisRun} in this run, ${(ms / 1000).toFixed(1)}s)`, {
    rowsDone: run.cursor.rowsDone,
    rowsThisRun: run.rowsThisRun,
    batches: run.cursor.batches,
    ms,
  });
}
