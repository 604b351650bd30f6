import { z } from 'zod';
import { qualifiedName, sqlQuery } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { defineOperation, type OperationContext, type SqlStep } from './types.js';

export const createMaterializedViewSchema = z
  .object({
    name: qualifiedName,
    query: sqlQuery.describe('The query that defines the view.'),
    with_data: z
      .boolean()
      .default(true)
      .describe('Fill the view now (default); false leaves it empty until the first refresh.'),
  })
  .strict();

export type CreateMaterializedViewSpec = z.output<typeof createMaterializedViewSchema>;

export function dropMaterializedViewStep(name: string, ctx: OperationContext, id: string): SqlStep {
  return actionStep(ctx, {
    id,
    summary: `drop materialized view ${name}`,
    action: { kind: 'drop-materialized-view', name },
  });
}

export const createMaterializedView = defineOperation<CreateMaterializedViewSpec>({
  kind: 'create_materialized_view',
  description:
    'Create a materialized view (filled at once unless `with_data: false`); reading its source tables blocks no ' +
    'writes.',
  schema: createMaterializedViewSchema,
  allowedPhases: ['expand', 'migrate'],
  target: (spec) => spec.name,
  forward: (spec, ctx) => [
    actionStep(ctx, {
      id: ctx.id,
      summary: `create materialized view ${spec.name}${spec.with_data ? '' : ' (empty until refreshed)'}`,
      action: { kind: 'create-materialized-view', name: spec.name, query: spec.query, withData: spec.with_data },
      effect: { does: 'create', object: { kind: 'materialized view', name: spec.name, query: spec.query } },
    }),
  ],
  inverse: (spec, ctx) => ({
    steps: [{ ...dropMaterializedViewStep(spec.name, ctx, `${ctx.id}/undo`), undoes: ctx.id }],
  }),
});
