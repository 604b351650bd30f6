/**
 * Bounded waits on the `--replica` standbys, each naming the replica it waits for (on screen, in the
 * step's waiting_on for `status`, and in the events): before a contract step that takes an ACCESS
 * EXCLUSIVE lock, until every replica is within the lag ceiling, so that the DDL's replay (which
 * takes that lock on the standby too) does not pile onto a lagging one, and until each has replayed the
 * primary's WAL as far as it was written when the wait began; and before a verify on a
 * replica, until one of them is within its max_replica_lag.
 */
import { UsageError } from '../errors.js';
import type { CompiledPlan } from '../plan/compile.js';
import type { SqlStep, Step, VerifyStep } from '../operations/types.js';
import { actorName, type RunContext } from './context.js';
import { InterruptedError } from './interrupted.js';
import { lagOfReplica, type Replica, type ReplicaLag } from './replicas.js';
import { sleep } from './sleep.js';

/** The lag ceiling when the plan sets no max_replica_lag anywhere. */
export const DEFAULT_REPLICA_LAG_MS = 5_000;
/** How long a step waits for its replicas before it fails (nothing of it done). */
export const REPLICA_WAIT_TIMEOUT_MS = 5 * 60_000;
const POLL_MS = 500;
const WAITING_REFRESH_MS = 2_000;

/** Gave up waiting for a replica: the step failed before it did anything. */
export class ReplicaWaitTimeout extends Error {
  override name = 'ReplicaWaitTimeout';
}

export type WaitProbe<T> = () => Promise<{ ready: T } | { reason: string; topic: string }>;

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}

/** Why `lag` keeps a replica from being used now, or null when it is within `maxMs`. */
export function replicaBehind(ctx: RunContext, lag: ReplicaLag, maxMs: number): string | null {
  if (lag.error !== undefined) return `cannot read the lag of replica ${lag.on}: ${lag.error}`;
  if (lag.paused) return `replica ${lag.on} lags ${seconds(lag.ms)} (${ctx.dialect.activity.pausedReplayHint})`;
  if (lag.ms > maxMs) return `replica lag ${seconds(lag.ms)} > ${seconds(maxMs)} on ${lag.on}`;
  return null;
}

async function recordEvent(ctx: RunContext, step: Step, kind: string, message: string, data?: unknown) {
  await ctx.store.event(ctx.plan.plan.name, step.id, kind, message, data, actorName(ctx.actor));
}

/** Poll `probe` until it is ready, saying what it waits for; fails after `timeoutMs`, stops on Ctrl-C. */
export async function holdUntilReady<T>(
  ctx: RunContext,
  step: Step,
  purpose: string,
  probe: WaitProbe<T>,
  timeoutMs = REPLICA_WAIT_TIMEOUT_MS,
): Promise<T> {
  const planName = ctx.plan.plan.name;
  const since = performance.now();
  let topic: string | null = null;
  let reason = '';
  let shownAt = 0;
  for (;;) {
    const verdict = await probe();
    if ('ready' in verdict) {
      if (topic !== null) {
        await ctx.store.setStep(planName, step.id, { waiting_on: null });
        const waited = seconds(performance.now() - since);
        await recordEvent(
          ctx,
          step,
          'replica-wait-clear',
          `${purpose}: going on after waiting ${waited} (last: ${reason})`,
        );
      }
      return verdict.ready;
    }
    const newTopic = verdict.topic !== topic;
    if (newTopic || (verdict.reason !== reason && performance.now() - shownAt >= WAITING_REFRESH_MS)) {
      reason = verdict.reason;
      shownAt = performance.now();
      await ctx.store.setStep(planName, step.id, { waiting_on: reason });
      ctx.emit({ type: 'info', message: `${step.id} waiting ${purpose}: ${reason}` });
    }
    if (newTopic) {
      topic = verdict.topic;
      await recordEvent(ctx, step, 'replica-wait', `${purpose}: waiting: ${reason}`, { reason });
    }
    if (performance.now() - since >= timeoutMs) {
      await ctx.store.setStep(planName, step.id, { waiting_on: null });
      throw new ReplicaWaitTimeout(
        `${purpose}: gave up after waiting ${seconds(timeoutMs)}: ${reason}; nothing of ${step.id} was done`,
      );
    }
    await sleep(POLL_MS, ctx.signal);
    if (ctx.signal.aborted) throw new InterruptedError(`while ${step.id} waited for a replica`);
  }
}

/** The smallest max_replica_lag any step of the plan sets, else DEFAULT_REPLICA_LAG_MS. */
export function planReplicaLagCeiling(plan: CompiledPlan): number {
  const ceilings = plan.phases
    .flatMap((p) => p.steps.map((s) => s.step))
    .flatMap((s) => (s.kind === 'backfill' || s.kind === 'verify' ? [s.throttle.maxReplicaLagMs] : []))
    .filter((ms): ms is number => ms !== undefined);
  return ceilings.length > 0 ? Math.min(...ceilings) : DEFAULT_REPLICA_LAG_MS;
}

/**
 * A contract step whose replay takes an exclusive lock on the standbys: one that takes ACCESS EXCLUSIVE on the
 * primary, and an index drop (even DROP INDEX CONCURRENTLY ends by removing the index under an exclusive lock, which
 * the standby replays).
 */
export function dropsOrRewrites(step: SqlStep): boolean {
  if (step.phase !== 'contract') return false;
  if (step.lock.level === 'ACCESS EXCLUSIVE' || step.lock.impact === 'blocks-all') return true;
  return step.effect?.does === 'remove' && step.effect.object.kind === 'index';
}

/** The primary's WAL position now, or null when the dialect cannot compare positions (SQL Server). */
async function primaryPositionNow(ctx: RunContext): Promise<string | null> {
  const reads = ctx.dialect.activity.replicaReads;
  if ('unsupported' in reads) return null;
  const primary = ctx.monitor ?? ctx.conn;
  return (await primary.query<{ position: string }>(reads.primaryPosition)).rows[0]?.position ?? null;
}

/** Why `replica` has not replayed the primary's WAL up to `position`, or null once it has. */
async function notReplayedTo(ctx: RunContext, replica: Replica, position: string | null): Promise<string | null> {
  const reads = ctx.dialect.activity.replicaReads;
  if (position === null || 'unsupported' in reads) return null;
  const asked = await replica.db
    .query<{ replayed: boolean; at: string | null }>(reads.replayedUpTo, [position])
    .catch((e: Error) => e);
  if (asked instanceof Error)
    return `cannot read the replay position of replica ${replica.name}: ${asked.message.split('\n')[0]}`;
  const row = asked.rows[0];
  if (row?.replayed) return null;
  return `replica ${replica.name} has replayed up to ${row?.at ?? 'nothing'}, the primary was at ${position} when the wait began`;
}

/**
 * Before such a contract step, with `--replica`: every replica within the plan's lag ceiling and replayed up to
 * the primary's WAL position when the wait began (a standby that receives nothing reads a lag of 0), bounded.
 */
export async function holdForReplicasBeforeDdl(
  ctx: RunContext,
  step: SqlStep,
  timeoutMs = REPLICA_WAIT_TIMEOUT_MS,
): Promise<void> {
  const replicas = ctx.replicas ?? [];
  if (replicas.length === 0 || !dropsOrRewrites(step)) return;
  const maxMs = planReplicaLagCeiling(ctx.plan);
  const position = await primaryPositionNow(ctx);
  const probe: WaitProbe<true> = async () => {
    for (const replica of replicas) {
      const lag = await lagOfReplica(replica, ctx.dialect.activity);
      const reason =
        replicaBehind(ctx, lag, maxMs) ??
        (lag.error === undefined ? await notReplayedTo(ctx, replica, position) : null);
      if (reason !== null)
        return { reason: lag.receiving === false ? `${reason} (it receives no WAL)` : reason, topic: replica.name };
    }
    return { ready: true };
  };
  await holdUntilReady(ctx, step, `before ${step.summary}`, probe, timeoutMs);
}

/** The first `--replica` within the verify's max_replica_lag (default 5s), waited for when none is (bounded). */
export async function chooseReadReplica(ctx: RunContext, step: VerifyStep): Promise<Replica> {
  const replicas = (ctx.replicas ?? []).filter((r) => r.session !== undefined);
  if (replicas.length === 0)
    throw new UsageError(
      `${step.id} reads on a replica (on: replica), but the run was given no replica to read on`,
      'pass --replica URL (the CLI), or replicas with a session (the library)',
    );
  const maxMs = step.throttle.maxReplicaLagMs ?? DEFAULT_REPLICA_LAG_MS;
  return holdUntilReady(ctx, step, `to read ${step.table} on a replica`, async () => {
    const reasons: string[] = [];
    for (const replica of replicas) {
      const reason = replicaBehind(ctx, await lagOfReplica(replica, ctx.dialect.activity), maxMs);
      if (reason === null) return { ready: replica };
      reasons.push(reason);
    }
    return { reason: reasons.join('; '), topic: 'no replica within lag' };
  });
}
