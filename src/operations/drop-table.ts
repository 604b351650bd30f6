import { z } from 'zod';
import { qualifiedName } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { defineOperation } from './types.js';

export const dropTableSchema = z
  .object({
    name: qualifiedName.describe('The table to drop; refused while views or other tables’ foreign keys depend on it.'),
  })
  .strict();

export type DropTableSpec = z.output<typeof dropTableSchema>;

export const dropTable = defineOperation<DropTableSpec>({
  kind: 'drop_table',
  description:
    'Drop a table once no application uses it (contract only; ACCESS EXCLUSIVE, briefly); never with CASCADE: ' +
    'refused, naming them, while views or foreign keys depend on it. Its data is gone for good.',
  schema: dropTableSchema,
  allowedPhases: ['contract'],
  target: (spec) => spec.name,
  forward: (spec, ctx) => [
    actionStep(ctx, {
      id: ctx.id,
      summary: `drop table ${spec.name}`,
      action: { kind: 'drop-table', name: spec.name },
      effect: { does: 'remove', object: { kind: 'table', name: spec.name } },
    }),
  ],
  inverse: (spec) => ({
    irreversible:
      `dropping table ${spec.name} cannot be undone: its rows are gone; restore it from a backup, or create the ` +
      `table again (create_table) and reload its data in a later plan`,
  }),
});
