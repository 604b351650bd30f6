/** Operations on indexes, constraints, views and queries against the schema at their point in the plan. */
import { checkForeignSource } from './foreign-source-checks.js';
import type { AddCheckSpec } from '../../operations/add-check.js';
import type { AddForeignKeySpec } from '../../operations/add-foreign-key.js';
import type { AddUniqueSpec } from '../../operations/add-unique.js';
import type { CheckSpec } from '../../operations/check.js';
import { indexColumnNames, type CreateIndexSpec } from '../../operations/create-index.js';
import type { CreateMaterializedViewSpec } from '../../operations/create-materialized-view.js';
import type { DropIndexSpec } from '../../operations/drop-index.js';
import type { FlagRolloutSpec } from '../../operations/flag-rollout.js';
import type { RefreshMaterializedViewSpec } from '../../operations/refresh-materialized-view.js';
import type { ReplaceMaterializedViewSpec } from '../../operations/replace-materialized-view.js';
import { boundedName } from '../../operations/sync-trigger.js';
import type { ValidateConstraintSpec } from '../../operations/validate-constraint.js';
import type { ConstraintType } from '../../introspect/live-schema.js';
import type { CheckContext } from './context.js';
import {
  alreadyExists,
  article,
  at,
  emit,
  hasUniqueKey,
  needColumn,
  needExpressionColumns,
  needTable,
  needTablesRead,
  type Place,
} from './requirements.js';
import type { SimRelation } from './sim-state.js';

function describe(rel: SimRelation): string {
  return rel.index
    ? `an index on ${rel.index.table}${rel.index.columns ? ` (${rel.index.columns.join(', ')})` : ''}`
    : `${article(rel.kind)} ${rel.kind}`;
}

/** An index name must be free in the table's schema, or hold this very index and be adopted (`if_exists: adopt`). */
export function indexName(
  ctx: CheckContext,
  place: Place,
  table: SimRelation,
  name: string,
  columns: string[] | null,
): void {
  const existing = ctx.state.sibling(table, name);
  if (!existing) return;
  const same = existing.index?.table === table.key;
  const cols = existing.index?.columns;
  if (same && (!columns || !cols || (cols.length === columns.length && cols.every((c, i) => c === columns[i])))) {
    return alreadyExists(
      ctx,
      place,
      `index ${existing.schema}.${name} on ${table.name}`,
      existing.index?.valid ? [] : ['it is INVALID'],
    );
  }
  emit(
    ctx,
    'db-name-taken',
    place,
    `${existing.schema}.${name} already exists as ${describe(existing)}: \`run\` refuses to build over it`,
    `pick another index name, or drop the old index (drop_index) in an earlier step`,
  );
}

export function constraintName(
  ctx: CheckContext,
  place: Place,
  table: SimRelation,
  name: string,
  type: ConstraintType,
): boolean {
  const existing = table.constraints.get(name);
  if (!existing) return false;
  if (existing.type !== type)
    emit(
      ctx,
      'db-name-taken',
      place,
      `constraint ${name} already exists on ${table.name} as a ${existing.type} constraint: \`run\` refuses the step`,
      'pick another constraint name',
    );
  else alreadyExists(ctx, place, `${type} constraint ${name} on ${table.name}`);
  return true;
}

export function checkCreateIndex(ctx: CheckContext, spec: CreateIndexSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  if (!table) return;
  const columns = indexColumnNames(spec.columns);
  columns?.forEach((c, i) => needColumn(ctx, at('columns', i), table, c));
  spec.include?.forEach((c, i) => needColumn(ctx, at('include', i), table, c));
  spec.expressions?.forEach((e, i) => needExpressionColumns(ctx, at('expressions', i), table, e, 'value'));
  if (spec.where !== undefined) needExpressionColumns(ctx, at('where'), table, spec.where, 'condition');
  indexName(ctx, at('name'), table, spec.name, spec.expressions ? null : (columns ?? null));
}

export function checkDropIndex(ctx: CheckContext, spec: DropIndexSpec): void {
  const schema = spec.table.includes('.') ? spec.table.split('.')[0] : undefined;
  const rel = ctx.state.find(schema === undefined ? spec.name : `${schema}.${spec.name}`);
  if (!rel) {
    emit(
      ctx,
      'db-missing-drop-target',
      at('name'),
      `index ${spec.name} does not exist at this step: \`run\` refuses to drop what is not there (a misspelt name ` +
        `would leave the real index in place)`,
      'check the index name (\\di lists them); if it is gone on purpose, remove the step',
    );
  } else if (!rel.index) {
    emit(
      ctx,
      'db-name-taken',
      at('name'),
      `${rel.schema}.${spec.name} is ${describe(rel)}, not an index: DROP INDEX fails`,
      'name the index to drop (\\di lists them)',
    );
  }
}

export function checkAddCheck(ctx: CheckContext, spec: AddCheckSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  if (!table) return;
  constraintName(ctx, at('name'), table, spec.name, 'check');
  needExpressionColumns(ctx, at('expression'), table, spec.expression, 'condition');
}

export function checkAddForeignKey(ctx: CheckContext, spec: AddForeignKeySpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  const ref = needTable(ctx, at('references', 'table'), spec.references.table);
  if (table) spec.columns.forEach((c, i) => needColumn(ctx, at('columns', i), table, c));
  if (table && constraintName(ctx, at('name'), table, spec.name, 'foreign key')) return;
  if (!ref?.columns) return;
  const missing = spec.references.columns.filter((c, i) => !needColumn(ctx, at('references', 'columns', i), ref, c));
  if (missing.length > 0 || hasUniqueKey(ctx, ref, spec.references.columns)) return;
  const cols = spec.references.columns.join(', ');
  emit(
    ctx,
    'db-missing-unique-key',
    at('references', 'columns'),
    ctx.simulate.advice.foreignKeyTargetNotUnique(ref.name, cols),
    `add one first (add_unique: { table: ${ref.name}, ` +
      `name: ${boundedName(ref.name, ...spec.references.columns, 'key')}, columns: [${cols}] }), or ` +
      `reference ${ref.name}'s primary key`,
  );
}

export function checkAddUnique(ctx: CheckContext, spec: AddUniqueSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  if (!table) return;
  spec.columns.forEach((c, i) => needColumn(ctx, at('columns', i), table, c));
  if (constraintName(ctx, at('name'), table, spec.name, 'unique')) return;
  indexName(ctx, at(spec.index === undefined ? 'name' : 'index'), table, spec.index ?? spec.name, spec.columns);
}

export function checkValidateConstraint(ctx: CheckContext, spec: ValidateConstraintSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  if (!table) return;
  const con = table.constraints.get(spec.name);
  if (!con) {
    emit(
      ctx,
      'db-missing-constraint',
      at('name'),
      `constraint ${spec.name} does not exist on ${table.name} at this step`,
      `check the name (\\d ${table.name} lists the constraints), or add it NOT VALID in an earlier step (add_check / ` +
        `add_foreign_key with validate: false)`,
    );
  } else if (con.type !== 'check' && con.type !== 'foreign key') {
    emit(
      ctx,
      'db-missing-constraint',
      at('name'),
      `${spec.name} is a ${con.type} constraint: only CHECK and FOREIGN KEY constraints can be validated`,
      'remove this step: a unique or primary key constraint is always valid',
    );
  }
}

export function checkCheck(ctx: CheckContext, spec: CheckSpec): void {
  needTablesRead(ctx, at('sql'), ctx.simulate.tablesReadByQuery(spec.sql));
}

export function checkFlagRollout(ctx: CheckContext, spec: FlagRolloutSpec): void {
  if (spec.guard) needTablesRead(ctx, at('guard', 'sql'), ctx.simulate.tablesReadByQuery(spec.guard.sql));
}

export function checkCreateMaterializedView(ctx: CheckContext, spec: CreateMaterializedViewSpec): void {
  const existing = ctx.state.find(spec.name);
  if (existing && existing.kind !== 'materialized view')
    emit(
      ctx,
      'db-name-taken',
      at('name'),
      `${spec.name} already exists as ${describe(existing)}: \`run\` refuses the step`,
      'pick another name',
    );
  else if (existing) alreadyExists(ctx, at('name'), `materialized view ${spec.name}`);
  if (spec.source) checkForeignSource(ctx, spec);
  else needTablesRead(ctx, at('query'), ctx.simulate.tablesReadByQuery(spec.query));
}

function needMatview(ctx: CheckContext, name: string): SimRelation | undefined {
  const view = needTable(ctx, at('name'), name);
  if (!view || view.kind === 'materialized view') return view;
  emit(
    ctx,
    'db-name-taken',
    at('name'),
    `${name} is ${describe(view)}, not a materialized view`,
    'name a materialized view',
  );
  return undefined;
}

export function checkRefreshMaterializedView(ctx: CheckContext, spec: RefreshMaterializedViewSpec): void {
  const view = needMatview(ctx, spec.name);
  if (!view || !spec.concurrently) return;
  const unique = ctx.state
    .indexesOf(view)
    .some((i) => i.index?.unique && i.index.valid && !i.index.partial && i.index.columns);
  if (unique) return;
  const { message, help } = ctx.simulate.advice.refreshNeedsUniqueIndex(view.name);
  emit(ctx, 'db-missing-unique-key', at('concurrently'), message, help);
}

export function checkReplaceMaterializedView(ctx: CheckContext, spec: ReplaceMaterializedViewSpec): void {
  needMatview(ctx, spec.name);
  needTablesRead(ctx, at('query'), ctx.simulate.tablesReadByQuery(spec.query));
}
