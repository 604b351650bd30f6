/** Executes one step of any kind on behalf of run-plan.ts. */
import type { CheckStep, GateStep, Step } from '../operations/types.js';
import type { StepRow } from '../state/store.js';
import { executeBackfill } from './backfill.js';
import { actorName, type RunContext } from './context.js';
import { executeFlagRollout } from './flag-rollout.js';
import { executeSqlStep } from './execute-sql-step.js';
import { readOnlyQuery } from './read-only-query.js';
import { holdForReplicasBeforeDdl } from './replica-wait.js';
import { executeVerify } from './verify.js';
import { executeReplication } from './replication/execute.js';

export type StepResult =
  | { kind: 'done' | 'already' | 'adopted' }
  /** `next`: what to do instead of answering yes, for a stop that no confirmation passes (a time to wait for). */
  | { kind: 'gate'; message: string; next?: string };

export interface GateAnswerer {
  /** --yes: every confirmation answered yes. */
  yes: boolean;
  /** Ask a person (TTY only); undefined when nobody can be asked. */
  ask?: (message: string) => Promise<boolean>;
}

export class CheckFailed extends Error {
  constructor(
    readonly step: CheckStep,
    readonly actual: unknown,
  ) {
    super(
      `check ${step.id} failed: ${step.summary}: expected ${JSON.stringify(step.expect)}, the query ` +
        `returned ${JSON.stringify(actual)}`,
    );
    this.name = 'CheckFailed';
  }
}

export function sameValue(actual: unknown, expected: CheckStep['expect']): boolean {
  if (expected === null) return actual === null;
  if (typeof expected === 'number') return actual !== null && actual !== '' && Number(actual) === expected;
  if (typeof expected === 'boolean') return actual === expected || String(actual) === String(expected);
  return String(actual) === expected;
}

async function runCheck(ctx: RunContext, step: CheckStep): Promise<StepResult> {
  ctx.emit({ type: 'statement', step, sql: step.sql });
  const { rows } = await readOnlyQuery(ctx, step.sql, `check ${step.id}`);
  const actual = rows[0] === undefined ? null : Object.values(rows[0])[0];
  const planName = ctx.plan.plan.name;
  await ctx.store.event(
    planName,
    step.id,
    'check',
    `${step.sql} returned ${JSON.stringify(actual)} (expected ${JSON.stringify(step.expect)})`,
    { actual, expect: step.expect },
    actorName(ctx.actor),
  );
  if (!sameValue(actual, step.expect)) throw new CheckFailed(step, actual);
  await ctx.store.setStep(planName, step.id, { status: 'done', finished_at: new Date(), last_error: null });
  return { kind: 'done' };
}

/** A gate passes when someone says yes; the answer and who gave it are recorded. */
export async function passGate(
  ctx: RunContext,
  stepId: string,
  message: string,
  answers: GateAnswerer,
): Promise<boolean> {
  const planName = ctx.plan.plan.name;
  let how: string;
  if (answers.yes) how = 'confirmed with --yes';
  else if (answers.ask) {
    const ok = await answers.ask(message);
    if (!ok) {
      await ctx.store.event(planName, stepId, 'declined', `declined: ${message}`, undefined, actorName(ctx.actor));
      return false;
    }
    how = 'confirmed at the prompt';
  } else return false;
  await ctx.store.event(planName, stepId, 'confirmed', `${how}: ${message}`, { how }, actorName(ctx.actor));
  return true;
}

async function runGate(ctx: RunContext, step: GateStep, answers: GateAnswerer): Promise<StepResult> {
  if (!(await passGate(ctx, step.id, step.confirm, answers))) return { kind: 'gate', message: step.confirm };
  await ctx.store.setStep(ctx.plan.plan.name, step.id, { status: 'done', finished_at: new Date(), last_error: null });
  return { kind: 'done' };
}

/** `row`: the step's state before this attempt (absent for undo steps). */
export async function runStep(ctx: RunContext, step: Step, answers: GateAnswerer, row?: StepRow): Promise<StepResult> {
  switch (step.kind) {
    case 'sql':
      await holdForReplicasBeforeDdl(ctx, step, ctx.replicaWaitMs);
      return { kind: await executeSqlStep(ctx, step, row) };
    case 'backfill':
      await executeBackfill(ctx, step);
      return { kind: 'done' };
    case 'verify':
      await executeVerify(ctx, step);
      return { kind: 'done' };
    case 'check':
      return runCheck(ctx, step);
    case 'gate':
      return runGate(ctx, step, answers);
    case 'flag_rollout':
      await executeFlagRollout(ctx, step);
      return { kind: 'done' };
    case 'replication':
      return executeReplication(ctx, step, answers);
  }
}
