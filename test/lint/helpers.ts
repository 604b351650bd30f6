import { lintPlan } from '../../src/lint/lint-plan.js';
import type { Finding } from '../../src/lint/types.js';
import { parsePlan } from '../../src/plan/load.js';

/** Lint a plan given as YAML text. */
export async function lint(yaml: string): Promise<Finding[]> {
  return lintPlan(await parsePlan('plan.yaml', yaml));
}

/** The rule ids found, in file order. */
export async function rulesOf(yaml: string): Promise<string[]> {
  return (await lint(yaml)).map((f) => f.rule);
}

/** A plan whose only step is raw SQL in `phase`, written as a `up: |` block (the SQL starts on line 6, column 11). */
export function sqlPlan(up: string, phase: 'expand' | 'migrate' | 'contract' = 'expand', extra = ''): string {
  const body = up
    .trim()
    .split('\n')
    .map((l) => `          ${l}`)
    .join('\n');
  return `name: t\nphases:\n  ${phase}:\n    - sql:\n        up: |\n${body}\n${extra}`;
}
