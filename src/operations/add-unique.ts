import { z } from 'zod';
import { identifier, qualifiedName, activeSqlParser } from '../plan/primitives.js';
import { dropConstraintStep } from './add-check.js';
import { actionStep } from './action-step.js';
import { uniqueThroughCopy, throughCopyInverse } from './constraint-shadow.js';
import { constraintShadowFields, refineConstraintShadow, throughCopyForm } from './constraint-shadow-fields.js';
import { createIndexStep, dropIndexStep } from './create-index.js';
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
    ...constraintShadowFields,
  })
  .strict()
  .superRefine((spec, ctx) => refineConstraintShadow(spec, ctx, { columns: spec.columns }));

export type AddUniqueSpec = z.output<typeof addUniqueSchema>;

const indexOf = (spec: AddUniqueSpec): string => spec.index ?? spec.name;

/**
 * The build is done when the valid index exists, or when the constraint does: attaching it renamed
 * the index to the constraint name, so the index name alone no longer finds it.
 */
function buildStep(spec: AddUniqueSpec, ctx: OperationContext): SqlStep {
  const index = indexOf(spec);
  const built = { table: spec.table, name: index, columns: spec.columns, unique: true, method: 'btree' } as const;
  return createIndexStep({ ...built, concurrently: true }, ctx, ctx.id, spec.name);
}

function attachStep(spec: AddUniqueSpec, ctx: OperationContext): SqlStep {
  return actionStep(ctx, {
    id: `${ctx.id}/constraint`,
    summary: `add unique constraint ${spec.name} on ${spec.table} using index ${indexOf(spec)}`,
    action: { kind: 'add-unique-using-index', table: spec.table, name: spec.name, index: indexOf(spec) },
    effect: {
      does: 'create',
      object: { kind: 'constraint', table: spec.table, name: spec.name, type: 'unique', columns: spec.columns },
    },
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
  forward: (spec, ctx) => [buildStep(spec, ctx), attachStep(spec, ctx)],
  inverse: (spec, ctx) => ({
    steps: [
      { ...dropConstraintStep(spec.table, spec.name, ctx, `${ctx.id}/undo`), undoes: `${ctx.id}/constraint` },
      // Left behind when the constraint was never attached.
      { ...dropIndexStep(spec.table, indexOf(spec), true, ctx, `${ctx.id}/undo-index`), undoes: ctx.id },
    ],
  }),
});

/** With `column` + `up` the constraint goes on a copy of the column (constraint-shadow.ts). */
export const addUnique = throughCopyForm(inPlace, { forward: uniqueThroughCopy, inverse: throughCopyInverse });
