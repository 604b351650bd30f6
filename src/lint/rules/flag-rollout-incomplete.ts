import ms from 'ms';
import type { FlagRolloutSpec } from '../../operations/flag-rollout.js';
import type { PlanEntry } from '../../plan/types.js';
import { block, entryFinding } from '../finding.js';
import { oldPathRemovals, sequenceOf } from '../sequence.js';
import type { Finding, LintContext, Rule } from '../types.js';

function finalStage(entry: PlanEntry): number {
  const stages = (entry.spec as FlagRolloutSpec).stages;
  return stages[stages.length - 1] ?? 0;
}

function findingOf(
  ctx: LintContext,
  flag: string,
  rollouts: PlanEntry[],
  removal: { index: number; what: string },
): Finding | undefined {
  const sequence = sequenceOf(ctx);
  const before = rollouts.filter((e) => sequence.firstOf(e) < removal.index);
  if (before.some((e) => finalStage(e) === 100)) return undefined;
  const last = before[before.length - 1] ?? rollouts[rollouts.length - 1];
  if (!last) return undefined;
  const reached = before.length > 0 ? `stops at ${Math.max(...before.map(finalStage))}%` : 'only starts after it';
  const spec = last.spec as FlagRolloutSpec;
  const stages = spec.stages.includes(100) ? spec.stages : [...spec.stages, 100];
  return entryFinding(
    flagRolloutIncomplete,
    ctx.plan,
    last,
    ['stages'],
    `contract removes the old path (${removal.what}) but the rollout of flag ${flag} ${reached}: the users still on ` +
      `the old path hit errors`,
    [
      'roll the flag out to 100% before contract, holding the last stage long enough to trust it:',
      block([
        `- flag_rollout: { flag: ${flag}, stages: [${stages.join(', ')}]${
          spec.hold > 0 ? `, hold: ${ms(spec.hold)}` : ''
        } }`,
      ]),
      'or move the removal to a later plan, run once the flag is at 100% and the flag check is gone from the code',
    ].join('\n'),
  );
}

export const flagRolloutIncomplete: Rule = {
  id: 'flag-rollout-incomplete',
  severity: 'error',
  description:
    'Contract drops or renames the old path while a flag_rollout in the plan has not reached 100% before it.',
  check(ctx: LintContext) {
    const rollouts = ctx.plan.entries.filter((e) => e.kind === 'flag_rollout');
    const [removal] = oldPathRemovals(ctx);
    if (rollouts.length === 0 || !removal) return [];
    const sequence = sequenceOf(ctx);
    const byFlag = new Map<string, PlanEntry[]>();
    for (const entry of [...rollouts].sort((a, b) => sequence.firstOf(a) - sequence.firstOf(b))) {
      const flag = (entry.spec as FlagRolloutSpec).flag;
      byFlag.set(flag, [...(byFlag.get(flag) ?? []), entry]);
    }
    return [...byFlag].flatMap(([flag, entries]) => findingOf(ctx, flag, entries, removal) ?? []);
  },
};
