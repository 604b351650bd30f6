import type { CompiledPlan } from '../plan/compile.js';

/**
 * Every relation the plan's steps lock, change or read (as the plan spells them), including names
 * the plan only creates: the caller keeps those that exist in the source database.
 */
export function relationsOfPlan(compiled: CompiledPlan): string[] {
  const names = new Set<string>();
  const { simulate } = compiled.dialect.introspect;
  const steps = [
    ...compiled.phases.flatMap((p) => p.steps.map((s) => s.step)),
    ...compiled.entries.flatMap((e) => ('steps' in e.inverse ? e.inverse.steps : [])),
  ];
  for (const step of steps) {
    if (step.kind === 'backfill' || step.kind === 'verify') names.add(step.table);
    if (step.kind === 'sql' || step.kind === 'backfill' || step.kind === 'verify')
      step.lock.on.forEach((t) => names.add(t));
    if (step.kind === 'sql' || step.kind === 'check') simulate.tablesRead(step.sql).forEach((t) => names.add(t));
  }
  return [...names].sort();
}
