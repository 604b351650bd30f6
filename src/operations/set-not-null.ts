/**
 * set_not_null. Without `up`: in place (CHECK NOT VALID, VALIDATE, SET NOT NULL, drop the CHECK).
 * With `up` (pgroll's way): the old column stays nullable for the old application version, whose
 * NULLs the sync trigger turns into up(row) in a NOT NULL shadow column; contract swaps it in.
 */
import { z } from 'zod';
import type { Dialect } from '../dialects/dialect.js';
import { identifier, qualifiedName, sqlExpression, sqlType } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { backfillOptionsSchema } from './backfill.js';
import { carryFields, type CarryColumns } from './carry.js';
import { notNullRecipe, type NotNullTarget } from './not-null-steps.js';
import {
  bothWaysFill,
  sameTypeSwapStep,
  shadowColumnInverse,
  shadowColumnSteps,
  type ShadowColumn,
} from './shadow-column.js';
import { refuseShadowFieldsWithout } from './shadow-fields.js';
import { boundedName, refuseVolatileUp, reportSyncProblem, syncNames, type SyncSpec } from './sync-trigger.js';
import { defineOperation, type OperationContext, type SqlStep } from './types.js';

// NOT NULL is what this operation sets: the shadow column always gets it.
const { not_null: _notNull, ...carried } = carryFields;

export const setNotNullSchema = z
  .object({
    table: qualifiedName,
    column: identifier,
    check_name: identifier
      .optional()
      .describe('The helper CHECK constraint of the in-place recipe (default: <column>_not_null); dropped at the end.'),
    up: sqlExpression
      .optional()
      .describe(
        'SQL giving the value for rows whose column is NULL, over any columns of the row by bare name (e.g. ' +
          "coalesce(title, 'untitled')). With it the old application version may keep writing NULLs until contract: " +
          'a NOT NULL shadow column (temp_column) holds up(row), and contract swaps it in.',
      ),
    down: sqlExpression
      .optional()
      .describe(
        'With `up`: SQL computing the old column from a row the new version wrote (default: the shadow column).',
      ),
    type: sqlType
      .optional()
      .describe("With `up`, required: the column's type, which the shadow column is created with."),
    temp_column: identifier
      .optional()
      .describe('With `up`: the shadow column, renamed over the old one in contract (default: <column>_new).'),
    ...carried,
    backfill: backfillOptionsSchema
      .optional()
      .describe('With `up`: key, batch and throttle settings for filling the shadow column.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.up === undefined) return refuseShadowFieldsWithout(spec, ctx, 'up', 'set_not_null');
    if (spec.check_name !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['check_name'],
        message: `check_name names the CHECK of the in-place recipe; with \`up\` the shadow column's CHECK is ${tempOf(spec)}_not_null`,
        params: { hint: 'remove check_name' },
      });
    if (spec.type === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `missing \`type\`: with \`up\`, the type of ${spec.column}, which the shadow column is created with`,
        params: { hint: 'state it (e.g. type: text, as \\d <table> shows it)' },
      });
    if (tempOf(spec) === spec.column)
      ctx.addIssue({
        code: 'custom',
        path: ['temp_column'],
        message: `temp_column is ${spec.column}, the column itself`,
        params: { hint: 'pick a free name, or leave temp_column out' },
      });
    reportSyncProblem(ctx, (d) => syncOf(spec, d), { forward: ['up'], reverse: ['down'] });
    refuseVolatileUp(ctx, spec.up, ['up']);
  });

export type SetNotNullSpec = z.output<typeof setNotNullSchema>;

const tempOf = (spec: Pick<SetNotNullSpec, 'column' | 'temp_column'>): string =>
  spec.temp_column ?? boundedName(spec.column, 'new');

const targetOf = (spec: SetNotNullSpec): NotNullTarget => ({
  table: spec.table,
  column: spec.column,
  check: spec.check_name ?? boundedName(spec.column, 'not_null'),
});

function syncOf(spec: Pick<SetNotNullSpec, 'table' | 'column' | 'temp_column' | 'up' | 'down'>, d: Dialect): SyncSpec {
  const temp = tempOf(spec);
  const sync: SyncSpec = { table: spec.table, from: spec.column, to: temp, reverse: spec.down ?? d.ident(temp) };
  if (spec.up !== undefined) sync.forward = spec.up;
  return sync;
}

const columnsOf = (spec: SetNotNullSpec): CarryColumns => ({
  old: spec.column,
  building: tempOf(spec),
  final: spec.column,
});

/** The spec the shadow recipe reads: the shadow column is NOT NULL, and is filled with up(row). */
const shadowSpecOf = (spec: SetNotNullSpec) => ({
  ...spec,
  not_null: true,
  backfill: spec.backfill ?? backfillOptionsSchema.parse({}),
});

function swapStep(spec: SetNotNullSpec, ctx: OperationContext): SqlStep {
  const trigger = syncNames(syncOf(spec, ctx.dialect)).trigger;
  return sameTypeSwapStep(spec, ctx, { name: tempOf(spec), trigger, nullable: false });
}

function shadowOf(spec: SetNotNullSpec, ctx: OperationContext): ShadowColumn {
  const d = ctx.dialect;
  const up = spec.up as string;
  return {
    spec: shadowSpecOf(spec),
    columns: columnsOf(spec),
    type: spec.type as string,
    sync: syncOf(spec, d),
    value: up,
    ...bothWaysFill(d, { from: spec.column, to: tempOf(spec), up, down: spec.down ?? d.ident(tempOf(spec)) }),
    gate: {
      id: `${ctx.id}/deploy`,
      summary: `the application must not write NULL into ${spec.table}.${spec.column}`,
      confirm:
        `Deploy the application version that never writes NULL into ${spec.column} (it becomes NOT NULL at ` +
        `contract), then continue`,
    },
    swap: swapStep(spec, ctx),
  };
}

function inPlaceSteps(spec: SetNotNullSpec, ctx: OperationContext): SqlStep[] {
  const { table, column, check } = targetOf(spec);
  // A column already NOT NULL before the plan makes the first step's probe true: it is then not this plan's doing.
  return notNullRecipe(ctx, targetOf(spec), {
    addCheck: { id: ctx.id, summary: `add check ${check} on ${table} (${ctx.dialect.wording.unvalidated})` },
    validate: { id: `${ctx.id}/validate`, summary: `validate constraint ${check} on ${table}` },
    setNotNull: {
      id: `${ctx.id}/set-not-null`,
      summary: ctx.dialect.wording.setNotNull(table, column, check),
    },
    dropCheck: { id: `${ctx.id}/drop-check`, summary: `drop constraint ${check} from ${table}` },
  });
}

export const setNotNull = defineOperation<SetNotNullSpec>({
  kind: 'set_not_null',
  description:
    'Make a column NOT NULL without a long lock: CHECK NOT VALID, VALIDATE, SET NOT NULL (PostgreSQL 12+ skips the ' +
    'scan), drop the CHECK. With `up`, the old application version may keep writing NULLs until contract: a NOT ' +
    'NULL shadow column is kept at up(row) by trigger, backfilled, and swapped in at contract.',
  schema: setNotNullSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  phasesOf: (spec) => (spec.up === undefined ? ['expand', 'migrate', 'contract'] : ['expand']),
  target: (spec) => `${spec.table}.${spec.column}`,
  adoptRefusal: (spec) =>
    spec.up === undefined
      ? undefined
      : {
          reason: `its sync trigger and backfill write ${tempOf(spec)}: an existing column of that name would be overwritten`,
          hint: `remove \`if_exists: adopt\`, or pick another temp_column`,
        },
  forward: (spec, ctx) =>
    spec.up === undefined ? inPlaceSteps(spec, ctx) : shadowColumnSteps(shadowOf(spec, ctx), ctx),
  inverse(spec, ctx) {
    if (spec.up !== undefined)
      return shadowColumnInverse(
        { spec: shadowSpecOf(spec), columns: columnsOf(spec), sync: syncOf(spec, ctx.dialect) },
        ctx,
      );
    const { table, column, check } = targetOf(spec);
    const dropNotNull = actionStep(ctx, {
      id: `${ctx.id}/undo`,
      summary: `drop NOT NULL from ${table}.${column}`,
      action: { kind: 'drop-not-null', table, column },
      undoes: `${ctx.id}/set-not-null`,
    });
    const dropCheck = actionStep(ctx, {
      id: `${ctx.id}/undo-check`,
      summary: `drop constraint ${check} from ${table}`,
      action: { kind: 'drop-not-null-check', table, check },
      undoes: ctx.id,
    });
    return { steps: [dropNotNull, dropCheck] };
  },
});
