import type { Dialect } from '../dialects/dialect.js';
import { dialectNamed } from '../dialects/registry.js';
import { PHASES, type Inverse, type Phase, type Step } from '../operations/types.js';
import type { Plan, PlanEntry } from './types.js';

export interface CompiledStep {
  step: Step;
  /** The plan entry the step comes from. */
  entry: PlanEntry;
}

export interface CompiledEntry {
  entry: PlanEntry;
  steps: Step[];
  inverse: Inverse;
}

export interface CompiledPhase {
  phase: Phase;
  steps: CompiledStep[];
}

export interface CompiledPlan {
  plan: Plan;
  dialect: Dialect;
  entries: CompiledEntry[];
  phases: CompiledPhase[];
}

export function dialectFor(plan: Plan): Dialect {
  return dialectNamed(plan.dialect);
}

/**
 * Expand every plan entry into its steps and group them by phase. Steps an operation emits for a
 * later phase (e.g. removing a sync trigger in contract) come first in that phase, in plan order,
 * so that they run before the steps listed there (such as dropping the old column).
 */
export function compilePlan(plan: Plan, dialect: Dialect = dialectFor(plan)): CompiledPlan {
  const entries: CompiledEntry[] = [];
  for (const entry of plan.entries) {
    const ctx = { dialect, id: entry.id, phase: entry.phase, plan: plan.name };
    const steps = entry.op.forward(entry.spec, ctx);
    entries.push({
      entry,
      steps,
      inverse:
        overwrites(steps, [...entries, { entry, steps, inverse: { steps: [] } }]) ?? entry.op.inverse(entry.spec, ctx),
    });
  }
  const phases: CompiledPhase[] = PHASES.map((phase) => {
    const carried: CompiledStep[] = [];
    const own: CompiledStep[] = [];
    for (const compiled of entries) {
      for (const step of compiled.steps) {
        if (step.phase !== phase) continue;
        (compiled.entry.phase === phase ? own : carried).push({ step, entry: compiled.entry });
      }
    }
    return { phase, steps: [...carried, ...own] };
  });
  return { plan, dialect, entries, phases };
}

/** Columns that these entries create (and do not adopt): their values go with them on rollback. */
function columnsCreated(earlier: CompiledEntry[]): Set<string> {
  const created = new Set<string>();
  for (const { entry, steps } of earlier) {
    if (entry.adopt) continue;
    for (const step of steps) {
      if (step.kind === 'sql' && step.effect?.does === 'create' && step.effect.object.kind === 'column')
        created.add(`${step.effect.object.table}.${step.effect.object.name}`);
    }
  }
  return created;
}

/**
 * A backfill that writes a column neither an earlier entry nor its own entry created (rename_column
 * and change_type backfill the column they add) overwrites values that were there before the plan:
 * no rollback can restore them.
 */
function overwrites(steps: Step[], earlier: CompiledEntry[]): Inverse | undefined {
  const created = columnsCreated(earlier);
  for (const step of steps) {
    if (step.kind !== 'backfill') continue;
    const existing = Object.keys(step.set).filter((column) => !created.has(`${step.table}.${column}`));
    if (existing.length === 0) continue;
    const columns = existing.map((c) => `${step.table}.${c}`).join(', ');
    return {
      irreversible:
        `the backfill overwrites values of ${columns}, which this plan did not add: a rollback cannot restore them; ` +
        `to keep a way back, add a new column (add_column) and backfill that instead, or copy the old values first`,
    };
  }
  return undefined;
}

export function isReversible(inverse: Inverse): inverse is { steps: Step[] } {
  return 'steps' in inverse;
}
