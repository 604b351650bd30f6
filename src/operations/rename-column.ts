import { z } from 'zod';
import type { Dialect } from '../dialects/dialect.js';
import { identifier, qualifiedName, sqlType } from '../plan/primitives.js';
import { addColumn, type AddColumnSpec } from './add-column.js';
import { backfillOptionsSchema, backfillStep } from './backfill.js';
import { carriedReferencedTables, carryExpandSteps, carrySwapBeforeDropSql, carryFields, carryMigrateSteps, carrySwapSql, type CarryColumns } from './carry.js';
import { anyOf, columnAbsent, columnNotNull, constraintAbsent, constraintExists, constraintValidated } from './catalog-probes.js';
import { boundedName, installSyncSteps, removeSyncSteps, syncNames, type SyncSpec } from './sync-trigger.js';
import { verifyAfterBackfill } from './verify.js';
import { defineOperation, type LockLevel, type OperationContext, type Phase, type SqlStep, type Step } from './types.js';

export const renameColumnSchema = z
  .object({
    table: qualifiedName,
    from: identifier.describe('The column as it is named today.'),
    to: identifier.describe('Its new name.'),
    type: sqlType.optional().describe("Required: the column's current type, so that `plan` shows the exact SQL without reading the database."),
    ...carryFields,
    backfill: backfillOptionsSchema.prefault({}).describe('key, batch and throttle settings for copying existing rows.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.type === undefined) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `missing \`type\`: the type of ${spec.from}, which ${spec.to} is created with`, params: { hint: 'state it (e.g. type: bigint, as \\d <table> shows it): the plan must say it so that `plan` can show the exact SQL' } });
    }
    if (spec.from === spec.to) ctx.addIssue({ code: 'custom', path: ['to'], message: `\`from\` and \`to\` are both ${spec.to}`, params: { hint: 'give the new name in `to`' } });
  })
  .transform((spec) => ({ ...spec, type: spec.type as string }));

export type RenameColumnSpec = z.output<typeof renameColumnSchema>;

function sqlStep(id: string, phase: Phase, table: string, summary: string, sql: string, level: LockLevel, probe: string): SqlStep {
  return { id, phase, kind: 'sql', summary, sql, lock: { level, on: [table] }, transactional: true, probe };
}

/** CHECK NOT VALID → VALIDATE → SET NOT NULL (no scan, PostgreSQL 12+) → drop the CHECK. */
export function notNullSteps(d: Dialect, table: string, column: string, idPrefix: string, phase: Phase): SqlStep[] {
  const t = d.qualified(table);
  const check = boundedName(column, 'not_null');
  const done = columnNotNull(d, table, column);
  const helper = { kind: 'constraint' as const, table, name: check };
  return [
    { ...sqlStep(`${idPrefix}/not-null-check`, phase, table, `add CHECK (${column} IS NOT NULL) NOT VALID to ${table}`, `ALTER TABLE ${t} ADD CONSTRAINT ${d.ident(check)} CHECK (${d.ident(column)} IS NOT NULL) NOT VALID`, 'ACCESS EXCLUSIVE', anyOf(done, constraintExists(d, table, check))), effect: { does: 'create', object: { ...helper, type: 'check', expression: `${d.ident(column)} IS NOT NULL` } } },
    { ...sqlStep(`${idPrefix}/not-null-validate`, phase, table, `validate ${check} on ${table}`, `ALTER TABLE ${t} VALIDATE CONSTRAINT ${d.ident(check)}`, 'SHARE UPDATE EXCLUSIVE', anyOf(done, constraintValidated(d, table, check))), effect: { does: 'change', object: helper } },
    { ...sqlStep(`${idPrefix}/set-not-null`, phase, table, `set ${table}.${column} NOT NULL`, `ALTER TABLE ${t} ALTER COLUMN ${d.ident(column)} SET NOT NULL`, 'ACCESS EXCLUSIVE', done), effect: { does: 'change', object: { kind: 'column', table, name: column, nullable: false } } },
    { ...sqlStep(`${idPrefix}/drop-not-null-check`, phase, table, `drop ${check} from ${table}`, `ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${d.ident(check)}`, 'ACCESS EXCLUSIVE', constraintAbsent(d, table, check)), effect: { does: 'remove', object: helper } },
  ];
}

/** The undo of a column the plan added in `undoes` (rename_column's new column, change_type's temp column). */
export function dropColumnStep(d: Dialect, table: string, column: string, id: string, phase: Phase, undoes: string): SqlStep {
  const sql = `ALTER TABLE ${d.qualified(table)} DROP COLUMN IF EXISTS ${d.ident(column)}`;
  return { ...sqlStep(id, phase, table, `drop column ${table}.${column}`, sql, 'ACCESS EXCLUSIVE', columnAbsent(d, table, column)), undoes };
}


const newColumn = (spec: RenameColumnSpec): AddColumnSpec => ({ table: spec.table, column: { name: spec.to, type: spec.type, nullable: true } });

const columnsOf = (spec: RenameColumnSpec): CarryColumns => ({ old: spec.from, building: spec.to, final: spec.to });

const syncOf = (spec: RenameColumnSpec, d: Dialect): SyncSpec => ({ table: spec.table, from: spec.from, to: spec.to, reverse: d.ident(spec.to) });

function migrateSteps(spec: RenameColumnSpec, ctx: OperationContext): Step[] {
  const d = ctx.dialect;
  const [from, to] = [d.ident(spec.from), d.ident(spec.to)];
  const differs = `${to} IS DISTINCT FROM ${from}`;
  return [
    backfillStep(d, { table: spec.table, set: { [spec.to]: from }, where: differs, ...spec.backfill }, `${ctx.id}/backfill`, 'migrate'),
    verifyAfterBackfill(d, spec.table, { [spec.to]: from }, spec.backfill, `${ctx.id}/verify`),
    ...(spec.not_null === true ? notNullSteps(d, spec.table, spec.to, ctx.id, 'migrate') : []),
    ...carryMigrateSteps(d, spec, columnsOf(spec), ctx.id),
    { id: `${ctx.id}/switch-reads`, phase: 'migrate', kind: 'gate', summary: `switch the application to ${spec.table}.${spec.to}`, confirm: `Deploy the application version that reads and writes ${spec.to} only, then continue` },
  ];
}

/**
 * The trigger and the old column go in one transaction: dropped apart, writers that no longer set
 * the old column would hit its NOT NULL in between.
 */
function dropOldStep(spec: RenameColumnSpec, ctx: OperationContext): SqlStep {
  const d = ctx.dialect;
  const sql = [
    `DROP TRIGGER IF EXISTS ${d.ident(syncNames(syncOf(spec, d)).trigger)} ON ${d.qualified(spec.table)}`,
    ...carrySwapBeforeDropSql(d, spec),
    dropColumnStep(d, spec.table, spec.from, '', 'contract', '').sql,
    ...carrySwapSql(d, spec, columnsOf(spec)),
  ].join(';\n');
  const step = sqlStep(`${ctx.id}/drop-old-column`, 'contract', spec.table, `remove the sync trigger and drop column ${spec.table}.${spec.from}`, sql, 'ACCESS EXCLUSIVE', columnAbsent(d, spec.table, spec.from));
  return { ...step, lock: { ...step.lock, on: [spec.table, ...carriedReferencedTables(spec)] }, effect: { does: 'remove', object: { kind: 'column', table: spec.table, name: spec.from } } };
}

export const renameColumn = defineOperation<RenameColumnSpec>({
  kind: 'rename_column',
  description:
    'Rename a column with no downtime: expand adds the new column and a both-ways sync trigger, migrate backfills and verifies it and waits for the app to switch, contract drops the old column. NOT NULL, the default, CHECKs, foreign keys, indexes, comment and column grants are carried as the plan declares them (`schemashift new rename-column --database` fills them in); run and validate --database refuse a plan that would lose one. Undoable until contract.',
  schema: renameColumnSchema,
  allowedPhases: ['expand'],
  target: (spec) => `${spec.table}.${spec.from}`,
  adoptRefusal: (spec) => ({
    reason: `its sync trigger and backfill write ${spec.to} from ${spec.from}, so an existing ${spec.to} would be overwritten (and a rollback would keep the damage)`,
    hint: `pick a new name for \`to\`, or remove \`if_exists: adopt\``,
  }),
  forward(spec, ctx) {
    const d = ctx.dialect;
    const sync = syncOf(spec, d);
    return [
      ...addColumn.forward(newColumn(spec), { ...ctx, phase: 'expand' }),
      ...installSyncSteps(d, sync, ctx.id, 'expand'),
      ...carryExpandSteps(d, spec, columnsOf(spec), ctx.id),
      ...migrateSteps(spec, ctx),
      dropOldStep(spec, ctx),
      // The trigger went with the old column; only its function is left.
      ...removeSyncSteps(d, sync, ctx.id, 'contract').slice(1),
    ];
  },
  inverse(spec, ctx) {
    const d = ctx.dialect;
    const undo = `${ctx.id}/undo`;
    return { steps: [...removeSyncSteps(d, syncOf(spec, d), undo, ctx.phase, ctx.id), dropColumnStep(d, spec.table, spec.to, undo, ctx.phase, ctx.id)] };
  },
});
