/**
 * Runs one SQL step so that it never queues behind a lock for long and is safe to repeat:
 * - its catalog probe first, read with this plan's state for the step (ownership.ts): an effect
 *   this plan already made is recorded as done; one in place before the plan is adopted when the
 *   plan says so, else the step is refused before it runs;
 * - a leftover INVALID index from a failed CONCURRENTLY build is dropped and built again;
 * - every attempt runs under the plan's lock_timeout; a lock timeout (55P03) or deadlock is
 *   retried with exponential backoff and jitter up to lock_retries, naming the blockers (seen while
 *   waiting, or looked up when the wait ended too soon to be seen) in every retry and in the failure;
 * - a transactional step is recorded done in its own transaction, so "executed" and "recorded"
 *   cannot come apart.
 */
import type { SqlStep } from '../operations/types.js';
import type { StepRow } from '../state/store.js';
import { LockWaitError, stepLockWatch, watchLockWait } from './blockers.js';
import { actorName, type RunContext } from './context.js';
import { blockersText, describeBlocker } from './events.js';
import { decideOwnership, SENT_CHECKPOINT } from './ownership.js';
import { backoffMs, sleep } from './sleep.js';

export async function probeSays(ctx: RunContext, probe: string): Promise<boolean> {
  const { rows } = await ctx.session.query<Record<string, unknown>>(probe);
  return Object.values(rows[0] ?? {})[0] === true;
}

function timeouts(ctx: RunContext, scope: 'LOCAL' | 'SESSION'): string {
  const s = ctx.plan.plan.settings;
  const set = scope === 'LOCAL' ? 'SET LOCAL' : 'SET';
  return `${set} lock_timeout = '${s.lockTimeoutMs}ms'; ${set} statement_timeout = '${s.statementTimeoutMs}ms'`;
}

async function dropInvalidIndex(ctx: RunContext, step: SqlStep): Promise<void> {
  const name = step.buildsIndex;
  if (!name) return;
  const qualified = ctx.plan.dialect.qualified(name);
  const { rows } = await ctx.session.query<{ invalid: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass($1) AND NOT indisvalid) AS invalid`,
    [qualified],
  );
  if (!rows[0]?.invalid) return;
  const message = `index ${name} is INVALID (a CONCURRENTLY build failed earlier): dropping it to build it again`;
  ctx.emit({ type: 'info', message });
  await ctx.store.event(ctx.plan.plan.name, step.id, 'invalid-index', message, { index: name }, actorName(ctx.actor));
  // Separate round trips: several statements in one simple query form an implicit transaction block.
  await ctx.session.exec(timeouts(ctx, 'SESSION'));
  await ctx.session.exec(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified}`);
}

async function attempt(ctx: RunContext, step: SqlStep, n: number): Promise<void> {
  const planName = ctx.plan.plan.name;
  ctx.emit({ type: 'statement', step, sql: step.sql });
  await ctx.store.event(planName, step.id, 'statement', step.sql, { attempt: n, lock: step.lock, transactional: step.transactional }, actorName(ctx.actor));
  await watchLockWait(stepLockWatch(ctx, step, n, step.lock), async () => {
    if (step.transactional) {
      await ctx.session.exec(`BEGIN; ${timeouts(ctx, 'LOCAL')}`);
      try {
        await ctx.session.exec(step.sql);
        await ctx.store.setStep(planName, step.id, { status: 'done', finished_at: new Date(), last_error: null, waiting_on: null }, ctx.session);
        await ctx.session.exec('COMMIT');
      } catch (e) {
        await ctx.session.exec('ROLLBACK').catch(() => undefined);
        throw e;
      }
    } else {
      await ctx.session.exec(timeouts(ctx, 'SESSION'));
      await ctx.session.exec(step.sql);
      await ctx.store.setStep(planName, step.id, { status: 'done', finished_at: new Date(), last_error: null, waiting_on: null }, ctx.session);
    }
  });
}

/** After a lock timeout or deadlock: say who held the lock, then wait out the backoff before the next attempt. */
async function retryAfter(ctx: RunContext, step: SqlStep, n: number, e: LockWaitError): Promise<void> {
  const planName = ctx.plan.plan.name;
  const retries = ctx.plan.plan.settings.lockRetries;
  const delayMs = backoffMs(n);
  const reason = e.code === '55P03' ? `lock not granted within lock_timeout ${ctx.plan.plan.settings.lockTimeoutMs}ms` : 'deadlock detected';
  ctx.emit({ type: 'retry', step, attempt: n, delayMs, reason, blockers: e.blockers });
  await ctx.store.event(planName, step.id, 'retry', `${reason}; retry ${n}/${retries} in ${delayMs}ms; ${blockersText(e.blockers)}`, { attempt: n, delayMs, code: e.code, blockers: e.blockers }, actorName(ctx.actor));
  if (e.blockers.length > 0) await ctx.store.setStep(planName, step.id, { waiting_on: e.blockers.map(describeBlocker).join('; ') });
  await sleep(delayMs, ctx.signal);
}

/**
 * Returns 'already' when the probe found this plan's effect in place, 'adopted' when the step took
 * over an object that was there before the plan. `row` is the step's state before this attempt
 * (absent for undo steps, which have none). Throws OwnershipError to refuse, the last error otherwise.
 */
export async function executeSqlStep(ctx: RunContext, step: SqlStep, row?: StepRow): Promise<'done' | 'already' | 'adopted'> {
  const planName = ctx.plan.plan.name;
  const probe = step.probe;
  const verdict = await decideOwnership(ctx, step, row, async () => probe !== undefined && (await probeSays(ctx, probe)));
  if (verdict === 'already') {
    await ctx.store.setStep(planName, step.id, { status: 'done', finished_at: new Date(), last_error: null });
    await ctx.store.event(planName, step.id, 'already-in-place', `the catalog shows ${step.summary} already done`, undefined, actorName(ctx.actor));
    return 'already';
  }
  if (verdict === 'adopt') {
    await ctx.store.setStep(planName, step.id, { status: 'done', adopted: true, finished_at: new Date(), last_error: null });
    await ctx.store.event(planName, step.id, 'adopted', `${step.summary}: already in place before this plan; adopted (if_exists: adopt), so rollback leaves it`, undefined, actorName(ctx.actor));
    return 'adopted';
  }
  // From here the statement may take effect without a record of it (a crash before `done`): say so first.
  if (!step.transactional && row) await ctx.store.setStep(planName, step.id, { checkpoint: SENT_CHECKPOINT });
  const retries = ctx.plan.plan.settings.lockRetries;
  for (let n = 1; ; n++) {
    try {
      await watchLockWait(stepLockWatch(ctx, step, n, step.lock), () => dropInvalidIndex(ctx, step));
      await attempt(ctx, step, n);
      return 'done';
    } catch (e) {
      if (!(e instanceof LockWaitError) || n > retries || ctx.signal.aborted) throw e;
      await retryAfter(ctx, step, n, e);
    }
  }
}
