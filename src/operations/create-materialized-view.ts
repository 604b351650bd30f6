import { z } from 'zod';
import type { Action } from '../dialects/actions.js';
import { qualifiedName, sqlQuery } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { foreignSchemaOf, foreignSourceSchema, foreignSourceSteps, foreignSourceUndo } from './foreign-source.js';
import { defineOperation, type OperationContext, type SqlStep } from './types.js';

export const createMaterializedViewSchema = z
  .object({
    name: qualifiedName.describe('The materialized view, optionally schema-qualified.'),
    query: sqlQuery.describe(
      'The query that defines the view. With `source:` via postgres_fdw it reads the imported tables by their ' +
        'names; via dblink it runs on the other database.',
    ),
    with_data: z
      .boolean()
      .default(true)
      .describe('Fill the view now (default); false leaves it empty until the first refresh.'),
    source: foreignSourceSchema.optional(),
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

function viewAction(spec: CreateMaterializedViewSpec): Action {
  const { name, query, with_data: withData, source } = spec;
  if (!source) return { kind: 'create-materialized-view', name, query, withData };
  const from =
    source.via === 'dblink'
      ? {
          via: 'dblink' as const,
          server: source.server,
          columns: Object.entries(source.columns ?? {}).map(([column, type]) => ({ name: column, type })),
        }
      : { via: 'postgres_fdw' as const, schema: foreignSchemaOf(source), tables: source.tables ?? [] };
  return { kind: 'create-foreign-materialized-view', name, query, withData, source: from };
}

function createSummary(spec: CreateMaterializedViewSpec): string {
  const over = spec.source ? ` over ${spec.source.server} (${spec.source.via})` : '';
  return `create materialized view ${spec.name}${over}${spec.with_data ? '' : ' (empty until refreshed)'}`;
}

export const createMaterializedView = defineOperation<CreateMaterializedViewSpec>({
  kind: 'create_materialized_view',
  description:
    'Create a materialized view (filled at once unless `with_data: false`); reading its source tables blocks no ' +
    'writes. With `source:`, the view reads another database through a foreign server whose credentials come ' +
    'from an environment variable at run time.',
  schema: createMaterializedViewSchema,
  allowedPhases: ['expand', 'migrate'],
  target: (spec) => spec.name,
  forward: (spec, ctx) => [
    ...(spec.source ? foreignSourceSteps(spec.source, ctx) : []),
    actionStep(ctx, {
      id: ctx.id,
      summary: createSummary(spec),
      action: viewAction(spec),
      effect: {
        does: 'create',
        object: { kind: 'materialized view', name: spec.name, ...(spec.source ? {} : { query: spec.query }) },
      },
    }),
  ],
  inverse: (spec, ctx) => ({
    steps: [
      { ...dropMaterializedViewStep(spec.name, ctx, `${ctx.id}/undo`), undoes: ctx.id },
      ...(spec.source ? foreignSourceUndo(spec.source, ctx) : []),
    ],
  }),
  adoptRefusal: (spec) =>
    spec.source
      ? {
          reason: 'a view over another database creates its own schema of foreign tables and user mapping',
          hint: 'drop the existing view, or pick another name',
        }
      : undefined,
});
