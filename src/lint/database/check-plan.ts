/**
 * One plan against the live schema, step by step in run order (expand, migrate, contract; steps
 * carried into a phase first): each operation's requirements are checked against the schema as
 * the steps before it leave it, then every statement it sends is costed and applied.
 */
import type { LiveSchema } from '../../introspect/live-schema.js';
import type { SqlStep } from '../../operations/types.js';
import type { CompiledPlan } from '../../plan/compile.js';
import type { PlanEntry, YamlPath } from '../../plan/types.js';
import type { Finding } from '../types.js';
import {
  checkAddColumn,
  checkBackfill,
  checkChangeType,
  checkDropColumn,
  checkDropNotNull,
  checkRenameColumn,
  checkSetNotNull,
} from './column-checks.js';
import { withCopy } from './constraint-shadow-checks.js';
import { entryContext, type CheckContext, type DatabaseCheckOptions, type TypeLookup } from './context.js';
import * as meta from './meta-checks.js';
import * as keys from './key-checks.js';
import * as relations from './relation-checks.js';
import { checkRenameTable } from './rename-table-checks.js';
import type { Place } from './requirements.js';
import { SimState } from './sim-state.js';
import { checkCreateTable, checkDropTable } from './table-checks.js';

/** A check of one operation's spec; `never` admits each check's own spec type (the table is keyed by the kind). */
type EntryCheck = (ctx: CheckContext, spec: never) => void;

const ENTRY_CHECKS: Record<string, EntryCheck> = {
  add_column: checkAddColumn,
  drop_column: checkDropColumn,
  set_not_null: checkSetNotNull,
  drop_not_null: checkDropNotNull,
  rename_column: checkRenameColumn,
  change_type: checkChangeType,
  backfill: checkBackfill,
  create_index: relations.checkCreateIndex,
  drop_index: relations.checkDropIndex,
  add_check: withCopy(relations.checkAddCheck),
  add_foreign_key: withCopy(keys.checkAddForeignKeyOptions),
  add_unique: withCopy(relations.checkAddUnique),
  add_primary_key: keys.checkAddPrimaryKey,
  validate_constraint: relations.checkValidateConstraint,
  check: relations.checkCheck,
  flag_rollout: relations.checkFlagRollout,
  create_materialized_view: relations.checkCreateMaterializedView,
  refresh_materialized_view: relations.checkRefreshMaterializedView,
  schedule_refresh: relations.checkRefreshMaterializedView,
  replace_materialized_view: relations.checkReplaceMaterializedView,
  create_table: checkCreateTable,
  drop_table: checkDropTable,
  rename_table: checkRenameTable,
  set_default: meta.checkColumnDefault,
  drop_default: meta.checkColumnDefault,
  set_comment: meta.checkSetComment,
  set_replica_identity: meta.checkSetReplicaIdentity,
  drop_constraint: meta.checkDropConstraint,
  rename_constraint: meta.checkRenameConstraint,
};

/** Where cost findings of an operation's own statements point. */
const COST_PATH: Record<string, YamlPath> = {
  set_not_null: ['column'],
  rename_column: ['not_null'],
  change_type: ['not_null'],
  create_index: ['name'],
  add_unique: ['name'],
  create_table: ['name'],
  drop_table: ['name'],
  add_primary_key: ['name'],
};

/** Raw SQL findings point at the statement inside the step's `up`. */
function placeOf(ctx: CheckContext, step: SqlStep, offset: number): Place {
  const entry = ctx.entry;
  if (entry.kind !== 'sql') return { path: COST_PATH[entry.kind] ?? ['table'] };
  const up = (entry.spec as { up?: string }).up ?? '';
  const base = Math.max(0, up.indexOf(step.sql));
  return { at: ctx.plan.locateInScalar([...entry.path, 'up'], base + offset) };
}

function runSqlStep(ctx: CheckContext, step: SqlStep): void {
  ctx.simulate.runStatements(ctx, step.sql, (offset) => placeOf(ctx, step, offset), ctx.entry.kind === 'sql');
}

function unsupportedServer(compiled: CompiledPlan, live: LiveSchema): Finding[] {
  const problem = compiled.dialect.introspect.simulate.serverProblem(live.server);
  if (!problem) return [];
  return [{ rule: 'db-server-version', severity: 'error', ...problem, at: compiled.plan.locate(['name']) }];
}

function suppressed(finding: Finding, entries: Map<string, PlanEntry>): boolean {
  const entry = finding.stepId === undefined ? undefined : entries.get(finding.stepId);
  return entry?.lint?.ignore.includes(finding.rule) ?? false;
}

function byPosition(a: Finding, b: Finding): number {
  return a.at.line - b.at.line || a.at.col - b.at.col || a.rule.localeCompare(b.rule);
}

/** Every database-aware finding of one compiled plan, in file order; the live schema is not changed. */
export function checkPlanAgainstSchema(
  compiled: CompiledPlan,
  live: LiveSchema,
  types: TypeLookup,
  options: DatabaseCheckOptions,
): Finding[] {
  const out: Finding[] = unsupportedServer(compiled, live);
  const seen = new Set<string>();
  const { introspect } = compiled.dialect;
  const state = new SimState(live, introspect.builtInSchemas);
  const base = { state, simulate: introspect.simulate, types, options, plan: compiled.plan };
  const checked = new Set<string>();
  for (const { step, entry } of compiled.phases.flatMap((p) => p.steps)) {
    const ctx = entryContext(base, entry, out, seen);
    if (!checked.has(entry.id)) {
      checked.add(entry.id);
      ENTRY_CHECKS[entry.kind]?.(ctx, entry.spec as never);
    }
    if (step.kind === 'sql') runSqlStep(ctx, step);
  }
  const entries = new Map(compiled.plan.entries.map((e) => [e.id, e]));
  return out.filter((f) => !suppressed(f, entries)).sort(byPosition);
}
