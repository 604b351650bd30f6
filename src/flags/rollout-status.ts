/** For `status`: the current percentage of the flag behind each flag_rollout step, read from its store. */
import type { Queryable } from '../db/connection.js';
import type { StateSql } from '../dialects/state.js';
import { compilePlan } from '../plan/compile.js';
import { loadPlanFile } from '../plan/load.js';
import type { RunRow, StepRow } from '../state/store.js';
import { rolloutOf } from './definition.js';
import { describeLocation, flagLocation, isFlagLocation, openFlagStore, type FlagLocation } from './store.js';

export interface RolloutFlagStatus {
  flag: string;
  store: string;
  /** Null when other filters decide, or the store could not be read (see `error`). */
  percent: number | null;
  present: boolean;
  error?: string;
}

interface Target {
  flag: string;
  location: FlagLocation;
}

/** The flag and store of each rollout step, from the plan file (for steps that have not started). */
async function planTargets(file: string, cwd: string): Promise<Map<string, Target>> {
  try {
    const plan = await loadPlanFile(file, cwd);
    const steps = compilePlan(plan).phases.flatMap((p) => p.steps.map((s) => s.step));
    return new Map(
      steps.flatMap((s) =>
        s.kind === 'flag_rollout' ? [[s.id, { flag: s.flag, location: flagLocation(plan, cwd) }] as const] : [],
      ),
    );
  } catch {
    return new Map();
  }
}

/** Started steps name their flag and store in the checkpoint (the store the run really used). */
function recorded(step: StepRow): Target | undefined {
  const cp = step.checkpoint;
  return typeof cp?.flag === 'string' && isFlagLocation(cp.store) ? { flag: cp.flag, location: cp.store } : undefined;
}

/** `state`: the state part of the database's dialect (undefined where it has none), for flag tables. */
export async function rolloutFlagStatus(
  db: Queryable,
  state: StateSql | undefined,
  cwd: string,
  run: RunRow,
  steps: StepRow[],
): Promise<Map<string, RolloutFlagStatus>> {
  const result = new Map<string, RolloutFlagStatus>();
  const rollouts = steps.filter((s) => s.kind === 'flag_rollout');
  if (rollouts.length === 0) return result;
  const fromPlan = rollouts.every(recorded) ? new Map<string, Target>() : await planTargets(run.plan_file, cwd);
  for (const step of rollouts) {
    const target = recorded(step) ?? fromPlan.get(step.step_id);
    if (!target) continue;
    const store = describeLocation(target.location);
    try {
      const flag = await openFlagStore(target.location, db, state).get(target.flag);
      const rollout = rolloutOf(flag);
      result.set(step.step_id, {
        flag: target.flag,
        store,
        percent: rollout.percent,
        present: flag !== undefined,
        ...(rollout.unreadable !== undefined ? { error: `unreadable by .NET: ${rollout.unreadable}` } : {}),
      });
    } catch (e) {
      result.set(step.step_id, {
        flag: target.flag,
        store,
        percent: null,
        present: false,
        error: (e as Error).message.split('\n')[0]!,
      });
    }
  }
  return result;
}

export function describeFlagStatus(s: RolloutFlagStatus): string {
  if (s.error) return `flag ${s.flag}: cannot read the ${s.store}: ${s.error}`;
  if (!s.present) return `flag ${s.flag} not in the ${s.store} yet (off)`;
  return `flag ${s.flag} at ${s.percent === null ? 'a share decided by other filters' : `${s.percent}%`}`;
}
