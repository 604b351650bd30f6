import { z } from 'zod';
import type { Dialect } from '../dialects/dialect.js';
import { identifier, qualifiedName, sqlExpression, sqlType } from '../plan/primitives.js';
import { walk } from '../sql/ast.js';
import { parseSql } from '../sql/parser.js';
import { addColumn } from './add-column.js';
import { backfillOptionsSchema, backfillStep } from './backfill.js';
import { carriedReferencedTables, carryExpandSteps, carrySwapBeforeDropSql, carryFields, carryMigrateSteps, carrySwapSql, type CarryColumns } from './carry.js';
import { columnAbsent, columnHasType } from './catalog-probes.js';
import { dropColumnStep, notNullSteps } from './rename-column.js';
import { postgres } from '../dialects/postgres/postgres-dialect.js';
import { boundedName, installSyncSteps, removeSyncSteps, reportSyncProblem, syncNames, type SyncSpec } from './sync-trigger.js';
import { defineOperation, type OperationContext, type SqlStep, type Step } from './types.js';
import { verifyAfterBackfill } from './verify.js';

export const changeTypeSchema = z
  .object({
    table: qualifiedName,
    column: identifier,
    type: sqlType.describe('The new type.'),
    using: sqlExpression.optional().describe('SQL converting the old value to the new type, written over the column (default: <column>::<type>).'),
    reverse_using: sqlExpression
      .optional()
      .describe('SQL converting the new value back for old readers, written over the temp column (e.g. code_new::text); makes the sync both ways. It should invert `using`: backfilled rows get reverse_using(using(old)) in the old column.'),
    temp_column: identifier.optional().describe('The column built beside the old one and renamed over it in contract (default: <column>_new).'),
    ...carryFields,
    backfill: backfillOptionsSchema.prefault({}).describe('key, batch and throttle settings for converting existing rows.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const temp = tempOf(spec);
    if (temp === spec.column) ctx.addIssue({ code: 'custom', path: ['temp_column'], message: `temp_column is ${temp}, the column itself`, params: { hint: 'pick a free name, or leave temp_column out' } });
    if (spec.reverse_using !== undefined && mentions(spec.reverse_using, temp) === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['reverse_using'],
        message: `reverse_using does not read ${temp}, the column that holds the new value until contract`,
        params: { hint: `write it over ${temp}, e.g. reverse_using: "${temp}::<old type>"` },
      });
    }
    reportSyncProblem(ctx, syncOf(spec, postgres), { forward: ['using'], reverse: ['reverse_using'] });
  });

export type ChangeTypeSpec = z.output<typeof changeTypeSchema>;

export function tempOf(spec: { column: string; temp_column?: string | undefined }): string {
  return spec.temp_column ?? boundedName(spec.column, 'new');
}

/** Whether a (validated) expression references the column; undefined when it does not parse. */
function mentions(expression: string, column: string): boolean | undefined {
  const parsed = parseSql(`SELECT ${expression}`);
  if (!parsed.ok) return undefined;
  let found = false;
  walk(parsed.result, (type, node) => {
    const fields = node.fields as { String?: { sval?: string } }[] | undefined;
    if (type === 'ColumnRef' && fields?.length === 1 && fields[0]?.String?.sval === column) found = true;
  });
  return found;
}

const columnsOf = (spec: ChangeTypeSpec): CarryColumns => ({ old: spec.column, building: tempOf(spec), final: spec.column });

const usingOf = (spec: ChangeTypeSpec, d: Dialect): string => spec.using ?? `${d.ident(spec.column)}::${spec.type}`;

function syncOf(spec: ChangeTypeSpec, d: Dialect): SyncSpec {
  const sync: SyncSpec = { table: spec.table, from: spec.column, to: tempOf(spec), forward: usingOf(spec, d) };
  if (spec.reverse_using !== undefined) sync.reverse = spec.reverse_using;
  return sync;
}

function migrateSteps(spec: ChangeTypeSpec, ctx: OperationContext): Step[] {
  const d = ctx.dialect;
  const temp = tempOf(spec);
  const differs = `${d.ident(temp)} IS DISTINCT FROM (${usingOf(spec, d)})`;
  return [
    backfillStep(d, { table: spec.table, set: { [temp]: usingOf(spec, d) }, where: differs, ...spec.backfill }, `${ctx.id}/backfill`, 'migrate'),
    verifyAfterBackfill(d, spec.table, { [temp]: usingOf(spec, d) }, spec.backfill, `${ctx.id}/verify`),
    ...(spec.not_null === true ? notNullSteps(d, spec.table, temp, ctx.id, 'migrate') : []),
    ...carryMigrateSteps(d, spec, columnsOf(spec), ctx.id),
    {
      id: `${ctx.id}/deploy`,
      phase: 'migrate',
      kind: 'gate',
      summary: `the application must accept ${spec.table}.${spec.column} as ${spec.type}`,
      confirm: `Deploy the application version that works with ${spec.column} as ${spec.type} (it becomes that type at contract), then continue`,
    },
  ];
}

/** One short ACCESS EXCLUSIVE transaction: no writer ever sees the table without the column. */
function swapStep(spec: ChangeTypeSpec, ctx: OperationContext): SqlStep {
  const d = ctx.dialect;
  const [t, col, temp] = [d.qualified(spec.table), d.ident(spec.column), tempOf(spec)];
  const sql = [
    `DROP TRIGGER IF EXISTS ${d.ident(syncNames(syncOf(spec, d)).trigger)} ON ${t}`,
    ...carrySwapBeforeDropSql(d, spec),
    `ALTER TABLE ${t} DROP COLUMN ${col}`,
    `ALTER TABLE ${t} RENAME COLUMN ${d.ident(temp)} TO ${col}`,
    ...carrySwapSql(d, spec, columnsOf(spec)),
  ].join(';\n');
  return {
    id: `${ctx.id}/swap`,
    phase: 'contract',
    kind: 'sql',
    summary: `swap ${spec.table}.${temp} in for ${spec.column} (drop sync trigger, drop old column, rename)`,
    sql,
    lock: { level: 'ACCESS EXCLUSIVE', on: [spec.table, ...carriedReferencedTables(spec)] },
    transactional: true,
    probe: `SELECT (${columnAbsent(d, spec.table, temp)}) AND (${columnHasType(d, spec.table, spec.column, spec.type)})`,
    effect: { does: 'change', object: { kind: 'column', table: spec.table, name: spec.column, type: spec.type } },
  };
}

export const changeType = defineOperation<ChangeTypeSpec>({
  kind: 'change_type',
  description:
    "Change a column's type without rewriting the table under lock: expand adds a temp column of the new type kept in step by trigger, migrate backfills and verifies it, contract swaps it in (drop old, rename) in one short transaction. NOT NULL, the default, CHECKs, foreign keys, indexes, comment and column grants are carried as the plan declares them (`schemashift new change-type --database` fills them in); run and validate --database refuse a plan that would lose one. Undoable until contract.",
  schema: changeTypeSchema,
  allowedPhases: ['expand'],
  target: (spec) => `${spec.table}.${spec.column}`,
  adoptRefusal: (spec) => ({
    reason: `change_type fills and syncs a temp column of its own (${tempOf(spec)}) and swaps it in: an existing column of that name would be overwritten`,
    hint: `remove \`if_exists: adopt\`; if ${tempOf(spec)} is left over from an earlier attempt by hand, drop it first`,
  }),
  forward(spec, ctx) {
    const d = ctx.dialect;
    const sync = syncOf(spec, d);
    return [
      ...addColumn.forward({ table: spec.table, column: { name: tempOf(spec), type: spec.type, nullable: true } }, { ...ctx, phase: 'expand' }),
      ...installSyncSteps(d, sync, ctx.id, 'expand'),
      ...carryExpandSteps(d, spec, columnsOf(spec), ctx.id),
      ...migrateSteps(spec, ctx),
      swapStep(spec, ctx),
      // The trigger went with the swap; only its function is left.
      ...removeSyncSteps(d, sync, ctx.id, 'contract').slice(1),
    ];
  },
  inverse(spec, ctx) {
    const d = ctx.dialect;
    const undo = `${ctx.id}/undo`;
    return { steps: [...removeSyncSteps(d, syncOf(spec, d), undo, ctx.phase, ctx.id), dropColumnStep(d, spec.table, tempOf(spec), undo, ctx.phase, ctx.id)] };
  },
});
