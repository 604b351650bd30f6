/**
 * The "in flight" part of `status`: every plan started and not finished, dependencies first, with
 * what each waits for (its recorded `after:`) and whether that is finished. Reads only.
 */
import type { PlanDependency } from '../plan/after.js';
import { recordedAfter } from '../runner/plan-order.js';
import { dependencyMet, standingOf } from '../runner/plan-standing.js';
import type { RunRow, StateStore, StepRow } from '../state/store.js';
import type { Paint } from './io.js';

export interface OrderedDependency extends PlanDependency {
  /** The plan waited for has finished that phase (or, `complete`, is done) in this database. */
  finished: boolean;
  /** Where it stands, for people: `add-email is in migrate (at gate, …)`. */
  standing: string;
}

export interface InFlightPlan {
  name: string;
  status: RunRow['status'];
  phase: string | null;
  after: OrderedDependency[];
}

const FINISHED: readonly RunRow['status'][] = ['done', 'rolled_back'];

/** Each run's recorded `after:`, judged against the other runs' state. */
export async function readDependencies(
  store: StateStore,
  runs: { run: RunRow; steps: StepRow[] }[],
): Promise<Map<string, OrderedDependency[]>> {
  const byName = new Map<string, { run: RunRow | undefined; steps: StepRow[] }>(runs.map((r) => [r.run.plan_name, r]));
  // `status FILE` lists one run: the plans it waits for are read on their own.
  const lookUp = async (plan: string) => {
    const known = byName.get(plan);
    if (known) return known;
    const run = await store.getRun(plan);
    const found = { run, steps: run ? await store.getSteps(plan) : [] };
    byName.set(plan, found);
    return found;
  };
  const result = new Map<string, OrderedDependency[]>();
  for (const { run } of runs) {
    const judged: OrderedDependency[] = [];
    for (const dep of await recordedAfter(store, run.plan_name)) {
      const other = await lookUp(dep.plan);
      judged.push({
        ...dep,
        finished: dependencyMet(other.run, other.steps, dep.phase),
        standing: standingOf(dep.plan, other.run, other.steps),
      });
    }
    result.set(run.plan_name, judged);
  }
  return result;
}

/** In-flight plans, each after the in-flight plans it waits for; otherwise the earliest started first. */
export function inFlightOrder(
  runs: { run: RunRow; steps: StepRow[] }[],
  dependencies: Map<string, OrderedDependency[]>,
): InFlightPlan[] {
  const inFlight = runs
    .filter((r) => !FINISHED.includes(r.run.status))
    .sort((a, b) => new Date(a.run.started_at).getTime() - new Date(b.run.started_at).getTime());
  const names = new Set(inFlight.map((r) => r.run.plan_name));
  const placed = new Set<string>();
  const ordered: InFlightPlan[] = [];
  const place = (name: string, path: Set<string>): void => {
    if (placed.has(name) || path.has(name) || !names.has(name)) return;
    path.add(name);
    for (const dep of dependencies.get(name) ?? []) place(dep.plan, path);
    const { run } = inFlight.find((r) => r.run.plan_name === name)!;
    placed.add(name);
    ordered.push({ name, status: run.status, phase: run.phase, after: dependencies.get(name) ?? [] });
  };
  for (const r of inFlight) place(r.run.plan_name, new Set());
  return ordered;
}

function dependencyText(dep: OrderedDependency): string {
  const what = dep.phase === 'complete' ? `${dep.plan} (all of it)` : `${dep.plan} ${dep.phase}`;
  return dep.finished ? `after ${what} ✔` : `waits for ${what}: ${dep.standing}`;
}

/** One line under a plan in `status`: `after: add-email expand ✔`. */
export function afterText(after: OrderedDependency[]): string {
  return after.map(dependencyText).join('; ');
}

/** The text block: one numbered line per plan in flight, and what it waits for. */
export function inFlightText(plans: InFlightPlan[], p: Paint): string {
  if (plans.length === 0) return '';
  const lines = plans.map((plan, i) => {
    const where = `${plan.status.replace(/_/g, ' ')}${plan.phase ? ` · ${plan.phase}` : ''}`;
    const deps = plan.after.map((d) => (d.finished ? p.dim(dependencyText(d)) : p.yellow(dependencyText(d))));
    return `  ${i + 1}. ${p.bold(plan.name)}  ${where}${deps.length ? ` — ${deps.join('; ')}` : ''}`;
  });
  return `in flight (in order):\n${lines.join('\n')}`;
}

export function inFlightJson(plans: InFlightPlan[]) {
  return plans.map((plan) => ({
    name: plan.name,
    status: plan.status,
    phase: plan.phase,
    after: plan.after.map(dependencyJson),
    waits_for: plan.after.filter((d) => !d.finished).map((d) => d.plan),
  }));
}

export function dependencyJson(dep: OrderedDependency) {
  return { plan: dep.plan, phase: dep.phase, finished: dep.finished, standing: dep.standing };
}

/** For a plan that has not run: one line per `after:` item not finished yet (what `run` would refuse on). */
export async function waitingLines(store: StateStore, after: PlanDependency[]): Promise<string> {
  const lines: string[] = [];
  for (const dep of after) {
    const run = (await store.exists()) ? await store.getRun(dep.plan) : undefined;
    const steps = run ? await store.getSteps(dep.plan) : [];
    if (dependencyMet(run, steps, dep.phase)) continue;
    lines.push(`  ${dependencyText({ ...dep, finished: false, standing: standingOf(dep.plan, run, steps) })}\n`);
  }
  return lines.join('');
}
