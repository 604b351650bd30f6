/**
 * A verify's chunks read on a standby (`on: replica`) while its checkpoints are written on the
 * primary. Before each chunk the standby must have replayed the primary's WAL as far as it was
 * written when the chunk was due (so the chunk sees every row the primary had, including the
 * backfill's last batches); a chunk that the standby cancels for a recovery conflict (replay needed
 * to remove row versions the chunk's snapshot could see) is read again after a backoff, and a backend
 * the standby terminated for one is replaced.
 */
import type { Session } from '../db/connection.js';
import type { ReplicaReadSql } from '../dialects/activity.js';
import type { VerifyStep } from '../operations/types.js';
import { actorName, type RunContext } from './context.js';
import { InterruptedError } from './interrupted.js';
import type { Replica } from './replicas.js';
import { backoffMs, sleep } from './sleep.js';

/** How long a chunk waits for the standby to replay the primary's position before the step fails. */
export const REPLAY_WAIT_TIMEOUT_MS = 60_000;
/** Recovery conflicts in a row before the step fails. */
export const MAX_CONFLICT_RETRIES = 10;
/** A replay wait longer than this is said on screen and in the events. */
const REPLAY_WAIT_SHOWN_MS = 2_000;

/** The standby's backend went away (a recovery conflict terminated it): the walk goes on with a new one. */
export class ReplicaSessionLost extends Error {
  override name = 'ReplicaSessionLost';
}

function replicaReads(ctx: RunContext): ReplicaReadSql {
  const reads = ctx.dialect.activity.replicaReads;
  if ('unsupported' in reads) throw new Error(`${ctx.dialect.name} cannot verify on a replica: ${reads.unsupported}`);
  return reads;
}

interface Replayed {
  replayed: boolean;
  at: string | null;
  paused: boolean;
}

/** Until `replica` has replayed the primary's WAL as far as it is written now (bounded by REPLAY_WAIT_TIMEOUT_MS). */
export async function waitForReplay(ctx: RunContext, step: VerifyStep, replica: Replica): Promise<void> {
  const sql = replicaReads(ctx);
  const primary = ctx.monitor ?? ctx.conn;
  const position = (await primary.query<{ position: string }>(sql.primaryPosition)).rows[0]?.position;
  const since = performance.now();
  let shown = false;
  for (let attempt = 1; ; attempt++) {
    const { rows } = await replica.db.query<Replayed>(sql.replayedUpTo, [position]);
    const row = rows[0];
    if (row?.replayed) return;
    const waited = performance.now() - since;
    const paused = row?.paused ? ` (${ctx.dialect.activity.pausedReplayHint})` : '';
    const reason = `replica ${replica.name} has replayed up to ${row?.at ?? 'nothing'}, the primary is at ${position}${paused}`;
    if (waited >= REPLAY_WAIT_TIMEOUT_MS)
      throw new Error(
        `${step.id}: gave up after ${REPLAY_WAIT_TIMEOUT_MS / 1000}s waiting for the replica to replay the primary's ` +
          `WAL: ${reason}; a chunk read there now could compare old rows`,
      );
    if (!shown && waited >= REPLAY_WAIT_SHOWN_MS) {
      shown = true;
      ctx.emit({ type: 'info', message: `${step.id} waiting for replay: ${reason}` });
      await ctx.store.event(
        ctx.plan.plan.name,
        step.id,
        'replica-replay-wait',
        reason,
        { position },
        actorName(ctx.actor),
      );
    }
    await sleep(Math.min(200, 2 ** attempt), ctx.signal);
    if (ctx.signal.aborted) throw new InterruptedError(`while ${step.id} waited for replica ${replica.name} to replay`);
  }
}

/** A recovery conflict that cancelled the statement (40001) or terminated the backend. */
function conflictOf(ctx: RunContext, e: unknown): 'cancelled' | 'terminated' | null {
  const errorClass = ctx.dialect.errors.classify(e);
  if (errorClass === 'serialization') return 'cancelled';
  return errorClass === 'connectionLost' ? 'terminated' : null;
}

/**
 * `read` on the replica's session, again after a recovery conflict (with backoff, said and recorded);
 * a terminated backend ends the session with ReplicaSessionLost (the caller opens another).
 */
export async function readWithConflictRetries<T>(
  ctx: RunContext,
  step: VerifyStep,
  replica: Replica,
  read: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (e) {
      const conflict = conflictOf(ctx, e);
      if (conflict === null) throw e;
      const first = (e as Error).message.split('\n')[0] ?? String(e);
      if (attempt > MAX_CONFLICT_RETRIES)
        throw new Error(
          `${step.id}: the chunk read on replica ${replica.name} was stopped by replay ${attempt} times in a row ` +
            `(${first}); set hot_standby_feedback = on or raise max_standby_streaming_delay there, or verify on the primary`,
        );
      const delayMs = backoffMs(attempt, 200, 5_000);
      const message = `chunk read on replica ${replica.name} ${conflict} by a recovery conflict (${first}): again in ${delayMs}ms`;
      ctx.emit({ type: 'info', message: `${step.id}: ${message}` });
      await ctx.store.event(
        ctx.plan.plan.name,
        step.id,
        'replica-conflict',
        message,
        { attempt },
        actorName(ctx.actor),
      );
      if (conflict === 'terminated') throw new ReplicaSessionLost(message);
      await sleep(delayMs, ctx.signal);
      if (ctx.signal.aborted) throw new InterruptedError(`during verify ${step.id} on replica ${replica.name}`);
    }
  }
}

/**
 * `walk` on a session of the replica; a lost session is replaced (up to MAX_CONFLICT_RETRIES times), after a
 * backoff that `signal` cuts short (InterruptedError).
 */
export async function onReplicaSession(
  replica: Replica,
  walk: (s: Session) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  if (replica.session === undefined) throw new Error(`replica ${replica.name} gives no session to read on`);
  for (let lost = 0; ; lost++) {
    try {
      return await replica.session(walk);
    } catch (e) {
      if (!(e instanceof ReplicaSessionLost) || lost >= MAX_CONFLICT_RETRIES) throw e;
      await sleep(backoffMs(lost + 1, 200, 5_000), signal);
      if (signal.aborted) throw new InterruptedError(`while waiting to read on replica ${replica.name} again`);
    }
  }
}
