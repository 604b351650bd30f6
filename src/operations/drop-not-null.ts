/**
 * drop_not_null. Without `down`: in place (DROP NOT NULL is a catalog change); its inverse is the
 * NOT NULL recipe, which fails at VALIDATE if NULLs were written meanwhile. With `down` (pgroll's
 * way): the old column stays NOT NULL for the old application version; the new version writes a
 * nullable shadow column, and the sync trigger fills the old column with down(row) (e.g.
 * coalesce(x, 'n/a')); contract swaps the shadow in with everything carried but NOT NULL.
 */
import { z } from 'zod';
import type { Dialect } from '../dialects/dialect.js';
import { identifier, qualifiedName, sqlExpression, sqlType } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { backfillOptionsSchema } from './backfill.js';
import { carryFields, type CarryColumns } from './carry.js';
import { notNullRecipe } from './not-null-steps.js';
import { sameTypeSwapStep, shadowColumnInverse, shadowColumnSteps, type ShadowColumn } from './shadow-column.js';
import { refuseShadowFieldsWithout } from './shadow-fields.js';
import { boundedName, reportSyncProblem, syncNames, type SyncSpec } from './sync-trigger.js';
import { defineOperation, type Inverse, type OperationContext, type SqlStep } from './types.js';

// The NOT NULL is what this operation drops: the shadow column never gets it.
const { not_null: _notNull, ...carried } = carryFields;

export const dropNotNullSchema = z
  .object({
    table: qualifiedName,
    column: identifier,
    down: sqlExpression
      .optional()
      .describe(
        'SQL giving the old column a value for rows the new application version wrote, over any columns of the row ' +
          "by bare name (e.g. coalesce(description_new, 'n/a')). With it the old column stays NOT NULL until " +
          'contract for the old version; the new version writes a nullable shadow column (temp_column).',
      ),
    type: sqlType
      .optional()
      .describe("With `down`, required: the column's type, which the shadow column is created with."),
    temp_column: identifier
      .optional()
      .describe('With `down`: the shadow column, renamed over the old one in contract (default: <column>_new).'),
    ...carried,
    backfill: backfillOptionsSchema
      .optional()
      .describe('With `down`: key, batch and throttle settings for copying existing rows into the shadow column.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.down === undefined) return refuseShadowFieldsWithout(spec, ctx, 'down', 'drop_not_null');
    if (spec.type === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `missing \`type\`: with \`down\`, the type of ${spec.column}, which the shadow column is created with`,
        params: { hint: 'state it (e.g. type: text, as \\d <table> shows it)' },
      });
    if (tempOf(spec) === spec.column)
      ctx.addIssue({
        code: 'custom',
        path: ['temp_column'],
        message: `temp_column is ${spec.column}, the column itself`,
        params: { hint: 'pick a free name, or leave temp_column out' },
      });
    reportSyncProblem(ctx, (d) => syncOf(spec, d), { forward: ['column'], reverse: ['down'] });
  });

export type DropNotNullSpec = z.output<typeof dropNotNullSchema>;

const tempOf = (spec: Pick<DropNotNullSpec, 'column' | 'temp_column'>): string =>
  spec.temp_column ?? boundedName(spec.column, 'new');

const checkOf = (spec: DropNotNullSpec): string => boundedName(spec.column, 'not_null');

/** up = the old column as it is; down = `down`; the old column is NOT NULL: an INSERT leaving it NULL gets down(row). */
function syncOf(spec: Pick<DropNotNullSpec, 'table' | 'column' | 'temp_column' | 'down'>, d: Dialect): SyncSpec {
  const sync: SyncSpec = { table: spec.table, from: spec.column, to: tempOf(spec), forward: d.ident(spec.column) };
  if (spec.down !== undefined) sync.reverse = spec.down;
  sync.fromNotNull = true;
  return sync;
}

const columnsOf = (spec: DropNotNullSpec): CarryColumns => ({
  old: spec.column,
  building: tempOf(spec),
  final: spec.column,
});

const shadowSpecOf = (spec: DropNotNullSpec) => ({
  ...spec,
  not_null: false,
  backfill: spec.backfill ?? backfillOptionsSchema.parse({}),
});

function swapStep(spec: DropNotNullSpec, ctx: OperationContext): SqlStep {
  const trigger = syncNames(syncOf(spec, ctx.dialect)).trigger;
  return sameTypeSwapStep(spec, ctx, { name: tempOf(spec), trigger, nullable: true });
}

function shadowOf(spec: DropNotNullSpec, ctx: OperationContext): ShadowColumn {
  const d = ctx.dialect;
  const [column, temp] = [d.ident(spec.column), d.ident(tempOf(spec))];
  return {
    spec: shadowSpecOf(spec),
    columns: columnsOf(spec),
    type: spec.type as string,
    sync: syncOf(spec, d),
    value: column,
    // In expand, before the new version can write: every row then is the old version's, and a NULL the
    // new version writes later (the old column getting down(row)) is never taken for a row to fill.
    backfillPhase: 'expand',
    differs: d.expressions.distinct(temp, column),
    verify: `CASE WHEN ${d.expressions.notDistinct(column, `(${spec.down as string})`)} THEN ${temp} ELSE ${column} END`,
    gate: {
      id: `${ctx.id}/deploy`,
      summary: `the application may write NULL into ${spec.table}.${spec.column} after contract`,
      confirm:
        `Deploy the application version that works with ${spec.column} nullable (it becomes nullable at contract; ` +
        `until then it may write ${tempOf(spec)}), then continue`,
    },
    swap: swapStep(spec, ctx),
  };
}

function inPlaceStep(spec: DropNotNullSpec, ctx: OperationContext): SqlStep {
  const { table, column } = spec;
  return actionStep(ctx, {
    id: ctx.id,
    summary: `drop NOT NULL from ${table}.${column} (catalog only)`,
    action: { kind: 'drop-not-null', table, column },
    effect: { does: 'change', object: { kind: 'column', table, name: column, nullable: true } },
  });
}

/** The NOT NULL recipe again; VALIDATE fails (and the rollback stops there) if a NULL was written meanwhile. */
function inPlaceInverse(spec: DropNotNullSpec, ctx: OperationContext): Inverse {
  const { table, column } = spec;
  const check = checkOf(spec);
  const steps = notNullRecipe(
    ctx,
    { table, column, check },
    {
      addCheck: {
        id: `${ctx.id}/undo`,
        summary: `add check ${check} on ${table} (${ctx.dialect.wording.unvalidated})`,
      },
      validate: {
        id: `${ctx.id}/undo-validate`,
        summary: `validate ${check} on ${table} (fails if a NULL was written into ${column} since: update those rows first)`,
      },
      setNotNull: { id: `${ctx.id}/undo-set-not-null`, summary: `set ${table}.${column} NOT NULL again` },
      dropCheck: { id: `${ctx.id}/undo-drop-check`, summary: `drop constraint ${check} from ${table}` },
    },
  );
  return { steps: steps.map(({ effect: _effect, ...step }) => ({ ...step, undoes: ctx.id })) };
}

export const dropNotNull = defineOperation<DropNotNullSpec>({
  kind: 'drop_not_null',
  description:
    'Make a NOT NULL column nullable. Without `down`: in place (a catalog change under a brief ACCESS EXCLUSIVE ' +
    'lock). With `down`: the old column stays NOT NULL for the old application version, the new version writes a ' +
    'nullable shadow column, the sync trigger fills the old column with down(row); contract swaps the shadow in.',
  schema: dropNotNullSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  phasesOf: (spec) => (spec.down === undefined ? ['expand', 'migrate', 'contract'] : ['expand']),
  target: (spec) => `${spec.table}.${spec.column}`,
  adoptRefusal: (spec) =>
    spec.down === undefined
      ? undefined
      : {
          reason: `its sync trigger and backfill write ${tempOf(spec)}: an existing column of that name would be overwritten`,
          hint: `remove \`if_exists: adopt\`, or pick another temp_column`,
        },
  forward: (spec, ctx) =>
    spec.down === undefined ? [inPlaceStep(spec, ctx)] : shadowColumnSteps(shadowOf(spec, ctx), ctx),
  inverse: (spec, ctx) =>
    spec.down === undefined
      ? inPlaceInverse(spec, ctx)
      : shadowColumnInverse(
          { spec: shadowSpecOf(spec), columns: columnsOf(spec), sync: syncOf(spec, ctx.dialect) },
          ctx,
        ),
});
