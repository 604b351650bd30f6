import { compilePlan, type CompiledPlan } from '../plan/compile.js';
import type { Plan, PlanEntry } from '../plan/types.js';
import { didYouMean } from '../plan/suggest.js';
import type { SourcePos } from '../errors.js';
import { lintRules } from './rules/index.js';
import type { Finding, LintContext, Rule } from './types.js';
import { DATABASE_RULE_IDS } from './database/rules.js';

/**
 * Every finding of every rule on a plan, minus those its steps suppress with
 * `lint: { ignore: [rule-id], reason }`, in file order. Static: no database.
 * The plan must come from parsePlan/loadPlanFile (which load the SQL parser).
 */
export function lintPlan(plan: Plan, compiled: CompiledPlan = compilePlan(plan)): Finding[] {
  const { lint } = compiled.dialect.parser;
  const raw = lint.rawStatements(plan, compiled);
  const ctx: LintContext = { plan, compiled, raw, normaliseTable: (name) => lint.normaliseTable(name) };
  const rules = lintRules(lint.rules);
  const byStep = new Map(plan.entries.map((e) => [e.id, e]));
  const findings = rules.flatMap((rule) => rule.check(ctx)).filter((f) => !suppressed(f, byStep));
  findings.push(...plan.entries.flatMap((e) => unknownSuppressions(plan, e, rules)));
  return findings.sort(byPosition);
}

function suppressed(finding: Finding, byStep: Map<string, PlanEntry>): boolean {
  const entry = finding.stepId === undefined ? undefined : byStep.get(finding.stepId);
  return entry?.lint?.ignore.includes(finding.rule) ?? false;
}

function unknownSuppressions(plan: Plan, entry: PlanEntry, rules: readonly Rule[]): Finding[] {
  const ids = entry.lint?.ignore ?? [];
  const known = [...rules.map((r) => r.id), ...DATABASE_RULE_IDS];
  return ids.flatMap((id, i) => {
    if (known.includes(id)) return [];
    const partial = known.filter((r) => r.startsWith(id) || id.startsWith(r));
    const suggestion =
      partial.length > 0 ? `did you mean ${partial.map((r) => `\`${r}\``).join(' or ')}?` : didYouMean(id, known);
    return [
      {
        rule: 'unknown-lint-rule',
        severity: 'error' as const,
        message: `lint.ignore names \`${id}\`, which is not a lint rule: nothing is suppressed by it`,
        help: `${suggestion ? `${suggestion} ` : ''}the rules are: ${known.join(', ')} (docs/rules/<id>.md)`,
        at: suppressionPos(plan, entry, i),
        stepId: entry.id,
      },
    ];
  });
}

/** `lint:` sits beside the operation key or inside its mapping. */
function suppressionPos(plan: Plan, entry: PlanEntry, i: number): SourcePos {
  const stepPath = entry.path.slice(0, -1);
  for (const base of [stepPath, entry.path]) {
    const at = plan.locate([...base, 'lint', 'ignore', i]);
    if (!samePos(at, plan.locate(base))) return at;
  }
  return entry.at;
}

function samePos(a: SourcePos, b: SourcePos): boolean {
  return a.line === b.line && a.col === b.col;
}

function byPosition(a: Finding, b: Finding): number {
  return a.at.line - b.at.line || a.at.col - b.at.col || a.rule.localeCompare(b.rule);
}
