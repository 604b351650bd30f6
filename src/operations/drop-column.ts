import { z } from 'zod';
import { identifier, qualifiedName } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { defineOperation } from './types.js';

export const dropColumnSchema = z
  .object({
    table: qualifiedName,
    column: identifier,
    cascade: z.boolean().default(false).describe('Also drop what depends on the column (views, constraints, indexes).'),
  })
  .strict();

export type DropColumnSpec = z.output<typeof dropColumnSchema>;

export const dropColumn = defineOperation<DropColumnSpec>({
  kind: 'drop_column',
  description: 'Drop a column once no application reads or writes it (contract only); its data is gone for good.',
  schema: dropColumnSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => `${spec.table}.${spec.column}`,
  forward: (spec, ctx) => [
    actionStep(ctx, {
      id: ctx.id,
      summary: `drop column ${spec.table}.${spec.column}${spec.cascade ? ' (cascade)' : ''}`,
      action: { kind: 'drop-column', table: spec.table, column: spec.column, cascade: spec.cascade },
      effect: { does: 'remove', object: { kind: 'column', table: spec.table, name: spec.column } },
    }),
  ],
  inverse: (spec) => ({
    irreversible:
      `dropping ${spec.table}.${spec.column} cannot be undone: the column's data is gone; restore it from a backup, ` +
      `or add a new column and backfill it in a later plan`,
  }),
});
