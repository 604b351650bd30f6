/**
 * A cycle of `after:` through what runs recorded (A after B, and B's run recorded `after: [A]` from a file
 * edited since): neither plan could finish before the other, and neither could be rolled back while the other
 * has started. A run whose `after:` closes such a cycle is refused before anything is recorded.
 */
import { UsageError } from '../errors.js';
import type { PlanDependency } from '../plan/after.js';

/** A plan's `after:` as its latest run recorded it. */
type RecordedAfter = (planName: string) => Promise<PlanDependency[]>;

export class AfterCycleError extends UsageError {
  constructor(message: string, hint: string) {
    super(message, hint, 'after-cycle');
  }
}

/** An `after:` item as the plan writes it: a bare name for the whole plan, `{ plan, phase }` otherwise. */
export function afterItemText(dep: PlanDependency): string {
  return dep.phase === 'complete' ? dep.plan : `{ plan: ${dep.plan}, phase: ${dep.phase} }`;
}

/** The path from `from` back to `planName` through recorded `after:` lists, or undefined when there is none. */
async function pathBack(afterOf: RecordedAfter, planName: string, from: string): Promise<string[] | undefined> {
  const seen = new Set<string>();
  const walk = async (name: string, path: string[]): Promise<string[] | undefined> => {
    if (name === planName) return path;
    if (seen.has(name)) return undefined;
    seen.add(name);
    for (const dep of await afterOf(name)) {
      const found = await walk(dep.plan, [...path, dep.plan]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(from, [from]);
}

/** Refuse (exit 2, nothing recorded) an `after:` item whose plan's recorded `after:` leads back to this plan. */
export async function refuseAfterCycle(
  afterOf: RecordedAfter,
  planName: string,
  after: PlanDependency[],
): Promise<void> {
  for (const dep of after) {
    const path = await pathBack(afterOf, planName, dep.plan);
    if (!path) continue;
    const cycle = [planName, ...path].join(' → ');
    const namer = path[path.length - 2] ?? dep.plan;
    const back =
      path.length > 2
        ? `the runs recorded for ${path.slice(0, -1).join(', ')} lead back to ${planName} through their \`after:\``
        : `the run recorded for ${namer} waits for ${planName} in turn (its \`after:\`)`;
    throw new AfterCycleError(
      `plan ${planName} waits for plan ${dep.plan} (\`after: [${afterItemText(dep)}]\`), and ${back}: ` +
        `${cycle}. In a cycle no plan can finish before the other and none ` +
        'can be rolled back; nothing was run',
      `take ${dep.plan} out of ${planName}'s \`after:\`, or take ${planName} out of the \`after:\` of ${namer} ` +
        `and run ${namer} again, so that one of them goes first`,
    );
  }
}
