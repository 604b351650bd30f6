/** Runs one blue/green step (src/operations/replicate.ts, catch-up.ts, switch.ts, drop-replication.ts). */
import type { ReplicationStep } from '../../operations/types.js';
import { actorName, type RunContext } from '../context.js';
import { passGate, type GateAnswerer, type StepResult } from '../run-step.js';
import { runCatchUp } from './catch-up.js';
import { KeepBlueStop, runDropReplication } from './drop.js';
import { runReplicate, undoReplicate } from './replicate.js';
import { checkpointOf, withSides } from './sides.js';
import { runSwitch, undoSwitch } from './switch.js';

export async function executeReplication(
  ctx: RunContext,
  step: ReplicationStep,
  answers: GateAnswerer,
): Promise<StepResult> {
  // A switch that already retired blue was confirmed then: asking again would leave blue stopped meanwhile.
  if (step.stage === 'switch' && (await checkpointOf(ctx, step.id)).blue_stopped_at === undefined) {
    const confirm = step.switch?.confirm ?? '';
    if (!(await passGate(ctx, step.id, confirm, answers))) return { kind: 'gate', message: confirm };
  }
  const stop = await withSides(ctx, step, async (s) => {
    switch (step.stage) {
      case 'replicate':
        return runReplicate(s);
      case 'undo-replicate':
        return undoReplicate(s);
      case 'catch_up':
        return runCatchUp(s);
      case 'switch':
        return runSwitch(s);
      case 'undo-switch':
        return undoSwitch(s);
      case 'drop_replication':
        return runDropReplication(s).then(
          () => undefined,
          (e: unknown) => {
            if (e instanceof KeepBlueStop) return e;
            throw e;
          },
        );
    }
  });
  if (stop instanceof KeepBlueStop) return { kind: 'gate', message: stop.message, next: stop.next };
  if (step.stage.startsWith('undo-')) return { kind: 'done' };
  const planName = ctx.plan.plan.name;
  await ctx.store.event(planName, step.id, 'replication', `${step.stage} done`, undefined, actorName(ctx.actor));
  await ctx.store.setStep(planName, step.id, { status: 'done', finished_at: new Date(), last_error: null });
  return { kind: 'done' };
}
