import { z } from 'zod';
import { identifier, qualifiedName } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { defineOperation } from './types.js';

export const dropConstraintSchema = z
  .object({
    table: qualifiedName,
    name: identifier.describe('The constraint to drop.'),
    references: qualifiedName
      .optional()
      .describe(
        'For a foreign key: the table it references, which the drop locks too (ACCESS EXCLUSIVE, for an instant). ' +
          'validate --database checks it.',
      ),
  })
  .strict();

export type DropConstraintSpec = z.output<typeof dropConstraintSchema>;

export const dropConstraint = defineOperation<DropConstraintSpec>({
  kind: 'drop_constraint',
  description:
    'Drop a constraint once no application relies on it (contract only): ACCESS ' +
    "EXCLUSIVE for an instant on the table (and a foreign key's referenced table); never CASCADE.",
  schema: dropConstraintSchema,
  allowedPhases: ['contract'],
  target: (spec) => `${spec.table}.${spec.name}`,
  forward: (spec, ctx) => [
    actionStep(ctx, {
      id: ctx.id,
      summary: `drop constraint ${spec.name} from ${spec.table}`,
      action: {
        kind: 'drop-constraint',
        table: spec.table,
        name: spec.name,
        alsoLocks: spec.references === undefined ? [] : [spec.references],
      },
      effect: { does: 'remove', object: { kind: 'constraint', table: spec.table, name: spec.name } },
    }),
  ],
  inverse: (spec) => ({
    irreversible:
      `dropping constraint ${spec.name} from ${spec.table} cannot be undone by this plan (it does not know the ` +
      `constraint's definition): recreate it in a new plan with add_check, add_unique or add_foreign_key`,
  }),
});
