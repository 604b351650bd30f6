/**
 * The blue/green operations depend on each other: at most one replicate per plan; catch_up and switch
 * come after it; drop_replication (contract) after a switch. Checked when the plan is loaded (exit 2).
 */
import type { PlanProblem } from '../errors.js';
import type { PlanEntry } from './types.js';
import type { YamlSource } from './yaml-source.js';

const NEEDS: Record<string, { before: string; hint: string }> = {
  catch_up: { before: 'replicate', hint: 'list replicate under expand first' },
  switch: { before: 'replicate', hint: 'list replicate under expand first' },
  drop_replication: { before: 'switch', hint: 'list switch under migrate first' },
};

/** Entries in plan order (expand, migrate, contract). */
export function replicationOrderProblems(entries: PlanEntry[], source: YamlSource): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const seen = new Map<string, PlanEntry>();
  for (const entry of entries) {
    const at = source.locateKey(entry.path.slice(0, 3), entry.kind);
    const first = seen.get(entry.kind);
    if (first && ['replicate', 'switch', 'drop_replication'].includes(entry.kind))
      problems.push({
        at,
        message: `a plan has at most one ${entry.kind} (the first is at line ${first.at.line})`,
        hint: 'one plan moves one set of tables from blue to green; write another plan for more',
      });
    const need = NEEDS[entry.kind];
    if (need && !seen.has(need.before))
      problems.push({ at, message: `${entry.kind} needs a ${need.before} before it`, hint: need.hint });
    if (!first) seen.set(entry.kind, entry);
  }
  return problems;
}
