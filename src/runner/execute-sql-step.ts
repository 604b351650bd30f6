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
import type { SettingScope } from '../dialects/session.js';
import type { SqlStep } from '../operations/types.js';
import type { StepRow } from '../state/store.js';
import { stepLockWatch, watchLockWait } from './blockers.js';
import { actorName, type RunContext } from './context.js';
import { describeBlocker } from './events.js';
import { withLockRetries } from './lock-retry.js';
import { decideOwnership, SENT_CHECKPOINT } from './ownership.js';
import { startViewRefresh } from './record-view-refresh.js';
import { runtimeStatement, withoutSecrets, type RuntimeStatement } from './runtime-values.js';

export async function probeSays(ctx: RunContext, probe: string): Promise<boolean> {
  const { rows } = await ctx.session.query<Record<string, unknown>>(probe);
  return Object.values(rows[0] ?? {})[0] === true;
}

function timeouts(ctx: RunContext, scope: SettingScope): string {
  const { lockTimeoutMs, statementTimeoutMs } = ctx.plan.plan.settings;
  return ctx.dialect.session.settings({ lockTimeoutMs, statementTimeoutMs }, scope);
}

async function dropInvalidIndex(ctx: RunContext, step: SqlStep): Promise<void> {
  const name = step.buildsIndex;
  if (!name) return;
  const sql = ctx.dialect.session;
  const qualified = ctx.dialect.qualified(name);
  const check = sql.invalidIndex(qualified);
  const { rows } = await ctx.session.query<{ invalid: boolean }>(check.sql, check.params);
  if (!rows[0]?.invalid) return;
  const message = sql.invalidIndexMessage(name);
  ctx.emit({ type: 'info', message });
  await ctx.store.event(ctx.plan.plan.name, step.id, 'invalid-index', message, { index: name }, actorName(ctx.actor));
  // Separate round trips: several statements in one simple query form an implicit transaction block.
  await ctx.session.exec(timeouts(ctx, 'session'));
  await ctx.session.exec(sql.dropInvalidIndex(qualified));
}

async function markDone(ctx: RunContext, step: SqlStep, checkpoint?: Record<string, unknown>): Promise<void> {
  const done = { status: 'done', finished_at: new Date(), last_error: null, waiting_on: null } as const;
  const patch = checkpoint ? { ...done, checkpoint } : done;
  await ctx.store.setStep(ctx.plan.plan.name, step.id, patch, ctx.session);
}

/** `sent`: what to send, which differs from `step.sql` (printed and recorded) only for a runtime step. */
async function attempt(ctx: RunContext, step: SqlStep, n: number, sent: RuntimeStatement): Promise<void> {
  const { sql, bind, records } = sent;
  const planName = ctx.plan.plan.name;
  const tx = ctx.dialect.session.transaction;
  ctx.emit({ type: 'statement', step, sql: step.sql });
  const data = { attempt: n, lock: step.lock, transactional: step.transactional };
  await ctx.store.event(planName, step.id, 'statement', step.sql, data, actorName(ctx.actor));
  await watchLockWait(stepLockWatch(ctx, step, n, step.lock), async () => {
    if (step.transactional) {
      await ctx.session.exec(`${tx.begin}; ${timeouts(ctx, 'transaction')}`);
      try {
        if (bind?.before) await ctx.session.exec(bind.before);
        if (bind) await ctx.session.query(bind.sql, bind.params);
        await ctx.session.exec(sql);
        const recorded = records ? (await ctx.session.query<Record<string, unknown>>(records)).rows[0] : undefined;
        // An undo step has no row of its own to record in.
        await markDone(ctx, step, step.undoes === undefined ? recorded : undefined);
        await ctx.session.exec(tx.commit);
      } catch (e) {
        await ctx.session.exec(tx.rollback).catch(() => undefined);
        throw e;
      }
    } else {
      // Its settings are transaction-local: outside a transaction the secrets would not reach the statement.
      if (bind || records) throw new Error(`${step.id}: a step that sends bind parameters first must be transactional`);
      await ctx.session.exec(timeouts(ctx, 'session'));
      await ctx.session.exec(sql);
      await markDone(ctx, step);
    }
  });
}

/**
 * Returns 'already' when the probe found this plan's effect in place, 'adopted' when the step took
 * over an object that was there before the plan. `row` is the step's state before this attempt
 * (absent for undo steps, which have none). Throws OwnershipError to refuse, the last error otherwise.
 */
export async function executeSqlStep(
  ctx: RunContext,
  step: SqlStep,
  row?: StepRow,
): Promise<'done' | 'already' | 'adopted'> {
  const planName = ctx.plan.plan.name;
  const runtime = await runtimeStatement(ctx, step);
  const probe = runtime.step.probe;
  const verdict = await decideOwnership(
    ctx,
    runtime.step,
    row,
    async () => probe !== undefined && (await probeSays(ctx, probe)),
  );
  if (verdict === 'already') {
    await ctx.store.setStep(planName, step.id, { status: 'done', finished_at: new Date(), last_error: null });
    await ctx.store.event(
      planName,
      step.id,
      'already-in-place',
      `the catalog shows ${step.summary} already done`,
      undefined,
      actorName(ctx.actor),
    );
    return 'already';
  }
  if (verdict === 'adopt') {
    await ctx.store.setStep(planName, step.id, {
      status: 'done',
      adopted: true,
      finished_at: new Date(),
      last_error: null,
    });
    await ctx.store.event(
      planName,
      step.id,
      'adopted',
      `${step.summary}: already in place before this plan; ` +
        `${step.effect?.adoptExisting ? 'used as it is' : 'adopted (if_exists: adopt)'}, so rollback leaves it`,
      undefined,
      actorName(ctx.actor),
    );
    return 'adopted';
  }
  // From here the statement may take effect without a record of it (a crash before `done`): say so first.
  if (!step.transactional && row) await ctx.store.setStep(planName, step.id, { checkpoint: SENT_CHECKPOINT });
  const viewRefresh = await startViewRefresh(ctx, step);
  await withLockRetries({
    ctx,
    step,
    attempt: async (n) => {
      await watchLockWait(stepLockWatch(ctx, step, n, step.lock), () => dropInvalidIndex(ctx, step));
      await attempt(ctx, step, n, runtime).catch((e: unknown) => {
        throw withoutSecrets(e);
      });
    },
    waitingOn: (blockers) => blockers.map(describeBlocker).join('; '),
  });
  await viewRefresh?.record();
  return 'done';
}
