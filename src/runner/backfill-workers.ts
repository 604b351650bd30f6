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
import type { BatchStatements } from '../operations/backfill-batch-sql.js';
import { enableConnectionCheck } from './acquire.js';
import { LockedError } from '../errors.js';
import { checkpointJson, frontier, holes, mergeRange, renumbered, sameKey, type KeyRange } from './backfill-checkpoint.js';
import { adaptBatchSize, admitBatch, batchSettings, boundOf, counted, cursorOf, holdWhileThrottled, inTransaction, interrupted, progressOf, readCursor, record, THROTTLE_CHECK_EVERY_MS, withBatchRetries, type Run } from './backfill-run.js';
import type { Ticket } from './backfill-rate.js';
import { sleep } from './sleep.js';
import type { Throttle } from './throttle.js';

/** The workers this run uses: PGlite has a single backend, so there a backfill runs one batch at a time, and says so. */
export function chooseWorkers(run: Run): number {
  const wanted = run.step.batch.workers ?? 1;
  if (wanted > 1 && run.ctx.conn.kind === 'pglite') {
    run.ctx.emit({ type: 'info', message: `backfill ${run.step.id}: batch.workers ${wanted} needs a PostgreSQL server (PGlite has a single backend): running one batch at a time` });
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
  const settings = `SET LOCAL lock_timeout = '${ctx.plan.plan.settings.lockTimeoutMs}ms'; SET LOCAL synchronous_commit = on`;
  return withBatchRetries(run, ctx.sessionPid, () =>
    inTransaction(ctx.session, settings, async () => {
      const { rowsDone, ...cp } = await lockedCheckpoint(run, ctx.session);
      const mine = { ...renumbered(cp), owner };
      await ctx.store.setStep(ctx.plan.plan.name, step.id, { checkpoint: checkpointJson(mine) }, ctx.session);
      return { ...mine, rowsDone };
    }),
    ['schemashift.steps'],
  );
}

/** One range and its place in the checkpoint, committed together; returns the rows updated. */
function rangeTransaction(run: Run, db: Session, sql: BatchStatements, range: KeyRange, owner: string): Promise<number> {
  const { ctx, step } = run;
  return inTransaction(db, batchSettings(ctx), async () => {
    const params = [...(range.after ?? []), ...range.upTo];
    const rows = (await db.query(range.after === null ? sql.firstUpdate : sql.nextUpdate, params)).rowCount;
    const cp = await lockedCheckpoint(run, db);
    if (cp.owner !== owner) {
      throw new LockedError(
        `backfill ${step.id}: another run (${cp.owner ?? 'a sequential one'}) took this backfill over while this run's session was gone; this worker's batch was rolled back and this run stops`,
        'see `schemashift status`: the other run goes on from the checkpoint',
      );
    }
    await ctx.store.setStep(ctx.plan.plan.name, step.id, { checkpoint: checkpointJson(mergeRange(cp, range)), add_rows: rows }, db);
    return rows;
  });
}

/**
 * Runs every range up to the end of the key on `workers` connections: first the holes an earlier
 * run left, then new ranges from the frontier. Returns with the checkpoint's prefix at the frontier;
 * throws when interrupted (after the running batches commit) or when a worker failed.
 */
export async function runOnWorkers(run: Run, throttles: Throttle[], sql: BatchStatements, workers: number): Promise<void> {
  const { ctx, step } = run;
  const owner = `${hostname()} ${process.pid} ${randomUUID()}`;
  const claimed = await claim(run, owner);
  run.cursor = claimed;
  const pending = holes(claimed);
  let next = frontier(claimed);
  let exhausted = false;
  let failure: { error: unknown } | null = null;
  await record(run, 'backfill-workers', `backfill ${step.id} on ${workers} worker${workers > 1 ? 's' : ''}${pending.length > 0 ? `, first redoing ${pending.length} range(s) a stopped run left unfinished` : ''}`, {
    workers,
    holes: pending,
  });

  /** The next piece of the first hole, at most `size` rows to update, up to the hole's end. */
  const pieceOfHole = async (hole: KeyRange, size: number): Promise<KeyRange> => {
    const params = [...(hole.after ?? []), ...hole.upTo, size];
    const found = await ctx.session.query<Record<string, string>>(hole.after === null ? sql.firstBoundWithin : sql.nextBoundWithin, params);
    const upTo = boundOf(run, found.rows[0]);
    const piece = { after: hole.after, upTo: upTo ?? hole.upTo, seq: hole.seq };
    if (upTo === null || sameKey(upTo, hole.upTo)) pending.shift();
    else Object.assign(hole, { after: upTo, seq: hole.seq + 1 });
    return piece;
  };
  /** The next `size` rows to update after the frontier; null when none is left. */
  const newRange = async (size: number): Promise<KeyRange | null> => {
    const found = await ctx.session.query<Record<string, string>>(next.after === null ? sql.firstBound : sql.nextBound, [...(next.after ?? []), size]);
    const upTo = boundOf(run, found.rows[0]);
    if (upTo === null) {
      exhausted = true;
      return null;
    }
    const range = { after: next.after, upTo, seq: next.seq };
    next = { after: upTo, seq: next.seq + 1 };
    return range;
  };

  // One hand-out at a time: the key walk is a chain, each range starting where the last one ended.
  let queue: Promise<unknown> = Promise.resolve();
  // A range comes with its reservation under the rows/s ceiling (which counts the ranges still running).
  const handOut = (): Promise<{ range: KeyRange; ticket: Ticket | null } | null> => {
    const turn = queue.then(async () => {
      if (failure || ctx.signal.aborted || (exhausted && pending.length === 0)) return null;
      if (performance.now() - run.checkedAt >= THROTTLE_CHECK_EVERY_MS) {
        await holdWhileThrottled(run, throttles);
        run.checkedAt = performance.now();
      }
      const ticket = await admitBatch(run);
      const unused = () => void (ticket && run.limiter!.end(ticket, 0));
      if (failure || ctx.signal.aborted) {
        unused();
        return null;
      }
      // The range is cut to the rows reserved (another worker may resize meanwhile).
      const size = ticket?.rows ?? run.size;
      const hole = pending[0];
      const range = await (hole ? pieceOfHole(hole, size) : newRange(size)).catch((e: unknown) => {
        unused();
        throw e;
      });
      if (!range) unused();
      return range && { range, ticket };
    });
    queue = turn.catch(() => undefined);
    return turn;
  };

  const work = async (db: Session): Promise<void> => {
    await enableConnectionCheck(run.ctx.dialect.session, db);
    const pid = await db.backendPid();
    const added = pid !== null && !run.ownPids.has(pid);
    if (added) run.ownPids.add(pid);
    try {
      for (let handed = await handOut(); handed; handed = await handOut()) {
        const began = performance.now();
        const { range, ticket } = handed;
        const rows = await counted(run, ticket, withBatchRetries(run, pid, () => rangeTransaction(run, db, sql, range, owner)), (n) => n);
        run.cursor.rowsDone += rows;
        run.cursor.batches++;
        run.rowsThisRun += rows;
        run.size = adaptBatchSize(run.size, performance.now() - began, step.batch);
        ctx.emit({ type: 'progress', step, progress: progressOf(run) });
        if (step.batch.delayMs > 0) await sleep(step.batch.delayMs, ctx.signal);
      }
    } finally {
      if (added) run.ownPids.delete(pid);
    }
  };
  // PGlite has one backend (only holes bring it here, with one worker): the runner's session is it.
  const embedded = ctx.conn.kind === 'pglite';
  const worker = () =>
    (embedded ? work(ctx.session) : ctx.conn.session(work)).catch((error: unknown) => {
      failure ??= { error };
    });
  await Promise.all(Array.from({ length: workers }, worker));

  run.cursor = await readCursor(ctx, step, run.key);
  if (failure) throw (failure as { error: unknown }).error;
  if (ctx.signal.aborted) throw interrupted(run);
  if (run.cursor.ahead.length > 0) throw new Error(`backfill ${step.id}: the workers ended with ranges still apart from the checkpoint (${JSON.stringify(run.cursor.ahead)}); nothing more is run: report this`);
}
