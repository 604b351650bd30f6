import { z } from 'zod';
import { qualifiedName } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { defineOperation } from './types.js';

export const refreshMaterializedViewSchema = z
  .object({
    name: qualifiedName.describe('The materialized view, optionally schema-qualified.'),
    concurrently: z
      .boolean()
      .default(false)
      .describe(
        'Refresh while readers go on (EXCLUSIVE lock); needs a unique index on the view, without WHERE, and a ' +
          'populated view.',
      ),
  })
  .strict();

export type RefreshMaterializedViewSpec = z.output<typeof refreshMaterializedViewSchema>;

export const refreshMaterializedView = defineOperation<RefreshMaterializedViewSpec>({
  kind: 'refresh_materialized_view',
  description:
    'Recompute a materialized view. `concurrently: true` takes an EXCLUSIVE lock, so reads go on, and needs a unique ' +
    'index on the view; without it the refresh blocks readers (ACCESS EXCLUSIVE) until done.',
  schema: refreshMaterializedViewSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => spec.name,
  forward: (spec, ctx) => [
    actionStep(ctx, {
      id: ctx.id,
      summary: `refresh materialized view ${spec.name}${spec.concurrently ? ' concurrently' : ''}`,
      action: { kind: 'refresh-materialized-view', name: spec.name, concurrently: spec.concurrently },
    }),
  ],
  inverse: () => ({ steps: [] }),
});
