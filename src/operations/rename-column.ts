import { z } from 'zod';
import type { Dialect } from '../dialects/dialect.js';
import { identifier, qualifiedName, sqlExpression, sqlType } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { backfillOptionsSchema } from './backfill.js';
import { carryFields, swapCarryOf, type CarryColumns } from './carry.js';
import { bothWaysFill, shadowColumnInverse, shadowColumnSteps, type ShadowColumn } from './shadow-column.js';
import { refuseVolatileUp, reportSyncProblem, syncNames, type SyncSpec } from './sync-trigger.js';
import { defineOperation, type OperationContext, type SqlStep } from './types.js';

export const renameColumnSchema = z
  .object({
    table: qualifiedName,
    from: identifier.describe('The column as it is named today.'),
    to: identifier.describe('Its new name.'),
    type: sqlType
      .optional()
      .describe(
        "Required: the column's current type, so that `plan` shows the exact SQL without reading the database.",
      ),
    up: sqlExpression
      .optional()
      .describe(
        'SQL computing the new column from a row the old application version wrote, over any columns of the row by ' +
          'bare name (default: the old column).',
      ),
    down: sqlExpression
      .optional()
      .describe(
        'SQL computing the old column from a row the new application version wrote, over any columns of the row ' +
          '(default: the new column).',
      ),
    ...carryFields,
    backfill: backfillOptionsSchema
      .prefault({})
      .describe('key, batch and throttle settings for copying existing rows.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.type === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `missing \`type\`: the type of ${spec.from}, which ${spec.to} is created with`,
        params: {
          hint:
            'state it (e.g. type: bigint, as \\d <table> shows it): the plan must say it so that `plan` can show the ' +
            'exact SQL',
        },
      });
    }
    if (spec.from === spec.to)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `\`from\` and \`to\` are both ${spec.to}`,
        params: { hint: 'give the new name in `to`' },
      });
    if (spec.from !== spec.to) reportSyncProblem(ctx, (d) => syncOf(spec, d), { forward: ['up'], reverse: ['down'] });
    refuseVolatileUp(ctx, spec.up, ['up']);
  })
  .transform((spec) => ({ ...spec, type: spec.type as string }));

export type RenameColumnSpec = z.output<typeof renameColumnSchema>;

const columnsOf = (spec: RenameColumnSpec): CarryColumns => ({ old: spec.from, building: spec.to, final: spec.to });

type SyncFields = Pick<RenameColumnSpec, 'table' | 'from' | 'to' | 'up' | 'down'>;

const upOf = (spec: SyncFields, d: Dialect): string => spec.up ?? d.ident(spec.from);

function syncOf(spec: SyncFields, d: Dialect): SyncSpec {
  const sync: SyncSpec = { table: spec.table, from: spec.from, to: spec.to, reverse: spec.down ?? d.ident(spec.to) };
  if (spec.up !== undefined) sync.forward = spec.up;
  return sync;
}

/**
 * The trigger and the old column go in one transaction: dropped apart, writers that no longer set
 * the old column would hit its NOT NULL in between.
 */
function dropOldStep(spec: RenameColumnSpec, ctx: OperationContext): SqlStep {
  const trigger = syncNames(syncOf(spec, ctx.dialect)).trigger;
  return actionStep(ctx, {
    id: `${ctx.id}/drop-old-column`,
    phase: 'contract',
    summary: `remove the sync trigger and drop column ${spec.table}.${spec.from}`,
    action: {
      kind: 'drop-old-column',
      table: spec.table,
      trigger,
      old: spec.from,
      final: spec.to,
      carry: swapCarryOf(spec),
    },
    effect: { does: 'remove', object: { kind: 'column', table: spec.table, name: spec.from } },
  });
}

function shadowOf(spec: RenameColumnSpec, ctx: OperationContext): ShadowColumn {
  const d = ctx.dialect;
  const [from, to] = [d.ident(spec.from), d.ident(spec.to)];
  return {
    spec,
    columns: columnsOf(spec),
    type: spec.type,
    sync: syncOf(spec, d),
    value: spec.up === undefined ? from : upOf(spec, d),
    ...(spec.up === undefined && spec.down === undefined
      ? { differs: d.expressions.distinct(to, from) }
      : bothWaysFill(d, { from: spec.from, to: spec.to, up: upOf(spec, d), down: spec.down ?? to })),
    gate: {
      id: `${ctx.id}/switch-reads`,
      summary: `switch the application to ${spec.table}.${spec.to}`,
      confirm: `Deploy the application version that reads and writes ${spec.to} only, then continue`,
    },
    swap: dropOldStep(spec, ctx),
  };
}

export const renameColumn = defineOperation<RenameColumnSpec>({
  kind: 'rename_column',
  description:
    'Rename a column with no downtime: expand adds the new column and a both-ways sync trigger, migrate backfills ' +
    'and verifies it and waits for the app to switch, contract drops the old column. NOT NULL, the default, ' +
    'CHECKs, foreign keys, indexes, comment and column grants are carried as the plan declares them ' +
    '(`schemashift new rename-column --database` fills them in); run and validate --database refuse a plan ' +
    'that would lose one. Undoable until contract.',
  schema: renameColumnSchema,
  allowedPhases: ['expand'],
  target: (spec) => `${spec.table}.${spec.from}`,
  adoptRefusal: (spec) => ({
    reason:
      `its sync trigger and backfill write ${spec.to} from ${spec.from}, so an existing ${spec.to} would be ` +
      `overwritten (and a rollback would keep the damage)`,
    hint: `pick a new name for \`to\`, or remove \`if_exists: adopt\``,
  }),
  forward: (spec, ctx) => shadowColumnSteps(shadowOf(spec, ctx), ctx),
  inverse: (spec, ctx) => shadowColumnInverse({ spec, columns: columnsOf(spec), sync: syncOf(spec, ctx.dialect) }, ctx),
});
