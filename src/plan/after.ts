/**
 * A plan's `after:` list: other plans (by name) that must be finished in the database first, whole
 * (a bare name) or up to a phase (`{ plan, phase }`). The zod schema checks the form; this file
 * checks what a schema cannot (not itself, not twice) and gives the runner one normal shape.
 */
import type { PlanProblem } from '../errors.js';
import type { Phase } from '../operations/types.js';
import type { YamlSource } from './yaml-source.js';

/** What this plan waits for: `phase` finished in `plan`, or (`complete`) the whole plan done. */
export interface PlanDependency {
  plan: string;
  phase: Phase | 'complete';
}

type AfterItem = string | { plan: string; phase: Phase };

export function normaliseAfter(after: readonly AfterItem[] | undefined): PlanDependency[] {
  return (after ?? []).map((item) =>
    typeof item === 'string' ? { plan: item, phase: 'complete' } : { plan: item.plan, phase: item.phase },
  );
}

/** `after: [self]` and a plan named twice: each pinned to its list item. */
export function afterProblems(name: string, after: PlanDependency[], source: YamlSource): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const seen = new Map<string, number>();
  after.forEach((dep, index) => {
    const at = source.locate(['after', index]);
    if (dep.plan === name) {
      problems.push({
        at,
        message: `plan ${name} lists itself in \`after\``,
        hint: 'name other plans that must finish first (their `name:`), or remove the item',
      });
      return;
    }
    const first = seen.get(dep.plan);
    if (first !== undefined) {
      problems.push({
        at,
        message: `plan ${dep.plan} is listed twice in \`after\` (first at item ${first + 1})`,
        hint: 'keep one item per plan: the phase it must have finished, or its bare name for all of it',
      });
      return;
    }
    seen.set(dep.plan, index);
  });
  return problems;
}

/** How people read a dependency: `add-email (complete)`, `add-email (expand)`. */
export function describeDependency(dep: PlanDependency): string {
  return dep.phase === 'complete' ? `${dep.plan} to finish completely` : `${dep.plan} to finish ${dep.phase}`;
}
