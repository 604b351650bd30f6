/**
 * A minimal example for each operation, taken from a step of plans/*.yaml and checked as a plan of its
 * own (loaded, compiled and linted like `validate` does), and whether the steps written in plans/
 * can be rolled back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isSeq, parseDocument, stringify } from 'yaml';
import { PlanError } from '../../src/errors.js';
import { lintPlan } from '../../src/lint/lint-plan.js';
import type { Phase } from '../../src/operations/types.js';
import { PHASES } from '../../src/operations/types.js';
import { compilePlan, isReversible } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { STEP_META_KEYS } from '../../src/plan/schema.js';

export interface OperationExample {
  /** The plan file the step comes from, e.g. plans/create-table.yaml. */
  source: string;
  /** A whole plan holding the step (and the steps before it when it cannot stand alone). */
  yaml: string;
}

export interface Reversibility {
  /** How many steps of this kind in plans/ a rollback can undo, of how many. */
  reversible: number;
  total: number;
  /** Why one of the others cannot be undone (the operation's own words). */
  reason?: string;
}

export interface PlanStep {
  file: string;
  phase: Phase;
  index: number;
  kind: string;
  /** The step as written: `{ <kind>: spec, id?, lint?, if_exists? }`. */
  item: unknown;
  /** The plan's header keys other than name, description and phases (dialect, settings). */
  header: Record<string, unknown>;
  /** The steps listed before this one, in phase order. */
  before: { phase: Phase; item: unknown }[];
}

function stepsOfPlan(file: string, text: string): PlanStep[] {
  const doc = parseDocument(text);
  const phases = doc.get('phases');
  if (!isMap(phases)) return [];
  const json = doc.toJS() as Record<string, unknown>;
  const header = Object.fromEntries(
    Object.entries(json).filter(([key]) => !['$schema', 'name', 'description', 'phases'].includes(key)),
  );
  const steps: PlanStep[] = [];
  const before: { phase: Phase; item: unknown }[] = [];
  for (const phase of PHASES) {
    const list = phases.get(phase);
    if (!isSeq(list)) continue;
    list.items.forEach((node, index) => {
      const item: unknown = isMap(node) ? node.toJSON() : undefined;
      const kind = Object.keys(item ?? {}).find((key) => !(STEP_META_KEYS as readonly string[]).includes(key));
      if (kind !== undefined) steps.push({ file, phase, index, kind, item, header, before: [...before] });
      before.push({ phase, item });
    });
  }
  return steps;
}

/** Every step of every plan in `dir`, in file order. */
export function planSteps(dir: string): PlanStep[] {
  const files = readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  return files.flatMap((name) => stepsOfPlan(join(dir, name), readFileSync(join(dir, name), 'utf8')));
}

function planText(kind: string, step: PlanStep, withBefore: boolean): string {
  const items = withBefore ? [...step.before, { phase: step.phase, item: step.item }] : [step];
  const phases: Record<string, unknown[]> = {};
  for (const { phase, item } of items) (phases[phase] ??= []).push(item);
  return stringify({ name: `example-${kind.replaceAll('_', '-')}`, ...step.header, phases }, { lineWidth: 100 });
}

/** Problems `validate` would report for `text` (invalid plan, or lint errors); empty when it passes. */
export async function validationProblems(file: string, text: string): Promise<string[]> {
  try {
    const plan = await parsePlan(file, text);
    return lintPlan(plan, compilePlan(plan))
      .filter((finding) => finding.severity === 'error')
      .map((finding) => `${finding.rule}: ${finding.message}`);
  } catch (e) {
    if (e instanceof PlanError) return e.problems.map((p) => p.message);
    throw e;
  }
}

/**
 * The shortest step of `kind` in plans/ that validates as a plan on its own; else the shortest
 * with the steps before it. Undefined when plans/ has no step of this kind.
 */
export async function exampleFor(kind: string, steps: PlanStep[]): Promise<OperationExample | undefined> {
  const own = steps.filter((step) => step.kind === kind);
  for (const withBefore of [false, true]) {
    const candidates = own
      .map((step) => ({ source: step.file, yaml: planText(kind, step, withBefore) }))
      .sort((a, b) => a.yaml.length - b.yaml.length || a.source.localeCompare(b.source));
    for (const candidate of candidates) {
      if ((await validationProblems(`${kind}.yaml`, candidate.yaml)).length === 0) return candidate;
    }
  }
  return undefined;
}

/** Whether a rollback can undo each step of `kind` in the plans of `dir`, compiled as written. */
export async function reversibilityIn(dir: string, kind: string, steps: PlanStep[]): Promise<Reversibility> {
  const result: Reversibility = { reversible: 0, total: 0 };
  const files = [...new Set(steps.filter((step) => step.kind === kind).map((step) => step.file))];
  for (const file of files) {
    const plan = await parsePlan(file.slice(dir.length + 1), readFileSync(file, 'utf8'));
    for (const { entry, inverse } of compilePlan(plan).entries) {
      if (entry.kind !== kind) continue;
      result.total += 1;
      if (isReversible(inverse)) result.reversible += 1;
      else result.reason ??= inverse.irreversible;
    }
  }
  return result;
}

/** The example with only the operation's required keys left in its step (the last step of the plan). */
function minimalPlanText(kind: string, example: OperationExample, requiredKeys: readonly string[]): string | undefined {
  const plan = parseDocument(example.yaml).toJS() as { phases: Record<string, Record<string, unknown>[]> };
  const lastPhase = Object.values(plan.phases).at(-1);
  const step = lastPhase?.at(-1);
  const spec = step?.[kind];
  if (!lastPhase || spec === null || typeof spec !== 'object' || Array.isArray(spec)) return undefined;
  const minimal = Object.fromEntries(Object.entries(spec).filter(([key]) => requiredKeys.includes(key)));
  lastPhase[lastPhase.length - 1] = { [kind]: minimal };
  return stringify(plan);
}

/**
 * Whether a rollback can undo the example's step written with its required keys only (when that
 * still validates): undefined when it does not validate.
 */
export async function minimalFormReversibility(
  kind: string,
  example: OperationExample,
  requiredKeys: readonly string[],
): Promise<{ reversible: boolean; reason?: string } | undefined> {
  const text = minimalPlanText(kind, example, requiredKeys);
  if (text === undefined || (await validationProblems(`${kind}.yaml`, text)).length > 0) return undefined;
  const entries = compilePlan(await parsePlan(`${kind}.yaml`, text)).entries;
  const inverse = entries.at(-1)?.inverse;
  if (!inverse) return undefined;
  return isReversible(inverse) ? { reversible: true } : { reversible: false, reason: inverse.irreversible };
}
