import { z } from 'zod';
import { identifier, qualifiedName, sqlCondition, sqlExpression } from '../plan/primitives.js';
import type { BuildIndexAction } from '../dialects/actions-table.js';
import { actionStep, renderAction } from './action-step.js';
import {
  checkStorageParameters,
  columnName,
  indexColumn,
  keyOptionsOf,
  storageParameters,
  type IndexColumn,
} from './index-options.js';
import { defineOperation, type DbObject, type OperationContext, type SqlStep } from './types.js';

export const INDEX_METHODS = ['btree', 'hash', 'gist', 'spgist', 'gin', 'brin'] as const;

export const createIndexSchema = z
  .object({
    table: qualifiedName,
    name: identifier.describe('The index name.'),
    columns: z
      .array(indexColumn)
      .min(1)
      .optional()
      .describe('Indexed columns, in order: a name, or { column, sort, nulls, opclass, collate }.'),
    expressions: z
      .array(sqlExpression)
      .min(1)
      .optional()
      .describe('Indexed expressions, e.g. lower(email); used instead of or after columns.'),
    unique: z.boolean().default(false).describe('A unique index.'),
    where: sqlCondition.optional().describe('Partial index predicate.'),
    include: z.array(identifier).min(1).optional().describe('Covering columns (INCLUDE).'),
    method: z.enum(INDEX_METHODS).default('btree').describe('The index access method.'),
    storage_parameters: storageParameters.optional(),
    tablespace: identifier.optional().describe('The tablespace the index is built in.'),
    concurrently: z
      .boolean()
      .default(true)
      .describe('Build without blocking writes (default). false takes a SHARE lock for the whole build.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (!spec.columns && !spec.expressions) {
      ctx.addIssue({
        code: 'custom',
        path: ['columns'],
        message: 'an index needs `columns` or `expressions`',
        params: { hint: 'add columns: [customer_id]' },
      });
    }
    checkStorageParameters(spec.storage_parameters, spec.method, ctx, ['storage_parameters']);
    spec.columns?.forEach((c, i) => {
      if (typeof c !== 'string' && (c.sort !== undefined || c.nulls !== undefined) && spec.method !== 'btree')
        ctx.addIssue({
          code: 'custom',
          path: ['columns', i],
          message: `sort and nulls need a btree index: ${spec.method} indexes have no key order`,
          params: { hint: 'remove sort and nulls, or use method: btree' },
        });
    });
  });

/** The spec; add_unique and add_primary_key also build with NULLS NOT DISTINCT (not a create_index field). */
export type CreateIndexSpec = z.output<typeof createIndexSchema> & { nulls_not_distinct?: boolean };

/** The plain names of the indexed columns. */
export const indexColumnNames = (columns: IndexColumn[] | undefined): string[] | undefined => columns?.map(columnName);

function buildIndexAction(spec: CreateIndexSpec): BuildIndexAction {
  const { table, name, expressions, unique, where, include, method } = spec;
  const action: BuildIndexAction = { kind: 'build-index', table, name, unique, method, online: spec.concurrently };
  Object.assign(action, keyFields(spec));
  if (expressions) action.expressions = expressions;
  if (where !== undefined) action.where = where;
  if (include) action.include = include;
  if (spec.storage_parameters) action.storage = spec.storage_parameters;
  if (spec.tablespace !== undefined) action.tablespace = spec.tablespace;
  if (spec.nulls_not_distinct) action.nullsNotDistinct = true;
  return action;
}

/** `columns` and, when any key has options, `columnOptions`: shared by the action and the adoption definition. */
function keyFields(spec: CreateIndexSpec): Pick<BuildIndexAction, 'columns' | 'columnOptions'> {
  if (!spec.columns) return {};
  const options = spec.columns.map(keyOptionsOf);
  return {
    columns: spec.columns.map(columnName),
    ...(options.some((o) => o !== undefined) ? { columnOptions: options } : {}),
  };
}

export function createIndexSql(spec: CreateIndexSpec, ctx: OperationContext): string {
  return renderAction(ctx, buildIndexAction(spec)).sql;
}

/**
 * The forward step of an index build; also used by add_unique and carry. `doneWhenConstraint`: the
 * build is also done when that constraint exists (attaching the index to it renamed the index).
 */
export function createIndexStep(
  spec: CreateIndexSpec,
  ctx: OperationContext,
  id: string,
  doneWhenConstraint?: string,
): SqlStep {
  const action = buildIndexAction(spec);
  if (doneWhenConstraint !== undefined) action.doneWhenConstraint = doneWhenConstraint;
  return actionStep(ctx, {
    id,
    summary: `create ${spec.unique ? 'unique ' : ''}index ${spec.name} on ${spec.table}`,
    action,
    effect: { does: 'create', object: indexObject(spec) },
  });
}

/** The index as the plan defines it: an existing one is adopted only when it matches. */
function indexObject(spec: CreateIndexSpec): DbObject {
  const index: DbObject = {
    kind: 'index',
    table: spec.table,
    name: spec.name,
    unique: spec.unique,
    method: spec.method,
  };
  Object.assign(index, keyFields(spec));
  if (spec.expressions) index.expressions = spec.expressions;
  if (spec.where !== undefined) index.where = spec.where;
  if (spec.include) index.include = spec.include;
  if (spec.storage_parameters) index.storage = spec.storage_parameters;
  if (spec.tablespace !== undefined) index.tablespace = spec.tablespace;
  if (spec.nulls_not_distinct) index.nullsNotDistinct = true;
  return index;
}

/** `concurrently`: without blocking reads and writes (outside a transaction). */
export function dropIndexStep(
  table: string,
  name: string,
  concurrently: boolean,
  ctx: OperationContext,
  id: string,
): SqlStep {
  const action = { kind: 'drop-index', table, name, online: concurrently } as const;
  return actionStep(ctx, { id, summary: `drop index ${name}`, action });
}

export const createIndex = defineOperation<CreateIndexSpec>({
  kind: 'create_index',
  description:
    'Build an index online, without blocking writes (unique, partial `where`, covering `include`, any `method`).',
  schema: createIndexSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => spec.name,
  forward: (spec, ctx) => [createIndexStep(spec, ctx, ctx.id)],
  inverse: (spec, ctx) => ({
    steps: [{ ...dropIndexStep(spec.table, spec.name, true, ctx, `${ctx.id}/undo`), undoes: ctx.id }],
  }),
});
