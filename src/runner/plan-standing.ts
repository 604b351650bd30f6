/** Where a plan stands in the state tables, and whether it has finished a phase (for `after:`). */
import { PHASES, type Phase } from '../operations/types.js';
import type { RunRow, StepRow } from '../state/store.js';

/** expand 0, migrate 1, contract 2; `complete` after every phase. */
export function phaseRank(phase: string): number {
  const rank = (PHASES as readonly string[]).indexOf(phase);
  return rank < 0 ? PHASES.length : rank;
}

/**
 * Finished `phase`, read from the step rows alone. The run records every step of its plan (with its phase) in
 * one transaction as it starts, so the step rows are the recorded plan: a run with no step rows has not
 * recorded its plan yet (it is starting, or starting over) and has finished nothing.
 *
 * With step rows, `phase` is finished when every step of it and of the phases before it is done, and the run
 * shows it got that far: a done step at or before `phase`, or a later phase begun (a step of it started, the
 * run's current phase past it, contract confirmed). So a phase with no steps of its own is finished only when
 * the plan has none there and an earlier phase is done or a later one has begun; never by default.
 * `complete`: the run is done (with its steps recorded). A run rolled back, or being rolled back, has finished
 * nothing; a plan that never ran neither.
 */
export function dependencyMet(run: RunRow | undefined, steps: StepRow[], phase: Phase | 'complete'): boolean {
  if (!run || run.status === 'rolled_back' || run.status === 'rolling_back') return false;
  if (steps.length === 0) return false;
  if (phase === 'complete') return run.status === 'done';
  const rank = phaseRank(phase);
  const upTo = steps.filter((s) => phaseRank(s.phase) <= rank);
  if (!upTo.every((s) => s.status === 'done')) return false;
  return upTo.length > 0 || laterPhaseBegun(run, steps, rank);
}

function laterPhaseBegun(run: RunRow, steps: StepRow[], rank: number): boolean {
  if (run.status === 'done') return true;
  if (run.phase && phaseRank(run.phase) > rank) return true;
  if (run.contract_started && rank < phaseRank('contract')) return true;
  return steps.some((s) => phaseRank(s.phase) > rank && s.status !== 'pending');
}

/** One phrase for messages: `add-email is in migrate (at gate, …)`, or `before contract` when none of it began. */
export function standingOf(name: string, run: RunRow | undefined, steps: StepRow[]): string {
  if (!run) return `${name} has never run on this database`;
  if (run.status === 'rolled_back') return `${name} was rolled back`;
  if (run.status === 'rolling_back') return `${name} is being rolled back`;
  if (steps.length === 0) return `${name} is starting (no step of it is recorded yet)`;
  const pending = steps.find((s) => s.status !== 'done');
  if (!pending || run.status === 'done') return `${name} is done`;
  const done = steps.filter((s) => s.status === 'done').length;
  const begun = steps.some((s) => s.phase === pending.phase && s.status !== 'pending');
  return (
    `${name} is ${begun ? 'in' : 'before'} ${pending.phase} (${run.status.replace('_', ' ')}, ${done} of ` +
    `${steps.length} step(s) done), next step ${pending.step_id}`
  );
}
