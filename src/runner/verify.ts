/**
 * Runs a verify step: walks the table's key in chunks like a backfill (the same key discovery,
 * bound, throttles, adaptive size and retries), each chunk compared on the server by one statement
 * in a READ ONLY transaction (the bound on the key's index, then an index range scan of that key
 * range: its snapshot lasts one chunk). The chunk's findings and the checkpoint after it are then
 * written together (verify-state.ts), so a killed run resumes after the last chunk recorded; redoing
 * a chunk whose record was lost changes nothing, since a chunk only reads.
 *
 * A walk that reaches the end with no difference marks the step done. One that found differences
 * fails the step with the ranges, sample keys and the fix, so contract cannot start. The next run
 * walks the whole table again from the start: a pass is always one complete walk that began after
 * the last fix (rows outside the recorded ranges may have drifted since they were compared, for the
 * same cause that made the others differ).
 */
import type { Queryable } from '../db/connection.js';
import type { VerifyStep } from '../operations/types.js';
import type { VerifyStatements } from '../dialects/backfill.js';
import { verifyStatements } from '../operations/verify.js';
import { BackfillRefused, findBackfillKey } from './backfill-key.js';
import {
  adaptBatchSize,
  admitBatch,
  batchSettings,
  boundOf,
  counted,
  estimateTotal,
  holdIfThrottled,
  inTransaction,
  interrupted,
  stepRow,
  progressOf,
  rateOf,
  record,
  throttlesOf,
  withBatchRetries,
  type Run,
} from './backfill-run.js';
import type { RunContext } from './context.js';
import { onReplicaSession, readWithConflictRetries, waitForReplay } from './replica-read.js';
import type { Replica } from './replicas.js';
import { chooseReadReplica } from './replica-wait.js';
import { sleep } from './sleep.js';
import type { Throttle } from './throttle.js';
import { describeRange, mismatchMessage, RANGES_SHOWN } from './verify-report.js';
import {
  mergeFindings,
  newWalk,
  parseVerifyCheckpoint,
  type ChunkFindings,
  type MismatchRange,
  type VerifyCheckpoint,
} from './verify-state.js';

/** A walk that found rows whose new values differ: the step fails and contract waits. */
export class VerifyMismatch extends BackfillRefused {
  override name = 'VerifyMismatch';
}

interface VerifyRun extends Run {
  step: VerifyStep;
  sql: VerifyStatements;
  cp: VerifyCheckpoint;
  /** The range the next chunk's differences extend, when it starts where that one ended. */
  latest: MismatchRange | null;
  /** `on: replica`: the standby the chunks are read on. */
  replica?: Replica;
}

/** The next chunk, compared in one statement in a read-only transaction on `db`; null at the end of the key. */
function readChunk(run: VerifyRun, db: Queryable): Promise<{ upTo: string[]; found: ChunkFindings } | null> {
  const { ctx, sql } = run;
  const after = run.cp.last;
  return inTransaction(ctx, db, { readOnly: true, ...batchSettings(ctx) }, async () => {
    const { rows } = await db.query<Record<string, unknown>>(after === null ? sql.first : sql.next, [
      ...(after ?? []),
      run.size,
    ]);
    const r = rows[0];
    const upTo = boundOf(run, r as Record<string, string> | undefined);
    if (!r || upTo === null) return null;
    return { upTo, found: ctx.plan.dialect.backfill.chunkFindings(r) };
  });
}

/** Record a chunk: its differences merged into the ranges, the checkpoint moved past it. */
async function recordFindings(run: VerifyRun, upTo: string[], found: ChunkFindings): Promise<void> {
  const { ctx, step } = run;
  const change = found.mismatches > 0 ? mergeFindings(run.cp, run.latest, run.cp.last, upTo, found) : null;
  const cp: VerifyCheckpoint = {
    ...run.cp,
    last: upTo,
    batches: run.cp.batches + 1,
    mismatches: run.cp.mismatches + found.mismatches,
    ranges: change && !change.merged ? run.cp.ranges + 1 : run.cp.ranges,
    sampled: run.cp.sampled + (change?.added ?? 0),
  };
  // Its commit need not wait for the WAL flush: a checkpoint a server crash loses only makes the next run compare those
  // chunks again.
  const at = { plan: ctx.plan.plan.name, stepId: step.id };
  const findings = ctx.plan.dialect.backfill.findings;
  const write = () => findings.recordChunk(ctx.session, at, cp, found.rows, change);
  await inTransaction(ctx, ctx.session, { durableCommit: false }, write);
  if (change && !change.merged && cp.ranges <= RANGES_SHOWN) {
    const text = `${step.id}: rows differ at ${describeRange(run.key.columns, change.range)} so far`;
    ctx.emit({ type: 'info', message: text });
    await record(run, 'verify-mismatch', text, { range: change.range });
  }
  run.cp = cp;
  run.latest = change ? change.range : run.latest;
  run.cursor = { ...run.cursor, last: upTo, batches: cp.batches, rowsDone: run.cursor.rowsDone + found.rows };
}

/** The walk to go on with: the one a stopped run left, else a new one (first, or after a failed or finished walk). */
async function openWalk(
  ctx: RunContext,
  step: VerifyStep,
  key: string[],
  table: string,
): Promise<{ cp: VerifyCheckpoint; rowsDone: number }> {
  const row = await stepRow(ctx, step.id);
  const found = parseVerifyCheckpoint(step.id, table, key, row.checkpoint);
  if (found.walk > 0 && !found.complete) return { cp: found, rowsDone: Number(row.rows_done) };
  const cp = newWalk(key, found.walk > 0 ? found : null);
  await ctx.plan.dialect.backfill.findings.startWalk(ctx.session, { plan: ctx.plan.plan.name, stepId: step.id }, cp);
  return { cp, rowsDone: 0 };
}

async function start(ctx: RunContext, step: VerifyStep): Promise<{ run: VerifyRun; throttles: Throttle[] }> {
  const key = await findBackfillKey(ctx.session, ctx.plan.dialect, step);
  const sql = verifyStatements(ctx.plan.dialect, step, key.columns);
  const shape = ctx.plan.dialect.backfill.chunkShape(sql);
  ctx.emit({ type: 'statement', step, sql: shape });
  const { cp, rowsDone } = await openWalk(ctx, step, key.columns, step.table);
  const replica = step.on === 'replica' ? await chooseReadReplica(ctx, step) : undefined;
  if (replica) cp.readOn = `replica ${replica.name}`;
  else delete cp.readOn;
  const at = { plan: ctx.plan.plan.name, stepId: step.id };
  const latest = cp.ranges > 0 ? await ctx.plan.dialect.backfill.findings.lastRange(ctx.session, at) : null;
  const cursor = { key: key.columns, last: cp.last, batches: cp.batches, ahead: [], rowsDone };
  const ownPids = new Set(ctx.sessionPid === null ? [] : [ctx.sessionPid]);
  const run: VerifyRun = {
    ctx,
    step,
    key,
    cursor,
    size: step.batch.size,
    rowsTotal: null,
    rowsThisRun: 0,
    startedAt: performance.now(),
    checkedAt: Number.NEGATIVE_INFINITY,
    ownPids,
    sql,
    cp,
    latest,
    ...rateOf(ctx, step),
    ...(replica ? { replica } : {}),
  };
  run.rowsTotal = await estimateTotal(run, 0);
  await ctx.store.setStep(ctx.plan.plan.name, step.id, { rows_total: run.rowsTotal });
  const from = cp.last === null ? 'from the start' : `after (${cp.last.join(', ')}), ${rowsDone} rows already compared`;
  await record(
    run,
    'verify-start',
    `verify ${step.table} on ${key.source} (${key.columns.join(', ')}), walk ${cp.walk}, ` +
      `${from}; about ${run.rowsTotal} rows in all; reading ${where(run)}`,
    {
      on: where(run),
      key: key.columns,
      walk: cp.walk,
      rowsTotal: run.rowsTotal,
      rowsDone,
      sql: shape,
    },
  );
  return { run, throttles: throttlesOf(run) };
}

/** The end of the key: done when nothing differed, else the step fails with what did. */
async function finish(run: VerifyRun): Promise<void> {
  const { ctx, step, cp } = run;
  const planName = ctx.plan.plan.name;
  const ms = Math.round(performance.now() - run.startedAt);
  const rows = run.cursor.rowsDone;
  const complete = { ...cp, complete: true };
  run.rowsTotal = rows;
  ctx.emit({ type: 'progress', step, progress: progressOf(run) });
  if (cp.mismatches === 0) {
    await ctx.store.setStep(
      planName,
      step.id,
      {
        status: 'done',
        finished_at: new Date(),
        checkpoint: { ...complete },
        rows_total: rows,
        waiting_on: null,
        last_error: null,
      },
      ctx.session,
    );
    await record(
      run,
      'verify-done',
      `verified ${rows} rows of ${step.table} ${where(run)}: none differs (walk ${cp.walk}, ${(ms / 1000).toFixed(1)}s)`,
      { rowsDone: rows, walk: cp.walk, batches: cp.batches, ms, on: where(run) },
    );
    return;
  }
  await ctx.store.setStep(planName, step.id, { checkpoint: { ...complete }, rows_total: rows }, ctx.session);
  const { findings } = ctx.plan.dialect.backfill;
  const at = { plan: planName, stepId: step.id };
  const ranges = await findings.readRanges(ctx.session, at, RANGES_SHOWN);
  const sample = await findings.readSample(ctx.session, at);
  const { message, hint } = mismatchMessage(
    ctx.plan.dialect,
    step,
    run.key.columns,
    cp,
    rows,
    { ranges, sample },
    ctx.command?.('run') ?? `schemashift run ${ctx.plan.plan.file}`,
  );
  await record(run, 'verify-failed', message, {
    mismatches: cp.mismatches,
    ranges: cp.ranges,
    shown: ranges,
    walk: cp.walk,
    rowsDone: rows,
    ms,
  });
  throw new VerifyMismatch(message, hint);
}

/** Where the chunks are read, for messages: `on the primary` or `on replica host:port`. */
function where(run: VerifyRun): string {
  return run.replica ? `on replica ${run.replica.name}` : 'on the primary';
}

/** The next chunk: on the runner's session, or on the replica's (recovery conflicts read again). */
function nextChunk(run: VerifyRun, replicaSession: Queryable | null) {
  const { ctx, step, replica } = run;
  if (!replica || !replicaSession) return withBatchRetries(run, ctx.sessionPid, () => readChunk(run, ctx.session));
  return readWithConflictRetries(ctx, step, replica, () =>
    withBatchRetries(run, null, () => readChunk(run, replicaSession)),
  );
}

export async function executeVerify(ctx: RunContext, step: VerifyStep): Promise<void> {
  const { run, throttles } = await start(ctx, step);
  if (run.replica) await onReplicaSession(run.replica, (s) => walk(run, throttles, s), ctx.signal);
  else await walk(run, throttles, null);
  await finish(run);
}

/** Chunk after chunk to the end of the key, each recorded on the primary. */
async function walk(run: VerifyRun, throttles: Throttle[], replicaSession: Queryable | null): Promise<void> {
  const { ctx, step } = run;
  for (;;) {
    await holdIfThrottled(run, throttles);
    // Before the clock starts: the time replay takes is not the chunk's, and must not shrink it.
    if (run.replica) await waitForReplay(ctx, step, run.replica);
    const began = performance.now();
    const ticket = await admitBatch(run);
    if (ctx.signal.aborted) throw interrupted(run);
    const chunk = await counted(run, ticket, nextChunk(run, replicaSession), (c) => c?.found.rows ?? 0);
    if (chunk === null) break;
    await recordFindings(run, chunk.upTo, chunk.found);
    run.size = adaptBatchSize(run.size, performance.now() - began, step.batch);
    ctx.emit({ type: 'progress', step, progress: progressOf(run) });
    if (step.batch.delayMs > 0) await sleep(step.batch.delayMs, ctx.signal);
  }
}
