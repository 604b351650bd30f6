import type { Dialect } from '../dialects/dialect.js';
import { postgres } from '../dialects/postgres/postgres-dialect.js';
import { UsageError } from '../errors.js';
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
  if (plan.dialect === 'postgres') return postgres;
  throw new UsageError(
    `plan ${plan.name} declares dialect: ${plan.dialect}; this release generates SQL for PostgreSQL only (SQL Server connections are supported, its operations are not yet)`,
    'use dialect: postgres, or keep the SQL Server change in a raw migration for now',
  );
}

/**
 * Expand every plan entry into its steps and group them by phase. Steps an operation emits for a
 * later phase (e.g. removing a sync trigger in contract) come first in that phase, in plan order,
 * so that they run before the steps listed there (such as dropping the old column).
 */
export function compilePlan(plan: Plan, dialect: Dialect = dialectFor(plan)): CompiledPlan {
  const entries: CompiledEntry[] = plan.entries.map((entry) => {
    const ctx = { dialect, id: entry.id, phase: entry.phase };
    return { entry, steps: entry.op.forward(entry.spec, ctx), inverse: entry.op.inverse(entry.spec, ctx) };
  });
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

export function isReversible(inverse: Inverse): inverse is { steps: Step[] } {
  return 'steps' in inverse;
}
