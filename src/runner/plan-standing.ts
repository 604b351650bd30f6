/** Where a plan stands in the state tables, and whether it has finished a phase (for `after:`). */
import { PHASES, type Phase } from '../operations/types.js';
import type { RunRow, StepRow } from '../state/store.js';

/** expand 0, migrate 1, contract 2; `complete` after every phase. */
export function phaseRank(phase: string): number {
  const rank = (PHASES as readonly string[]).indexOf(phase);
  return rank < 0 ? PHASES.length : rank;
}

/**
 * Finished `phase`: every step of that phase and the phases before it is done (a phase without steps
 * is finished once the ones before it are). `complete`: the run is done. A run rolled back, or being
 * rolled back, has finished nothing; a plan that never ran neither.
 */
export function dependencyMet(run: RunRow | undefined, steps: StepRow[], phase: Phase | 'complete'): boolean {
  if (!run || run.status === 'rolled_back' || run.status === 'rolling_back') return false;
  if (phase === 'complete') return run.status === 'done';
  return steps.every((s) => phaseRank(s.phase) > phaseRank(phase) || s.status === 'done');
}

/** One phrase for messages: `add-email is in migrate (at gate, …)`, or `before contract` when none of it began. */
export function standingOf(name: string, run: RunRow | undefined, steps: StepRow[]): string {
  if (!run) return `${name} has never run on this database`;
  if (run.status === 'rolled_back') return `${name} was rolled back`;
  if (run.status === 'rolling_back') return `${name} is being rolled back`;
  const pending = steps.find((s) => s.status !== 'done');
  if (!pending || run.status === 'done') return `${name} is done`;
  const done = steps.filter((s) => s.status === 'done').length;
  const begun = steps.some((s) => s.phase === pending.phase && s.status !== 'pending');
  return (
    `${name} is ${begun ? 'in' : 'before'} ${pending.phase} (${run.status.replace('_', ' ')}, ${done} of ` +
    `${steps.length} step(s) done), next step ${pending.step_id}`
  );
}
