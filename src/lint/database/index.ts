/**
 * `validate --database`: read the live schema once, resolve every column type the plans name in
 * one pass, then check each plan against it on its own (each starts from the live schema).
 */
import type { Queryable } from '../../db/connection.js';
import type { Dialect } from '../../dialects/dialect.js';
import type { LiveSchema } from '../../introspect/live-schema.js';
import type { CompiledPlan } from '../../plan/compile.js';
import type { Finding } from '../types.js';
import { copiedColumn } from '../../operations/constraint-shadow-fields.js';
import { checkCarriedAttachments } from './carry-check.js';
import { checkPlanAgainstSchema } from './check-plan.js';
import { checkViewDependents } from './view-dependents-check.js';
import { DEFAULT_DATABASE_CHECK_OPTIONS, type DatabaseCheckOptions } from './context.js';

export { DATABASE_RULE_IDS, DATABASE_RULES, type DatabaseRuleId } from './rules.js';
export { DEFAULT_DATABASE_CHECK_OPTIONS, type DatabaseCheckOptions } from './context.js';
export { checkPlanAgainstSchema } from './check-plan.js';

/** Type names as plans write them (add_column, rename_column, change_type) and as their SQL spells them. */
export function typeNamesOf(compiled: CompiledPlan): string[] {
  const names: string[] = [];
  for (const { entry, steps } of compiled.entries) {
    const spec = entry.spec as { column?: { type?: unknown }; type?: unknown };
    if (entry.kind === 'add_column' && typeof spec.column?.type === 'string') names.push(spec.column.type);
    if ((entry.kind === 'rename_column' || entry.kind === 'change_type') && typeof spec.type === 'string')
      names.push(spec.type);
    if (entry.kind === 'create_table')
      names.push(...(entry.spec as { columns: { type: string }[] }).columns.map((c) => c.type));
    // add_check / add_unique / add_foreign_key with `up`: the type of the column's copy.
    const copiedType = copiedColumn(entry.kind, entry.spec)?.type;
    if (copiedType !== undefined) names.push(copiedType);
    const { simulate } = compiled.dialect.introspect;
    for (const step of steps) if (step.kind === 'sql') names.push(...simulate.typeNamesIn(step.sql));
  }
  return names;
}

export interface DatabaseCheckResult {
  live: LiveSchema;
  /** One list of findings per plan, in the order given. */
  findings: Finding[][];
}

export async function checkPlansAgainstDatabase(
  db: Queryable,
  dialect: Dialect,
  plans: CompiledPlan[],
  options: DatabaseCheckOptions = DEFAULT_DATABASE_CHECK_OPTIONS,
): Promise<DatabaseCheckResult> {
  const live = await dialect.introspect.liveSchema(db);
  const resolved = await dialect.introspect.resolveTypes(db, plans.flatMap(typeNamesOf));
  const lookup = (type: string) => resolved.get(type);
  const findings = await Promise.all(
    plans.map(async (plan) => [
      ...checkPlanAgainstSchema(plan, live, lookup, options),
      ...(await dialect.introspect.simulate.volatileDefaultFindings(db, plan)),
      ...(await dialect.introspect.simulate.scheduledJobFindings(db, plan)),
    ]),
  );
  for (const [i, plan] of plans.entries()) findings[i]?.push(...(await checkCarriedAttachments(db, plan)));
  for (const [i, plan] of plans.entries()) findings[i]?.push(...(await checkViewDependents(db, plan)));
  return { live, findings };
}
