import { z } from 'zod';
import type { Dialect } from '../dialects/dialect.js';
import { qualifiedName, sqlQuery } from '../plan/primitives.js';
import { singleQuery, tablesRead } from '../sql/statements.js';
import { relationAbsent, relationExists } from './catalog-probes.js';
import { defineOperation, type LockInfo, type OperationContext, type SqlStep } from './types.js';

export const createMaterializedViewSchema = z
  .object({
    name: qualifiedName,
    query: sqlQuery.describe('The SELECT that defines the view.'),
    with_data: z.boolean().default(true).describe('Fill the view now (default); false leaves it empty until the first refresh.'),
  })
  .strict();

export type CreateMaterializedViewSpec = z.output<typeof createMaterializedViewSchema>;

/**
 * The query goes on lines of its own: a trailing `-- comment` in it then cannot swallow
 * `WITH NO DATA`, and its own trailing `;` is left out.
 */
export function createMaterializedViewSql(d: Dialect, name: string, query: string, withData: boolean): string {
  return `CREATE MATERIALIZED VIEW ${d.qualified(name)} AS\n${singleQuery(query).text}\nWITH ${withData ? '' : 'NO '}DATA`;
}

/** Building the view reads its source tables: ACCESS SHARE, which blocks only DDL on them. */
export function readLock(query: string): LockInfo {
  return { level: 'ACCESS SHARE', on: tablesRead(singleQuery(query).node) };
}

export function dropMaterializedViewStep(name: string, ctx: OperationContext, id: string): SqlStep {
  return {
    id,
    phase: ctx.phase,
    kind: 'sql',
    summary: `drop materialized view ${name}`,
    sql: `DROP MATERIALIZED VIEW IF EXISTS ${ctx.dialect.qualified(name)}`,
    lock: { level: 'ACCESS EXCLUSIVE', on: [name] },
    transactional: true,
    probe: relationAbsent(ctx.dialect, name),
  };
}

export const createMaterializedView = defineOperation<CreateMaterializedViewSpec>({
  kind: 'create_materialized_view',
  description: 'Create a materialized view (filled at once unless `with_data: false`); reading its source tables blocks no writes.',
  schema: createMaterializedViewSchema,
  allowedPhases: ['expand', 'migrate'],
  target: (spec) => spec.name,
  forward: (spec, ctx) => [
    {
      id: ctx.id,
      phase: ctx.phase,
      kind: 'sql',
      summary: `create materialized view ${spec.name}${spec.with_data ? '' : ' (empty until refreshed)'}`,
      sql: createMaterializedViewSql(ctx.dialect, spec.name, spec.query, spec.with_data),
      lock: readLock(spec.query),
      transactional: true,
      probe: relationExists(ctx.dialect, spec.name),
      effect: { does: 'create', object: { kind: 'materialized view', name: spec.name, query: spec.query } },
    },
  ],
  inverse: (spec, ctx) => ({ steps: [{ ...dropMaterializedViewStep(spec.name, ctx, `${ctx.id}/undo`), undoes: ctx.id }] }),
});
