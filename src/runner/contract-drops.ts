/**
 * What the contract phase will remove, read from the very statements it will run (parsed, not
 * guessed from step kinds), so the confirmation lists exactly that: `column users.legacy_login`,
 * `trigger schemashift_sync_… on users`, `function …`, `index …`, `constraint … on …`.
 */
import type { Step } from '../operations/types.js';
import type { CompiledPlan } from '../plan/compile.js';
import type { SqlParser } from '../dialects/parser.js';

/** What one contract step removes; a statement the parser cannot read is named by its step. */
export function stepDrops(step: Step, parser: SqlParser): string[] {
  if (step.kind !== 'sql') return [];
  return parser.statementsDrops(step.sql) ?? [`whatever step ${step.id} removes (${step.summary})`];
}

/** Everything the contract phase of `compiled` drops, in the order it runs, each once. */
export function contractDrops(compiled: CompiledPlan): string[] {
  const contract = compiled.phases.find((p) => p.phase === 'contract');
  return [...new Set((contract?.steps ?? []).flatMap(({ step }) => stepDrops(step, compiled.dialect.parser)))];
}

/** The question asked (or the gate recorded) before contract starts. */
export function contractConfirmation(compiled: CompiledPlan): string {
  const drops = contractDrops(compiled);
  const name = compiled.plan.name;
  if (drops.length === 0) return `Start contract for ${name}? It cannot be rolled back.`;
  return `Start contract for ${name}? It cannot be rolled back. It drops:\n${drops.map((d) => `  - ${d}`).join('\n')}`;
}
