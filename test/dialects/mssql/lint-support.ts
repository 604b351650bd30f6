/** A plan of raw `sql` steps only, built by hand (no SQL Server dialect is registered yet), for the T-SQL lint. */
import { mssqlLint } from '../../../src/dialects/mssql/lint/lint.js';
import type { Finding, LintContext, Rule } from '../../../src/lint/types.js';
import type { CompiledPlan } from '../../../src/plan/compile.js';
import type { Plan } from '../../../src/plan/types.js';

export interface RawStep {
  up: string;
  phase?: 'expand' | 'migrate' | 'contract';
}

/** Each step's SQL sits on line `index + 1` of the plan, from column 1: a finding's col is its offset + 1. */
export function contextOf(steps: RawStep[]): LintContext {
  const entries = steps.map((s, index) => {
    const phase = s.phase ?? 'expand';
    return {
      id: `sql#${index + 1}`,
      phase,
      index,
      kind: 'sql',
      spec: { up: s.up },
      path: ['phases', phase, index, 'sql'],
    };
  });
  const plan = {
    file: 'plan.yaml',
    entries,
    locate: () => ({ file: 'plan.yaml', line: 1, col: 1 }),
    locateInScalar: (path: (string | number)[], offset: number) => ({
      file: 'plan.yaml',
      line: Number(path[2]) + 1,
      col: offset + 1,
    }),
  } as unknown as Plan;
  const compiled = {
    plan,
    entries: entries.map((entry) => ({ entry, steps: [{ kind: 'sql', id: entry.id, transactional: true }] })),
    phases: [],
  } as unknown as CompiledPlan;
  return {
    plan,
    compiled,
    raw: mssqlLint.rawStatements(plan, compiled),
    normaliseTable: (name) => mssqlLint.normaliseTable(name),
  };
}

export const check = (rule: Rule, ...steps: (string | RawStep)[]): Finding[] =>
  rule.check(contextOf(steps.map((s) => (typeof s === 'string' ? { up: s } : s))));
