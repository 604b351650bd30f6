import { z } from 'zod';
import { identifier, qualifiedName, activeSqlParser } from '../plan/primitives.js';
import { dropConstraintStep } from './add-check.js';
import { actionStep } from './action-step.js';
import { uniqueThroughCopy, throughCopyInverse } from './constraint-shadow.js';
import { constraintShadowFields, refineConstraintShadow, throughCopyForm } from './constraint-shadow-fields.js';
import { createIndexStep, dropIndexStep, type CreateIndexSpec } from './create-index.js';
import {
  checkDeferrable,
  checkStorageParameters,
  deferrableFields,
  deferrableOf,
  indexParameters,
  type IndexParameters,
} from './index-options.js';
import { defineOperation, type OperationContext, type SqlStep } from './types.js';

export const addUniqueSchema = z
  .object({
    table: qualifiedName,
    name: identifier.describe('The constraint name.'),
    columns: z.array(identifier).min(1).describe('The columns that must be unique together, in order.'),
    index: identifier
      .optional()
      .describe(
        'The unique index built first (default: the constraint name). PostgreSQL renames it to the constraint name ' +
          'when attached.',
      ),
    nulls_not_distinct: z
      .boolean()
      .optional()
      .describe('NULLS NOT DISTINCT (PostgreSQL 15+): at most one row may have NULL in the key.'),
    index_parameters: indexParameters.optional(),
    ...deferrableFields,
    ...constraintShadowFields,
  })
  .strict()
  .superRefine((spec, ctx) => {
    checkDeferrable(spec, ctx);
    checkStorageParameters(spec.index_parameters?.storage_parameters, 'btree', ctx, [
      'index_parameters',
      'storage_parameters',
    ]);
    refineConstraintShadow(spec, ctx, { columns: spec.columns });
  });

export type AddUniqueSpec = z.output<typeof addUniqueSchema>;

const indexOf = (spec: AddUniqueSpec): string => spec.index ?? spec.name;

/**
 * The build is done when the valid index exists, or when the constraint does: attaching it renamed
 * the index to the constraint name, so the index name alone no longer finds it.
 */
function buildStep(spec: AddUniqueSpec, ctx: OperationContext): SqlStep {
  const built = constraintIndex(spec.table, indexOf(spec), spec.columns, spec.index_parameters);
  if (spec.nulls_not_distinct) built.nulls_not_distinct = true;
  return createIndexStep(built, ctx, ctx.id, spec.name);
}

/** The unique index a constraint takes over, built concurrently with the plan's index_parameters. */
export function constraintIndex(
  table: string,
  name: string,
  columns: string[],
  params: IndexParameters | undefined,
): CreateIndexSpec {
  const built: CreateIndexSpec = { table, name, columns, unique: true, method: 'btree', concurrently: true };
  if (params?.include) built.include = params.include;
  if (params?.storage_parameters) built.storage_parameters = params.storage_parameters;
  if (params?.tablespace !== undefined) built.tablespace = params.tablespace;
  return built;
}

function attachStep(spec: AddUniqueSpec, ctx: OperationContext): SqlStep {
  const deferrable = deferrableOf(spec);
  const { table, name } = spec;
  return actionStep(ctx, {
    id: `${ctx.id}/constraint`,
    summary: `add unique constraint ${name} on ${table} using index ${indexOf(spec)}`,
    action: {
      kind: 'add-unique-using-index',
      table,
      name,
      index: indexOf(spec),
      ...(deferrable ? { deferrable } : {}),
    },
    effect: {
      does: 'create',
      object: {
        kind: 'constraint',
        table,
        name,
        type: 'unique',
        columns: spec.columns,
        ...(deferrable ? { deferrable } : {}),
      },
    },
  });
}

/** Where an index cannot be attached (SQL Server): the constraint builds its own index, online. */
function onlineConstraintStep(spec: AddUniqueSpec, ctx: OperationContext): SqlStep {
  const { table, name, columns } = spec;
  const params = spec.index_parameters;
  const deferrable = deferrableOf(spec);
  return actionStep(ctx, {
    id: ctx.id,
    summary: `add unique constraint ${name} on ${table} (${columns.join(', ')}), its index built online`,
    action: {
      kind: 'add-unique-online',
      table,
      name,
      columns,
      ...(params?.include ? { include: params.include } : {}),
      ...(params?.storage_parameters ? { storage: params.storage_parameters } : {}),
      ...(params?.tablespace !== undefined ? { tablespace: params.tablespace } : {}),
      ...(deferrable ? { deferrable } : {}),
    },
    effect: { does: 'create', object: { kind: 'constraint', table, name, type: 'unique', columns } },
  });
}

const inPlace = defineOperation<AddUniqueSpec>({
  kind: 'add_unique',
  description:
    'Build a unique index online (without blocking writes), then attach it as a UNIQUE constraint under a brief lock.',
  schema: addUniqueSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => `${spec.table}.${spec.name}`,
  adoptRefusal: (spec) => ({
    reason:
      `attaching the index (ADD CONSTRAINT ${spec.name} UNIQUE USING INDEX ${indexOf(spec)}) hands it to the ` +
      `constraint, so a rollback that drops the constraint would drop an adopted index with it`,
    hint:
      `attach it by hand (${activeSqlParser().lint.recipes.attachUnique(spec.table, spec.name, indexOf(spec))}) and ` +
      `remove this step, or remove \`if_exists: adopt\` and give the plan an index name of its own`,
  }),
  forward: (spec, ctx) =>
    ctx.dialect.capabilities.attachesIndexToConstraint
      ? [buildStep(spec, ctx), attachStep(spec, ctx)]
      : [onlineConstraintStep(spec, ctx)],
  inverse: (spec, ctx) => ({
    steps: !ctx.dialect.capabilities.attachesIndexToConstraint
      ? [{ ...dropConstraintStep(spec.table, spec.name, ctx, `${ctx.id}/undo`), undoes: ctx.id }]
      : [
          { ...dropConstraintStep(spec.table, spec.name, ctx, `${ctx.id}/undo`), undoes: `${ctx.id}/constraint` },
          // Left behind when the constraint was never attached.
          { ...dropIndexStep(spec.table, indexOf(spec), true, ctx, `${ctx.id}/undo-index`), undoes: ctx.id },
        ],
  }),
});

/** With `column` + `up` the constraint goes on a copy of the column (constraint-shadow.ts). */
export const addUnique = throughCopyForm(inPlace, { forward: uniqueThroughCopy, inverse: throughCopyInverse });
