/**
 * Runs a backfill step: keyset batches on the table's key, each in its own short transaction on the
 * runner's session (the next `size` keys' bound, the UPDATE of that key range), with the checkpoint
 * (last key, rows done) written in that same transaction. A crash at any instant therefore loses no
 * batch and applies none twice: the next run reads the checkpoint and goes on after the last key.
 * Before a batch (at most every 250 ms) the throttles (pause, lock waiters, the plan's query,
 * replica lag) may hold it, then the rows/s ceiling (backfill-rate.ts); with a target time, the size
 * adapts to it. With `workers` > 1 the ranges are handed to that many connections at once first
 * (backfill-workers.ts); the loop here then confirms that nothing is left and marks the step done.
 */
import type { BackfillStep } from '../operations/types.js';
import type { StateStore } from '../state/store.js';
import { findBackfillKey } from './backfill-key.js';
import type { BatchStatements } from '../dialects/backfill.js';
import { checkpointJson } from './backfill-checkpoint.js';
import {
  admitBatch,
  afterBatch,
  batchSettings,
  counted,
  boundOf,
  estimateTotal,
  holdIfDue,
  inTransaction,
  interrupted,
  progressOf,
  rateOf,
  readCursor,
  record,
  running,
  throttlesOf,
  withBatchRetries,
  type Run,
} from './backfill-run.js';
import { chooseWorkers, runOnWorkers } from './backfill-workers.js';
import { startPacing, stopPacing } from './backfill-pacing.js';
import type { RunContext } from './context.js';
import { sleep } from './sleep.js';
import type { Throttle } from './throttle.js';

type Patch = Parameters<StateStore['setStep']>[2];

/** The next batch's bound, read ahead on the monitor connection while this batch runs. */
interface Lookahead {
  after: string[];
  size: number;
  /** The bound (null: no key left), or undefined while it is read or when reading it failed. */
  bound: string[] | null | undefined;
}

interface SequentialRun extends Run {
  lookahead: Lookahead | null;
}

interface BatchResult {
  rows: number;
  /** The greatest key of the range the batch covered; null when no row after the last key done is left to update. */
  last: string[] | null;
}

/**
 * At full speed (no delay, no rows/s ceiling), reads the bound of the batch after `last` on the
 * monitor connection while this batch's UPDATE runs, so that walking the next keys costs no time.
 * It is only a hint: a batch uses it when it is ready and was read for its cursor and size, else
 * reads its own in its transaction. A throttled backfill does not: the extra backend would compete
 * with the application for what the throttling leaves it.
 */
function readAhead(run: SequentialRun, sql: BatchStatements, last: string[]): void {
  const { monitor } = run.ctx;
  if (!monitor || run.delayMs > 0 || run.step.batch.maxRowsPerSecond !== undefined) return;
  const ahead: Lookahead = { after: last, size: run.size, bound: undefined };
  run.lookahead = ahead;
  monitor.query<Record<string, string>>(sql.nextBound, [...last, run.size]).then(
    (r) => void (ahead.bound = boundOf(run, r.rows[0])),
    () => undefined,
  );
}

function readyBound(run: SequentialRun, after: string[]): string[] | undefined {
  const ahead = run.lookahead;
  run.lookahead = null;
  // "Nothing left" is read again in the batch's own transaction: rows may have come since.
  if (!ahead?.bound || ahead.size !== run.size || ahead.after.join('\u0000') !== after.join('\u0000')) return undefined;
  return ahead.bound;
}

/** One batch and its state patch, committed together: its bound, its UPDATE, the checkpoint. */
function batchTransaction(
  run: SequentialRun,
  sql: BatchStatements,
  patch: (r: BatchResult) => Patch,
): Promise<BatchResult> {
  const { ctx, step } = run;
  const first = run.cursor.last === null;
  const after = run.cursor.last ?? [];
  const ready = first ? undefined : readyBound(run, after);
  return inTransaction(ctx, ctx.session, batchSettings(ctx), async () => {
    const last =
      ready ??
      boundOf(
        run,
        (await ctx.session.query<Record<string, string>>(first ? sql.firstBound : sql.nextBound, [...after, run.size]))
          .rows[0],
      );
    if (last !== null) readAhead(run, sql, last);
    const updated =
      last === null
        ? 0
        : (await ctx.session.query(first ? sql.firstUpdate : sql.nextUpdate, [...after, ...last])).rowCount;
    const result: BatchResult = { rows: updated, last };
    await ctx.store.setStep(ctx.plan.plan.name, step.id, patch(result), ctx.session);
    return result;
  });
}

/** A batch on the runner's session, retried after a lock timeout or deadlock. */
function runBatch(run: SequentialRun, sql: BatchStatements, patch: (r: BatchResult) => Patch): Promise<BatchResult> {
  return withBatchRetries(run, run.ctx.sessionPid, () => batchTransaction(run, sql, patch));
}

async function start(
  ctx: RunContext,
  step: BackfillStep,
): Promise<{ run: SequentialRun; throttles: Throttle[]; sql: BatchStatements }> {
  const key = await findBackfillKey(ctx.session, ctx.plan.dialect, step);
  const sqlOf = ctx.plan.dialect.backfill;
  const sql = sqlOf.batchStatements(step, key.columns);
  ctx.emit({ type: 'statement', step, sql: sqlOf.batchShape(sql) });
  const cursor = await readCursor(ctx, step, key);
  const run: SequentialRun = {
    ctx,
    step,
    key,
    cursor,
    size: step.batch.size,
    rowsTotal: null,
    rowsThisRun: 0,
    startedAt: performance.now(),
    checkedAt: Number.NEGATIVE_INFINITY,
    ownPids: new Set(ctx.sessionPid === null ? [] : [ctx.sessionPid]),
    lookahead: null,
    ...rateOf(ctx, step),
  };
  run.rowsTotal = await estimateTotal(run);
  await ctx.store.setStep(ctx.plan.plan.name, step.id, { rows_total: run.rowsTotal });
  const from =
    cursor.last === null ? 'from the start' : `after (${cursor.last.join(', ')}), ${cursor.rowsDone} rows already done`;
  await record(
    run,
    'backfill-start',
    `backfill ${step.table} on ${key.source} (${key.columns.join(', ')}) ${from}; about ${run.rowsTotal} rows in all`,
    {
      key: key.columns,
      rowsTotal: run.rowsTotal,
      rowsDone: cursor.rowsDone,
      sql: sqlOf.batchShape(sql),
    },
  );
  return { run, throttles: throttlesOf(run), sql };
}

export async function executeBackfill(ctx: RunContext, step: BackfillStep): Promise<void> {
  const { run, throttles, sql } = await start(ctx, step);
  try {
    run.pacing = await startPacing(run);
    await runBatches(run, throttles, sql);
  } finally {
    // On the way out of a failure the pace's last record may be lost with the connection; the failure is what counts.
    await stopPacing(run, run.pacing).catch(() => undefined);
  }
}

async function runBatches(run: SequentialRun, throttles: Throttle[], sql: BatchStatements): Promise<void> {
  const { ctx, step } = run;
  const workers = chooseWorkers(run);
  // After a run on workers (an owner on the checkpoint), this run claims it too, so that a dead runner's worker cannot
  // record.
  if (workers > 1 || run.cursor.ahead.length > 0 || run.cursor.owner !== undefined)
    await runOnWorkers(run, throttles, sql, workers);
  for (;;) {
    await holdIfDue(run, throttles);
    const ticket = await admitBatch(run);
    if (ctx.signal.aborted) throw interrupted(run);
    const began = performance.now();
    const batches = run.cursor.batches + 1;
    const batch = running(run, () =>
      runBatch(run, sql, (r) =>
        r.last === null
          ? {
              status: 'done',
              finished_at: new Date(),
              rows_total: run.cursor.rowsDone,
              waiting_on: null,
              last_error: null,
            }
          : {
              checkpoint: checkpointJson({ key: run.key.columns, last: r.last, batches, ahead: [] }),
              add_rows: r.rows,
            },
      ),
    );
    const result = await counted(run, ticket, batch, (r) => r.rows);
    if (result.last === null) break;
    run.cursor = {
      key: run.key.columns,
      last: result.last,
      batches,
      ahead: [],
      rowsDone: run.cursor.rowsDone + result.rows,
    };
    run.rowsThisRun += result.rows;
    await afterBatch(run, performance.now() - began);
    ctx.emit({ type: 'progress', step, progress: progressOf(run) });
    if (run.delayMs > 0) await sleep(run.delayMs, ctx.signal);
  }
  const ms = Math.round(performance.now() - run.startedAt);
  run.rowsTotal = run.cursor.rowsDone;
  ctx.emit({ type: 'progress', step, progress: progressOf(run) });
  await record(
    run,
    'backfill-done',
    `backfilled ${run.cursor.rowsDone} rows of ${step.table} (${run.rowsThisRun} in this ` +
      `run, ${(ms / 1000).toFixed(1)}s)`,
    {
      rowsDone: run.cursor.rowsDone,
      rowsThisRun: run.rowsThisRun,
      batches: run.cursor.batches,
      ms,
    },
  );
}
