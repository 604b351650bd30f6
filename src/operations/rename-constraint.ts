import { z } from 'zod';
import { identifier, qualifiedName } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { defineOperation } from './types.js';

export const renameConstraintSchema = z
  .object({
    table: qualifiedName,
    from: identifier.describe('The constraint to rename.'),
    to: identifier.describe(
      'Its new name (for a unique, primary key or exclusion constraint, its index is renamed too).',
    ),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.from !== spec.to) return;
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: '`to` is `from`: the step would change nothing',
      params: { hint: 'give the new name as `to`, or remove the step' },
    });
  });

export type RenameConstraintSpec = z.output<typeof renameConstraintSchema>;

export const renameConstraint = defineOperation<RenameConstraintSpec>({
  kind: 'rename_constraint',
  description:
    'Rename a constraint (an index-backed one renames its index too): catalog only, ' +
    'ACCESS EXCLUSIVE for an instant; undone by renaming it back.',
  schema: renameConstraintSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => `${spec.table}.${spec.to}`,
  adoptRefusal: (spec) => ({
    reason: `a rename has nothing to adopt: a constraint ${spec.to} that exists already is another constraint`,
    hint: `pick a free name for \`to\`, or drop the other ${spec.to} in an earlier step`,
  }),
  forward: (spec, ctx) => [
    actionStep(ctx, {
      id: ctx.id,
      summary: `rename constraint ${spec.from} on ${spec.table} to ${spec.to}`,
      action: { kind: 'rename-constraint', table: spec.table, from: spec.from, to: spec.to },
      effect: { does: 'create', object: { kind: 'constraint', table: spec.table, name: spec.to } },
    }),
  ],
  inverse: (spec, ctx) => ({
    steps: [
      actionStep(ctx, {
        id: `${ctx.id}/undo`,
        summary: `rename constraint ${spec.to} on ${spec.table} back to ${spec.from}`,
        action: { kind: 'rename-constraint', table: spec.table, from: spec.to, to: spec.from },
        undoes: ctx.id,
      }),
    ],
  }),
});
