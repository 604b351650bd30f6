import { z } from 'zod';
import { identifier, qualifiedName, sqlCondition, sqlExpression } from '../plan/primitives.js';
import { indexAbsent, validIndexExists } from './catalog-probes.js';
import { defineOperation, type DbObject, type OperationContext, type SqlStep } from './types.js';

export const INDEX_METHODS = ['btree', 'hash', 'gist', 'spgist', 'gin', 'brin'] as const;

export const createIndexSchema = z
  .object({
    table: qualifiedName,
    name: identifier,
    columns: z.array(identifier).min(1).optional().describe('Indexed columns, in order.'),
    expressions: z.array(sqlExpression).min(1).optional().describe('Indexed expressions, e.g. lower(email); used instead of or after columns.'),
    unique: z.boolean().default(false),
    where: sqlCondition.optional().describe('Partial index predicate.'),
    include: z.array(identifier).min(1).optional().describe('Covering columns (INCLUDE).'),
    method: z.enum(INDEX_METHODS).default('btree'),
    concurrently: z.boolean().default(true).describe('Build without blocking writes (default). false takes a SHARE lock for the whole build.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (!spec.columns && !spec.expressions) {
      ctx.addIssue({ code: 'custom', path: ['columns'], message: 'an index needs `columns` or `expressions`', params: { hint: 'add columns: [customer_id]' } });
    }
  });

export type CreateIndexSpec = z.output<typeof createIndexSchema>;

function keyList(spec: CreateIndexSpec, ctx: OperationContext): string {
  const keys = [...(spec.columns ?? []).map((c) => ctx.dialect.ident(c)), ...(spec.expressions ?? []).map((e) => `(${e})`)];
  return keys.join(', ');
}

export function createIndexSql(spec: CreateIndexSpec, ctx: OperationContext): string {
  const d = ctx.dialect;
  const parts = [
    `CREATE ${spec.unique ? 'UNIQUE ' : ''}INDEX ${spec.concurrently ? 'CONCURRENTLY ' : ''}${d.ident(spec.name)}`,
    `ON ${d.qualified(spec.table)}${spec.method === 'btree' ? '' : ` USING ${spec.method}`} (${keyList(spec, ctx)})`,
  ];
  if (spec.include) parts.push(`INCLUDE (${spec.include.map((c) => d.ident(c)).join(', ')})`);
  if (spec.where) parts.push(`WHERE ${spec.where}`);
  return parts.join(' ');
}

/** The forward step of an index build; also used by add_unique. */
export function createIndexStep(spec: CreateIndexSpec, ctx: OperationContext, id: string): SqlStep {
  return {
    id,
    phase: ctx.phase,
    kind: 'sql',
    summary: `create ${spec.unique ? 'unique ' : ''}index ${spec.name} on ${spec.table}`,
    sql: createIndexSql(spec, ctx),
    lock: { level: spec.concurrently ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE', on: [spec.table] },
    transactional: !spec.concurrently,
    probe: validIndexExists(ctx.dialect, spec.name, spec.table),
    buildsIndex: spec.table.includes('.') ? `${spec.table.split('.')[0]}.${spec.name}` : spec.name,
    effect: { does: 'create', object: indexObject(spec) },
  };
}

/** The index as the plan defines it: an existing one is adopted only when it matches. */
function indexObject(spec: CreateIndexSpec): DbObject {
  const index: DbObject = { kind: 'index', table: spec.table, name: spec.name, unique: spec.unique, method: spec.method };
  if (spec.columns) index.columns = spec.columns;
  if (spec.expressions) index.expressions = spec.expressions;
  if (spec.where !== undefined) index.where = spec.where;
  if (spec.include) index.include = spec.include;
  return index;
}

export function dropIndexStep(table: string, name: string, concurrently: boolean, ctx: OperationContext, id: string): SqlStep {
  const d = ctx.dialect;
  const schemaPrefix = table.includes('.') ? `${d.ident(table.split('.')[0] ?? '')}.` : '';
  return {
    id,
    phase: ctx.phase,
    kind: 'sql',
    summary: `drop index ${name}`,
    sql: `DROP INDEX ${concurrently ? 'CONCURRENTLY ' : ''}IF EXISTS ${schemaPrefix}${d.ident(name)}`,
    lock: { level: concurrently ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', on: [table] },
    transactional: !concurrently,
    probe: indexAbsent(d, name, table),
  };
}

export const createIndex = defineOperation<CreateIndexSpec>({
  kind: 'create_index',
  description: 'Build an index CONCURRENTLY (unique, partial `where`, covering `include`, any `method`).',
  schema: createIndexSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => spec.name,
  forward: (spec, ctx) => [createIndexStep(spec, ctx, ctx.id)],
  inverse: (spec, ctx) => ({ steps: [{ ...dropIndexStep(spec.table, spec.name, true, ctx, `${ctx.id}/undo`), undoes: ctx.id }] }),
});
