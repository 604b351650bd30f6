import type { CompiledPlan } from '../plan/compile.js';
import type { StepDefinition } from '../state/store.js';

/** The step rows a plan should have in schemashift.steps, in execution order. */
export function stepDefinitions(compiled: CompiledPlan): StepDefinition[] {
  return compiled.phases
    .flatMap((p) => p.steps)
    .map(({ step, entry }, ordinal) => ({
      step_id: step.id,
      ordinal,
      phase: step.phase,
      kind: step.kind,
      summary: step.summary,
      entry_id: entry.id,
      entry_hash: entry.hash,
    }));
}
