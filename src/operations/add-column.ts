import { z } from 'zod';
import { quoteIdent } from '../dialects/postgres/postgres-dialect.js';
import { identifier, qualifiedName, sqlExpression, sqlType } from '../plan/primitives.js';
import { volatilityOf } from '../sql/volatility.js';
import { columnAbsent, columnExistsWithType } from './catalog-probes.js';
import { installSyncSteps, removeSyncSteps, type SyncSpec } from './sync-trigger.js';
import { defineOperation, type DbObject, type OperationContext, type Step } from './types.js';

const syncFrom = z.union([
  identifier,
  z
    .object({
      column: identifier.describe('The old column that writers still write.'),
      expression: sqlExpression.optional().describe('SQL computing the new value from the old column (default: the old value).'),
      reverse: sqlExpression.optional().describe('SQL computing the old column from the new one, for writers that only know the new column.'),
      both_ways: z.boolean().default(false).describe('Also fill the old column from the new one (old readers remain).'),
    })
    .strict(),
]);

export const addColumnSchema = z
  .object({
    table: qualifiedName,
    column: z
      .object({
        name: identifier,
        type: sqlType,
        nullable: z.boolean().default(true),
        default: sqlExpression.optional().describe('A constant default; volatile defaults are refused.'),
      })
      .strict(),
    sync_from: syncFrom.optional().describe('Keep the new column in step with this old column by trigger until contract.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.column.default !== undefined) {
      const v = volatilityOf(spec.column.default);
      if (v.volatile) {
        ctx.addIssue({
          code: 'custom',
          path: ['column', 'default'],
          message: `default \`${spec.column.default}\` calls ${v.fn}(), which is volatile: adding it rewrites the whole table under an ACCESS EXCLUSIVE lock`,
          params: {
            hint: `add the column without a default, then \`sql: { up: "ALTER TABLE ${spec.table} ALTER COLUMN ${spec.column.name} SET DEFAULT ${spec.column.default}" }\` for new rows, and a \`backfill\` step for existing rows`,
          },
        });
      }
    }
    if (!spec.column.nullable && spec.column.default === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['column', 'nullable'],
        message: `column ${spec.column.name} is NOT NULL without a default: adding it fails on a table that has rows`,
        params: { hint: 'add it nullable (or with a constant default), backfill it in migrate, then use `set_not_null`' },
      });
    }
  });

export type AddColumnSpec = z.output<typeof addColumnSchema>;

export function syncSpecOf(spec: AddColumnSpec): SyncSpec | undefined {
  const from = spec.sync_from;
  if (from === undefined) return undefined;
  const base = { table: spec.table, to: spec.column.name };
  if (typeof from === 'string') return { ...base, from };
  const sync: SyncSpec = { ...base, from: from.column };
  if (from.expression !== undefined) sync.forward = from.expression;
  if (from.reverse !== undefined) sync.reverse = from.reverse;
  else if (from.both_ways) sync.reverse = quoteIdent(spec.column.name);
  return sync;
}

function addColumnSql(spec: AddColumnSpec, ctx: OperationContext): string {
  const d = ctx.dialect;
  const parts = [`ALTER TABLE ${d.qualified(spec.table)} ADD COLUMN ${d.ident(spec.column.name)} ${spec.column.type}`];
  if (spec.column.default !== undefined) parts.push(`DEFAULT ${spec.column.default}`);
  if (!spec.column.nullable) parts.push('NOT NULL');
  return parts.join(' ');
}

/** The column as the plan defines it: an existing one is adopted only when it matches. */
function columnObject(spec: AddColumnSpec): DbObject {
  const column: DbObject = { kind: 'column', table: spec.table, name: spec.column.name, type: spec.column.type, nullable: spec.column.nullable };
  if (spec.column.default !== undefined) column.default = spec.column.default;
  return column;
}

export const addColumn = defineOperation<AddColumnSpec>({
  kind: 'add_column',
  description: 'Add a nullable column (or one with a constant default); optionally keep it in step with an old column by trigger until contract.',
  schema: addColumnSchema,
  allowedPhases: ['expand', 'migrate'],
  target: (spec) => `${spec.table}.${spec.column.name}`,
  forward(spec, ctx) {
    const d = ctx.dialect;
    const steps: Step[] = [
      {
        id: ctx.id,
        phase: ctx.phase,
        kind: 'sql',
        summary: `add column ${spec.table}.${spec.column.name} ${spec.column.type}`,
        sql: addColumnSql(spec, ctx),
        lock: { level: 'ACCESS EXCLUSIVE', on: [spec.table] },
        transactional: true,
        probe: columnExistsWithType(d, spec.table, spec.column.name, spec.column.type),
        effect: { does: 'create', object: columnObject(spec) },
      },
    ];
    const sync = syncSpecOf(spec);
    if (sync) {
      steps.push(...installSyncSteps(d, sync, ctx.id, ctx.phase));
      steps.push(...removeSyncSteps(d, sync, ctx.id, 'contract'));
    }
    return steps;
  },
  inverse(spec, ctx) {
    const d = ctx.dialect;
    const sync = syncSpecOf(spec);
    const steps: Step[] = sync ? removeSyncSteps(d, sync, `${ctx.id}/undo`, ctx.phase, ctx.id) : [];
    steps.push({
      id: `${ctx.id}/undo`,
      phase: ctx.phase,
      kind: 'sql',
      summary: `drop column ${spec.table}.${spec.column.name}`,
      sql: `ALTER TABLE ${d.qualified(spec.table)} DROP COLUMN IF EXISTS ${d.ident(spec.column.name)}`,
      lock: { level: 'ACCESS EXCLUSIVE', on: [spec.table] },
      transactional: true,
      probe: columnAbsent(d, spec.table, spec.column.name),
      undoes: ctx.id,
    });
    return { steps };
  },
});
