/** Operations on table metadata (defaults, comments, replica identity, constraint names and drops) at their point in the plan. */
import type { DropConstraintSpec } from '../../operations/drop-constraint.js';
import type { DropDefaultSpec } from '../../operations/drop-default.js';
import type { RenameConstraintSpec } from '../../operations/rename-constraint.js';
import type { SetCommentSpec } from '../../operations/set-comment.js';
import type { SetDefaultSpec } from '../../operations/set-default.js';
import type { SetReplicaIdentitySpec } from '../../operations/set-replica-identity.js';
import type { CheckContext } from './context.js';
import { at, emit, needColumn, needTable } from './requirements.js';
import type { SimConstraint, SimRelation } from './sim-state.js';

export function checkColumnDefault(ctx: CheckContext, spec: SetDefaultSpec | DropDefaultSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  if (table) needColumn(ctx, at('column'), table, spec.column);
}

export function checkSetComment(ctx: CheckContext, spec: SetCommentSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  if (table && spec.column !== undefined) needColumn(ctx, at('column'), table, spec.column);
}

/** Why this index cannot identify rows (PostgreSQL's conditions for REPLICA IDENTITY USING INDEX), or undefined. */
function replicaIndexProblem(ctx: CheckContext, table: SimRelation, name: string): string | undefined {
  const rel = ctx.state.sibling(table, name);
  const index = rel?.index;
  if (!index) return `there is no index ${name} in ${table.schema} at this step`;
  if (index.table !== table.key) return `index ${name} is on another table, not ${table.name}`;
  if (!index.unique) return `index ${name} is not unique`;
  if (!index.valid) return `index ${name} is INVALID (left by a failed online build)`;
  if (index.partial) return `index ${name} is partial (it has a WHERE)`;
  if (!index.columns) return `index ${name} has an expression key`;
  const nullable = index.columns.filter((c) => table.columns?.get(c)?.notNull === false);
  if (nullable.length > 0) return `index ${name} has nullable key column(s) ${nullable.join(', ')}`;
  return undefined;
}

export function checkSetReplicaIdentity(ctx: CheckContext, spec: SetReplicaIdentitySpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  if (!table || spec.index === undefined) return;
  const problem = replicaIndexProblem(ctx, table, spec.index);
  if (problem === undefined) return;
  emit(
    ctx,
    'db-missing-unique-key',
    at('index'),
    `${problem}: it cannot be the replica identity of ${table.name} (PostgreSQL refuses the step)`,
    'name a valid unique index on NOT NULL columns, without WHERE or expressions, that is not deferrable (build ' +
      'one with add_unique or create_index first); or use identity: full',
  );
}

/** The foreign keys (`table.name`) that depend on a unique or primary key constraint's index. */
function dependentForeignKeys(ctx: CheckContext, table: SimRelation, name: string): string[] {
  return ctx.state
    .relationsWithConstraints()
    .flatMap((rel) =>
      [...rel.constraints]
        .filter(([, c]) => c.references?.table === table.key && c.references.index === name)
        .map(([fk]) => `${rel.name}.${fk}`),
    );
}

function needConstraint(ctx: CheckContext, table: SimRelation, name: string, field: string): SimConstraint | undefined {
  const con = table.constraints.get(name);
  if (con) return con;
  const names = [...table.constraints.keys()];
  emit(
    ctx,
    field === 'name' ? 'db-missing-drop-target' : 'db-missing-constraint',
    at(field),
    `constraint ${name} does not exist on ${table.name} at this step (its constraints: ${names.join(', ') || 'none'})`,
    `check the name (\\d ${table.name} lists the constraints); \`run\` refuses the step on its first attempt`,
  );
  return undefined;
}

export function checkDropConstraint(ctx: CheckContext, spec: DropConstraintSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  const con = table && needConstraint(ctx, table, spec.name, 'name');
  if (!table || !con) return;
  const dependents = dependentForeignKeys(ctx, table, spec.name);
  if (dependents.length > 0) {
    emit(
      ctx,
      'db-constraint-in-use',
      at('name'),
      `foreign key(s) ${dependents.join(', ')} depend on ${con.type} constraint ${spec.name}: DROP CONSTRAINT fails ` +
        '(schemashift never adds CASCADE, which would drop them silently)',
      'drop those foreign keys first (drop_constraint, in an earlier contract step), or keep the constraint',
    );
  }
  const referenced = con.references && ctx.state.find(con.references.table);
  const named = spec.references === undefined ? undefined : ctx.state.find(spec.references);
  if (referenced && named !== referenced) {
    emit(
      ctx,
      'db-lock-not-shown',
      at(spec.references === undefined ? 'name' : 'references'),
      `${spec.name} is a foreign key to ${referenced.name}: dropping it locks ${referenced.name} ACCESS EXCLUSIVE ` +
        `too, and the plan ${spec.references === undefined ? 'does not say so' : `names ${spec.references} instead`}`,
      `add \`references: ${referenced.name}\` to the step, so that \`plan\` shows the lock and the lock watch sees it`,
    );
  }
}

export function checkRenameConstraint(ctx: CheckContext, spec: RenameConstraintSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  const con = table && needConstraint(ctx, table, spec.from, 'from');
  if (!table) return;
  if (table.constraints.has(spec.to)) {
    emit(
      ctx,
      'db-name-taken',
      at('to'),
      `constraint ${spec.to} already exists on ${table.name}: the rename fails (\`run\` refuses the step)`,
      'pick another name, or drop that constraint in an earlier step',
    );
    return;
  }
  const taken = con && ['unique', 'primary key', 'exclusion'].includes(con.type) && ctx.state.sibling(table, spec.to);
  if (taken) {
    emit(
      ctx,
      'db-name-taken',
      at('to'),
      `${spec.from} is ${con.type === 'exclusion' ? 'an' : 'a'} ${con.type} constraint, whose index is renamed with ` +
        `it, and ${taken.schema}.${spec.to} already exists (${taken.kind}): the rename fails`,
      'pick a name no relation in the schema has',
    );
  }
}
