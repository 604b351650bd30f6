/** What one target's run came to, as the fleet's summary says it, and the hints that repeat the fleet's options. */
import { isUserFacingError, LockedError } from '../errors.js';
import { WaitingForPlanError } from '../runner/plan-order.js';
import type { RollbackOutcome } from '../runner/rollback.js';
import type { RunOutcome } from '../runner/run-plan.js';
import type { FleetTarget, TargetSelection } from './targets.js';

export type Outcome = { outcome: string; error?: string; next?: string };

export function describeRun(o: RunOutcome): Outcome {
  switch (o.kind) {
    case 'done':
      return { outcome: 'done' };
    case 'phase-done':
      return { outcome: `phase ${o.phase} done`, ...(o.next ? { next: o.next } : {}) };
    case 'gate':
      return { outcome: 'stopped at gate', error: o.message, next: o.next };
    case 'failed':
      return { outcome: 'failed', error: `step ${o.stepId}: ${o.error}` };
    case 'interrupted':
      return { outcome: 'interrupted', error: o.at };
  }
}

export function describeRollback(o: RollbackOutcome): Outcome {
  if (o.kind === 'rolled-back') return { outcome: 'rolled back' };
  if (o.kind === 'nothing') return { outcome: 'nothing to roll back' };
  if (o.kind === 'gate') return { outcome: 'stopped at confirmation', error: o.message, next: o.next };
  return { outcome: 'refused', error: o.reason };
}

export function failureOutcome(e: unknown, code: number): Outcome {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof LockedError) return { outcome: 'locked', error: message };
  // Not a failure: the plan runs once the plan of its `after:` has got far enough on this target.
  if (e instanceof WaitingForPlanError)
    return { outcome: 'waiting', error: message, ...(e.hint ? { next: e.hint } : {}) };
  if (code === 4) return { outcome: 'unreachable', error: message };
  return { outcome: isUserFacingError(e) ? 'failed' : 'internal error', error: message };
}

/** A word the shell reads back unchanged: bare when it is plain, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The options a hint repeats so that it acts on the same target(s): never on one database by accident. */
export interface FleetScope {
  /** `--targets T.yaml --target NAME`: this one target. */
  target(name: string): string;
  /** What the user ran: `--targets T.yaml` with the same `--only` or single target. */
  fleet: string;
}

export function fleetScope(file: string, selection: TargetSelection, chosen: FleetTarget[]): FleetScope {
  const targets = `--targets ${shellWord(file)}`;
  const only = selection.only !== undefined ? ` --only ${shellWord(selection.only)}` : '';
  const one = chosen.length === 1 && (selection.target ?? selection.targetIndex) !== undefined;
  return {
    target: (name) => `${targets} --target ${shellWord(name)}`,
    fleet: one ? `${targets} --target ${shellWord((chosen[0] as FleetTarget).name)}` : `${targets}${only}`,
  };
}
