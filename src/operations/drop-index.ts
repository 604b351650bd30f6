import { z } from 'zod';
import { identifier, qualifiedName } from '../plan/primitives.js';
import { dropIndexStep } from './create-index.js';
import { defineOperation } from './types.js';

export const dropIndexSchema = z
  .object({
    table: qualifiedName.describe('The indexed table; its schema (if qualified) is the index schema.'),
    name: identifier.describe('The index to drop.'),
    concurrently: z
      .boolean()
      .default(true)
      .describe('Drop without blocking reads and writes (default). false takes an ACCESS EXCLUSIVE lock.'),
  })
  .strict();

export type DropIndexSpec = z.output<typeof dropIndexSchema>;

export const dropIndex = defineOperation<DropIndexSpec>({
  kind: 'drop_index',
  description: 'Drop an index online (outside a transaction) unless told otherwise.',
  schema: dropIndexSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => spec.name,
  forward: (spec, ctx) => [
    {
      ...dropIndexStep(spec.table, spec.name, spec.concurrently, ctx, ctx.id),
      effect: { does: 'remove', object: { kind: 'index', table: spec.table, name: spec.name } },
    },
  ],
  inverse: (spec) => ({
    irreversible:
      `the definition of index ${spec.name} is not in the plan, so dropping it cannot be undone here; rebuild it ` +
      `with \`create_index\` in a later plan`,
  }),
});
