import type { Dialect } from '../../dialects/dialect.js';
import type { BackfillSpec } from '../../operations/backfill.js';
import { block, entryFinding, yamlString } from '../finding.js';
import { oldPathRemovals, sequenceOf } from '../sequence.js';
import type { Finding, LintContext, Rule } from '../types.js';

function verifyQuery(spec: BackfillSpec, d: Dialect): string {
  const condition = spec.where ?? Object.keys(spec.set).map((c) => `${d.ident(c)} IS NULL`).join(' OR ');
  return `SELECT count(*) FROM ${d.qualified(spec.table)} WHERE ${condition}`;
}

export const missingCheckBeforeContract: Rule = {
  id: 'missing-check-before-contract',
  severity: 'warning',
  description: 'A backfill, then a contract step that drops or renames the old path, with no `check` step in between to prove the backfill complete.',
  check(ctx: LintContext): Finding[] {
    const sequence = sequenceOf(ctx);
    const contractAt = oldPathRemovals(ctx)[0]?.index;
    if (contractAt === undefined) return [];
    const checked = (from: number) => sequence.steps.some((s, i) => i > from && i < contractAt && s.step.kind === 'check');
    return ctx.plan.entries
      .filter((e) => e.kind === 'backfill' && !checked(sequence.firstOf(e)))
      .map((entry) => {
        const spec = entry.spec as BackfillSpec;
        return entryFinding(
          missingCheckBeforeContract,
          ctx.plan,
          entry,
          [],
          `nothing checks that the backfill of ${spec.table} is complete before contract removes the old path: rows written around the backfill by an old application version could be left behind`,
          [
            'add a check after the backfill (the run stops if it fails, before anything irreversible happens):',
            block([`- check: { sql: ${yamlString(verifyQuery(spec, ctx.compiled.dialect))}, expect: 0 }`]),
          ].join('\n'),
        );
      });
  },
};
