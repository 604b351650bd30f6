/** The plan's steps in execution order, for rules that reason across phases. */
import type { CompiledStep } from '../plan/compile.js';
import type { PlanEntry } from '../plan/types.js';
import type { LintContext } from './types.js';

export interface Sequence {
  steps: CompiledStep[];
  /** Position of a compiled step by id (the sequence length when absent). */
  indexOf(stepId: string): number;
  /** Position of an entry's first step (the sequence length when it has none). */
  firstOf(entry: PlanEntry): number;
}

const cache = new WeakMap<object, Sequence>();

export function sequenceOf(ctx: LintContext): Sequence {
  const cached = cache.get(ctx.compiled);
  if (cached) return cached;
  const steps = ctx.compiled.phases.flatMap((p) => p.steps);
  const byId = new Map<string, number>();
  const byEntry = new Map<PlanEntry, number>();
  steps.forEach(({ step, entry }, i) => {
    if (!byId.has(step.id)) byId.set(step.id, i);
    if (!byEntry.has(entry)) byEntry.set(entry, i);
  });
  const sequence: Sequence = {
    steps,
    indexOf: (id) => byId.get(id) ?? steps.length,
    firstOf: (entry) => byEntry.get(entry) ?? steps.length,
  };
  cache.set(ctx.compiled, sequence);
  return sequence;
}

/** The contract steps that remove the old path, in execution order. */
export function oldPathRemovals(ctx: LintContext): { index: number; step: CompiledStep; what: string }[] {
  const sequence = sequenceOf(ctx);
  return sequence.steps.flatMap((cs, index) => {
    if (cs.step.phase !== 'contract' || cs.step.kind !== 'sql') return [];
    const removes =
      cs.entry.kind === 'sql'
        ? ctx.raw.some((s) => s.stepId === cs.step.id && s.removesOldPath)
        : ctx.compiled.dialect.parser.lint.removesOldPath(cs.step.sql);
    return removes ? [{ index, step: cs, what: cs.step.summary }] : [];
  });
}
