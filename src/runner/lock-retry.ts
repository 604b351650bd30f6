/**
 * The one lock-retry loop: an attempt that lost a lock wait (lock timeout or deadlock, thrown as a
 * LockWaitError by watchLockWait) is retried with exponential backoff and jitter, up to the plan's
 * lock_retries, each retry shown, recorded as an event naming the blockers and written to the step
 * row (`waiting_on`).
 */
import type { Step } from '../operations/types.js';
import { LockWaitError } from './blockers.js';
import { actorName, type RunContext } from './context.js';
import { blockersText, type Blocker } from './events.js';
import { backoffMs, sleep } from './sleep.js';

export interface LockRetry<T> {
  ctx: RunContext;
  step: Step;
  /** Attempt `n` (from 1), watched by watchLockWait so that a lost lock wait is a LockWaitError. */
  attempt: (n: number) => Promise<T>;
  /** Put before the reason in the retry event's message: `backfill batch: `; empty by default. */
  what?: string;
  /** What the step row's `waiting_on` says while the named blockers are waited out. */
  waitingOn: (blockers: Blocker[]) => string;
  /** Clear `waiting_on` after an attempt succeeds that followed a wait with named blockers. */
  clearWaitingOn?: boolean;
  /** Thrown when the run is stopped after a lost wait; the lost wait's error by default. */
  interrupted?: () => Error;
}

/** Why the attempt lost its lock wait, in words. */
export function lockWaitReason(e: LockWaitError, lockTimeoutMs: number): string {
  return e.errorClass === 'lockTimeout'
    ? `lock not granted within lock_timeout ${lockTimeoutMs}ms`
    : 'deadlock detected';
}

async function announceRetry<T>(r: LockRetry<T>, n: number, e: LockWaitError): Promise<number> {
  const { ctx, step } = r;
  const planName = ctx.plan.plan.name;
  const retries = ctx.plan.plan.settings.lockRetries;
  const delayMs = backoffMs(n);
  const reason = lockWaitReason(e, ctx.plan.plan.settings.lockTimeoutMs);
  ctx.emit({ type: 'retry', step, attempt: n, delayMs, reason, blockers: e.blockers });
  const message = `${r.what ?? ''}${reason}; retry ${n}/${retries} in ${delayMs}ms; ${blockersText(e.blockers)}`;
  const data = { attempt: n, delayMs, code: e.code, blockers: e.blockers };
  await ctx.store.event(planName, step.id, 'retry', message, data, actorName(ctx.actor));
  if (e.blockers.length > 0) await ctx.store.setStep(planName, step.id, { waiting_on: r.waitingOn(e.blockers) });
  return delayMs;
}

export async function withLockRetries<T>(r: LockRetry<T>): Promise<T> {
  const { ctx } = r;
  const retries = ctx.plan.plan.settings.lockRetries;
  let named = false;
  for (let n = 1; ; n++) {
    try {
      const result = await r.attempt(n);
      if (named && r.clearWaitingOn) await ctx.store.setStep(ctx.plan.plan.name, r.step.id, { waiting_on: null });
      return result;
    } catch (e) {
      if (!(e instanceof LockWaitError) || n > retries) throw e;
      if (ctx.signal.aborted) throw r.interrupted?.() ?? e;
      const delayMs = await announceRetry(r, n, e);
      named ||= e.blockers.length > 0;
      await sleep(delayMs, ctx.signal);
    }
  }
}
