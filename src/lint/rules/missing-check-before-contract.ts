import type { Dialect } from '../../dialects/dialect.js';
import type { BackfillSpec } from '../../operations/backfill.js';
import { block, entryFinding, yamlString } from '../finding.js';
import { oldPathRemovals, sequenceOf } from '../sequence.js';
import type { Finding, LintContext, Rule } from '../types.js';

function verifyQuery(spec: BackfillSpec, d: Dialect): string {
  const { lint } = d.parser;
  return lint.countRowsWhere(spec.table, spec.where ?? lint.anyNull(Object.keys(spec.set)));
}

function verifyStep(spec: BackfillSpec): string {
  const compare = Object.entries(spec.set)
    .map(([column, expression]) => `${column}: ${yamlString(expression)}`)
    .join(', ');
  return `- verify: { table: ${spec.table}, compare: { ${compare} }${
    spec.where === undefined ? '' : `, where: ${yamlString(spec.where)}`
  } }`;
}

export const missingCheckBeforeContract: Rule = {
  id: 'missing-check-before-contract',
  severity: 'warning',
  description:
    'A backfill, then a contract step that drops or renames the old path, with no `check` or `verify` step in ' +
    'between to prove the backfill complete.',
  check(ctx: LintContext): Finding[] {
    const sequence = sequenceOf(ctx);
    const contractAt = oldPathRemovals(ctx)[0]?.index;
    if (contractAt === undefined) return [];
    const checked = (from: number) =>
      sequence.steps.some(
        (s, i) => i > from && i < contractAt && (s.step.kind === 'check' || s.step.kind === 'verify'),
      );
    return ctx.plan.entries
      .filter((e) => e.kind === 'backfill' && !checked(sequence.firstOf(e)))
      .map((entry) => {
        const spec = entry.spec as BackfillSpec;
        return entryFinding(
          missingCheckBeforeContract,
          ctx.plan,
          entry,
          [],
          `nothing checks that the backfill of ${spec.table} is complete before contract removes the old path: rows ` +
            `written around the backfill by an old application version could be left behind`,
          [
            'add a verify step after the backfill (it compares every row in throttled read-only chunks; the run ' +
              'stops if any row differs, before anything irreversible happens), or a check:',
            block([
              verifyStep(spec),
              `- check: { sql: ${yamlString(verifyQuery(spec, ctx.compiled.dialect))}, expect: 0 }`,
            ]),
          ].join('\n'),
        );
      });
  },
};
