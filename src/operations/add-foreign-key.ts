import { z } from 'zod';
import { REFERENTIAL_ACTIONS, type AddForeignKeyUncheckedAction } from '../dialects/actions-table.js';
import { identifier, qualifiedName } from '../plan/primitives.js';
import { dropConstraintStep } from './add-check.js';
import { actionStep } from './action-step.js';
import { foreignKeyThroughCopy, throughCopyInverse } from './constraint-shadow.js';
import { constraintShadowFields, refineConstraintShadow, throughCopyForm } from './constraint-shadow-fields.js';
import { defineOperation, type OperationContext, type SqlStep, type Step } from './types.js';
import { validateConstraintStep } from './validate-constraint.js';

export { REFERENTIAL_ACTIONS };

export const addForeignKeySchema = z
  .object({
    table: qualifiedName.describe('The referencing table.'),
    name: identifier,
    columns: z.array(identifier).min(1).describe('Referencing columns, in order.'),
    references: z
      .object({
        table: qualifiedName,
        columns: z
          .array(identifier)
          .min(1)
          .describe('Referenced columns (a primary key or unique constraint), in the same order.'),
      })
      .strict(),
    on_delete: z.enum(REFERENTIAL_ACTIONS).optional(),
    on_update: z.enum(REFERENTIAL_ACTIONS).optional(),
    validate: z
      .boolean()
      .default(true)
      .describe(
        'Validate existing rows in a second step (default). false leaves the constraint NOT VALID (new rows are ' +
          'still checked).',
      ),
    ...constraintShadowFields,
  })
  .strict()
  .superRefine((spec, ctx) => {
    refineConstraintShadow(spec, ctx, { columns: spec.columns });
    if (spec.columns.length !== spec.references.columns.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['references', 'columns'],
        message:
          `the foreign key lists ${spec.columns.length} column(s) but ` +
          `references ${spec.references.columns.length}`,
        params: {
          hint:
            `give references.columns one column per entry of columns, in the same order (columns: ` +
            `[${spec.columns.join(', ')}])`,
        },
      });
    }
  });

export type AddForeignKeySpec = z.output<typeof addForeignKeySchema>;

/** New rows are checked at once, existing rows only by the validate step; both tables are locked briefly. */
function addStep(spec: AddForeignKeySpec, ctx: OperationContext): SqlStep {
  const { table, name, columns, references } = spec;
  const action: AddForeignKeyUncheckedAction = { kind: 'add-foreign-key-unchecked', table, name, columns, references };
  if (spec.on_delete) action.onDelete = spec.on_delete;
  if (spec.on_update) action.onUpdate = spec.on_update;
  const onDelete = spec.on_delete ?? 'no_action';
  const onUpdate = spec.on_update ?? 'no_action';
  return actionStep(ctx, {
    id: ctx.id,
    summary: `add foreign key ${name} on ${table} → ${references.table} (NOT VALID)`,
    action,
    effect: {
      does: 'create',
      object: {
        kind: 'constraint',
        table,
        name,
        type: 'foreign key',
        columns,
        references: { ...references, onDelete, onUpdate },
        validated: spec.validate,
      },
    },
  });
}

const inPlace = defineOperation<AddForeignKeySpec>({
  kind: 'add_foreign_key',
  description:
    'Add a foreign key NOT VALID (brief lock on both tables, no scan), then VALIDATE it without blocking writes.',
  schema: addForeignKeySchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => `${spec.table}.${spec.name}`,
  forward(spec, ctx) {
    const steps: Step[] = [addStep(spec, ctx)];
    if (spec.validate) {
      // The referenced table is only read (locked more weakly); the step shape carries the strongest level.
      steps.push(validateConstraintStep(spec.table, spec.name, ctx, `${ctx.id}/validate`, [spec.references.table]));
    }
    return steps;
  },
  inverse: (spec, ctx) => ({
    steps: [
      { ...dropConstraintStep(spec.table, spec.name, ctx, `${ctx.id}/undo`, [spec.references.table]), undoes: ctx.id },
    ],
  }),
});

/** With `column` + `up` the constraint goes on a copy of the column (constraint-shadow.ts). */
export const addForeignKey = throughCopyForm(inPlace, { forward: foreignKeyThroughCopy, inverse: throughCopyInverse });
