/**
 * `batch.workers` > 1: key ranges handed to that many connections at once. The runner's session
 * walks the key index and hands out the next range (after the throttles and the rows/s ceiling say
 * go); each worker updates its range and, in the same transaction, merges it into the checkpoint
 * under the step row's lock (backfill-checkpoint.ts), so after any crash the next run redoes exactly
 * the ranges that were running, and nothing twice. Also used with one worker when a run finds such
 * holes left by an earlier one.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Session } from '../db/connection.js';
import type { BatchStatements } from '../dialects/backfill.js';
import { LockedError } from '../errors.js';
import { enableConnectionCheck } from './acquire.js';
import { checkpointJson, mergeRange, renumbered, type KeyRange } from './backfill-checkpoint.js';
import { RangeHandOut, type HandedRange } from './backfill-hand-out.js';
import {
  afterBatch,
  running,
  batchSettings,
  counted,
  cursorOf,
  inTransaction,
  interrupted,
  progressOf,
  readCursor,
  record,
  withBatchRetries,
  type Run,
} from './backfill-run.js';
import { sleep } from './sleep.js';
import type { Throttle } from './throttle.js';

/**
 * The workers this run uses: PGlite has a single backend, so there a backfill runs one batch at a time, and says so.
 */
export function chooseWorkers(run: Run): number {
  const wanted = run.step.batch.workers ?? 1;
  if (wanted > 1 && run.ctx.conn.kind === 'pglite') {
    run.ctx.emit({
      type: 'info',
      message:
        `backfill ${run.step.id}: batch.workers ${wanted} needs a PostgreSQL server (PGlite has a ` +
        `single backend): running one batch at a time`,
    });
    return 1;
  }
  return wanted;
}

/** The step row's checkpoint, locked until the transaction on `db` ends. */
async function lockedCheckpoint(run: Run, db: Session): Promise<Run['cursor']> {
  const { ctx, step } = run;
  return cursorOf(run, await ctx.store.stepForUpdate(ctx.plan.plan.name, step.id, db));
}

/**
 * Make this run the checkpoint's owner (the workers of a run that lost its session can no longer
 * record), renumbered so that holes have room for their pieces; returns it. Waits under the plan's
 * lock_timeout, with retries, for a worker of an earlier run that is committing.
 */
function claim(run: Run, owner: string): Promise<Run['cursor']> {
  const { ctx, step } = run;
  const settings = { lockTimeoutMs: ctx.plan.plan.settings.lockTimeoutMs, durableCommit: true };
  return withBatchRetries(
    run,
    ctx.sessionPid,
    () =>
      inTransaction(ctx, ctx.session, settings, async () => {
        const { rowsDone, ...cp } = await lockedCheckpoint(run, ctx.session);
        const mine = { ...renumbered(cp), owner };
        await ctx.store.setStep(ctx.plan.plan.name, step.id, { checkpoint: checkpointJson(mine) }, ctx.session);
        return { ...mine, rowsDone };
      }),
    ['schemashift.steps'],
  );
}

/** What a worker's ranges need: the run, its connection and backend, the statements, the checkpoint's owner. */
interface Worker {
  run: Run;
  db: Session;
  pid: number | null;
  sql: BatchStatements;
  owner: string;
}

/** One range and its place in the checkpoint, committed together; returns the rows updated. */
function rangeTransaction({ run, db, sql, owner }: Worker, range: KeyRange): Promise<number> {
  const { ctx, step } = run;
  return inTransaction(ctx, db, batchSettings(ctx), async () => {
    const params = [...(range.after ?? []), ...range.upTo];
    const rows = (await db.query(range.after === null ? sql.firstUpdate : sql.nextUpdate, params)).rowCount;
    const cp = await lockedCheckpoint(run, db);
    if (cp.owner !== owner) {
      throw new LockedError(
        `backfill ${step.id}: another run (${cp.owner ?? 'a sequential one'}) took this backfill over while ` +
          `this run's session was gone; this worker's batch was rolled back and this run stops`,
        'see `schemashift status`: the other run goes on from the checkpoint',
      );
    }
    const checkpoint = checkpointJson(mergeRange(cp, range));
    await ctx.store.setStep(ctx.plan.plan.name, step.id, { checkpoint, add_rows: rows }, db);
    return rows;
  });
}

/** One handed range, retried after a lock wait; then the run's progress. */
async function runRange(worker: Worker, handed: HandedRange): Promise<void> {
  const { run } = worker;
  const { ctx, step } = run;
  const began = performance.now();
  const batch = running(run, () => withBatchRetries(run, worker.pid, () => rangeTransaction(worker, handed.range)));
  const rows = await counted(run, handed.ticket, batch, (n) => n);
  run.cursor.rowsDone += rows;
  run.cursor.batches++;
  run.rowsThisRun += rows;
  await afterBatch(run, performance.now() - began);
  ctx.emit({ type: 'progress', step, progress: progressOf(run) });
  if (run.delayMs > 0) await sleep(run.delayMs, ctx.signal);
}

/** A worker on its own connection: ranges until none is handed out; its backend counts as the run's own meanwhile. */
async function work(run: Run, db: Session, ranges: RangeHandOut, sql: BatchStatements, owner: string): Promise<void> {
  await enableConnectionCheck(run.ctx.dialect.session, db);
  const pid = await db.backendPid();
  const added = pid !== null && !run.ownPids.has(pid);
  if (added) run.ownPids.add(pid);
  const worker: Worker = { run, db, pid, sql, owner };
  try {
    for (let handed = await ranges.handOut(); handed; handed = await ranges.handOut()) await runRange(worker, handed);
  } finally {
    if (added) run.ownPids.delete(pid);
  }
}

/** The record of a run on workers: how many, and the holes of a stopped run it redoes first. */
function recordStart(run: Run, workers: number, holes: KeyRange[]): Promise<void> {
  const redo = holes.length > 0 ? `, first redoing ${holes.length} range(s) a stopped run left unfinished` : '';
  const message = `backfill ${run.step.id} on ${workers} worker${workers > 1 ? 's' : ''}${redo}`;
  return record(run, 'backfill-workers', message, { workers, holes });
}

/**
 * Runs every range up to the end of the key on `workers` connections: first the holes an earlier
 * run left, then new ranges from the frontier. Returns with the checkpoint's prefix at the frontier;
 * throws when interrupted (after the running batches commit) or when a worker failed.
 */
export async function runOnWorkers(
  run: Run,
  throttles: Throttle[],
  sql: BatchStatements,
  workers: number,
): Promise<void> {
  const { ctx, step } = run;
  const owner = `${hostname()} ${process.pid} ${randomUUID()}`;
  const claimed = await claim(run, owner);
  run.cursor = claimed;
  const ranges = new RangeHandOut(run, throttles, sql, claimed);
  await recordStart(run, workers, ranges.holesAtStart);
  // PGlite has one backend (only holes bring it here, with one worker): the runner's session is it.
  const embedded = ctx.conn.kind === 'pglite';
  const onSession = (db: Session) => work(run, db, ranges, sql, owner);
  const session = () => (embedded ? onSession(ctx.session) : ctx.conn.session(onSession));
  const worker = () => session().catch((e: unknown) => ranges.fail(e));
  await Promise.all(Array.from({ length: workers }, worker));
  await ranges.settle();

  run.cursor = await readCursor(ctx, step, run.key);
  ranges.throwIfFailed();
  if (ctx.signal.aborted) throw interrupted(run);
  if (run.cursor.ahead.length > 0) {
    const apart = JSON.stringify(run.cursor.ahead);
    throw new Error(
      `backfill ${step.id}: the workers ended with ranges still apart from the ` +
        `checkpoint (${apart}); nothing more is run: report this`,
    );
  }
}
