import { z } from 'zod';
import type { Dialect } from '../dialects/dialect.js';
import { identifier, qualifiedName, sqlExpression, sqlType, activeSqlParser } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { backfillOptionsSchema } from './backfill.js';
import { carryFields, swapCarryOf, type CarryColumns } from './carry.js';
import { bothWaysFill, shadowColumnInverse, shadowColumnSteps, type ShadowColumn } from './shadow-column.js';
import { boundedName, refuseVolatileUp, reportSyncProblem, syncNames, type SyncSpec } from './sync-trigger.js';
import { defineOperation, type OperationContext, type SqlStep } from './types.js';

export const changeTypeSchema = z
  .object({
    table: qualifiedName,
    column: identifier,
    type: sqlType.describe('The new type.'),
    up: sqlExpression
      .optional()
      .describe(
        'SQL converting a row the old application version wrote to the new type, over any columns of the row by bare ' +
          'name (default: <column>::<type>). `using` is the same field.',
      ),
    down: sqlExpression
      .optional()
      .describe(
        'SQL converting a row the new application version wrote back for old readers, over the temp column and any ' +
          'other columns (e.g. code_new cast back to the old type); makes the sync both ways. It should invert `up`: ' +
          'backfilled rows get down(up(old)) in the old column. `reverse_using` is the same field.',
      ),
    using: sqlExpression.optional().describe('The same as `up` (its former name).'),
    reverse_using: sqlExpression.optional().describe('The same as `down` (its former name).'),
    temp_column: identifier
      .optional()
      .describe('The column built beside the old one and renamed over it in contract (default: <column>_new).'),
    ...carryFields,
    backfill: backfillOptionsSchema
      .prefault({})
      .describe('key, batch and throttle settings for converting existing rows.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const temp = tempOf(spec);
    if (temp === spec.column)
      ctx.addIssue({
        code: 'custom',
        path: ['temp_column'],
        message: `temp_column is ${temp}, the column itself`,
        params: { hint: 'pick a free name, or leave temp_column out' },
      });
    refuseBothNames(spec, ctx);
    const down = downOf(spec);
    const downKey = spec.down === undefined ? 'reverse_using' : 'down';
    if (down !== undefined && activeSqlParser().readsColumn(down, temp) === false) {
      ctx.addIssue({
        code: 'custom',
        path: [downKey],
        message: `${downKey} does not read ${temp}, the column that holds the new value until contract`,
        params: { hint: `write it over ${temp}, e.g. ${downKey}: "${temp}::<old type>"` },
      });
    }
    const upKey = spec.up === undefined ? 'using' : 'up';
    reportSyncProblem(ctx, (d) => syncOf(spec, d), { forward: [upKey], reverse: [downKey] });
    refuseVolatileUp(ctx, spec.up ?? spec.using, [upKey]);
  });

export type ChangeTypeSpec = z.output<typeof changeTypeSchema>;

type Names = Pick<ChangeTypeSpec, 'up' | 'down' | 'using' | 'reverse_using'>;

/** `up`/`down` are the names every composite operation uses; `using`/`reverse_using` stay accepted. */
function refuseBothNames(spec: Names, ctx: z.RefinementCtx): void {
  for (const [name, alias] of [
    ['up', 'using'],
    ['down', 'reverse_using'],
  ] as const) {
    if (spec[name] === undefined || spec[alias] === undefined) continue;
    ctx.addIssue({
      code: 'custom',
      path: [alias],
      message: `\`${name}\` and \`${alias}\` are the same field (${alias} is its former name): give one`,
      params: { hint: `remove \`${alias}\`` },
    });
  }
}

const downOf = (spec: Names): string | undefined => spec.down ?? spec.reverse_using;

export function tempOf(spec: { column: string; temp_column?: string | undefined }): string {
  return spec.temp_column ?? boundedName(spec.column, 'new');
}

const columnsOf = (spec: ChangeTypeSpec): CarryColumns => ({
  old: spec.column,
  building: tempOf(spec),
  final: spec.column,
});

const usingOf = (spec: ChangeTypeSpec, d: Dialect): string =>
  spec.up ?? spec.using ?? d.expressions.cast(d.ident(spec.column), spec.type);

function syncOf(spec: ChangeTypeSpec, d: Dialect): SyncSpec {
  const sync: SyncSpec = { table: spec.table, from: spec.column, to: tempOf(spec), forward: usingOf(spec, d) };
  const down = downOf(spec);
  if (down !== undefined) sync.reverse = down;
  return sync;
}

/** One short ACCESS EXCLUSIVE transaction: no writer ever sees the table without the column. */
function swapStep(spec: ChangeTypeSpec, ctx: OperationContext): SqlStep {
  const temp = tempOf(spec);
  const trigger = syncNames(syncOf(spec, ctx.dialect)).trigger;
  return actionStep(ctx, {
    id: `${ctx.id}/swap`,
    phase: 'contract',
    summary: `swap ${spec.table}.${temp} in for ${spec.column} (drop sync trigger, drop old column, rename)`,
    action: {
      kind: 'swap-in-column',
      table: spec.table,
      trigger,
      old: spec.column,
      replacement: temp,
      type: spec.type,
      carry: swapCarryOf(spec),
    },
    effect: { does: 'change', object: { kind: 'column', table: spec.table, name: spec.column, type: spec.type } },
  });
}

function shadowOf(spec: ChangeTypeSpec, ctx: OperationContext): ShadowColumn {
  const d = ctx.dialect;
  const temp = tempOf(spec);
  return {
    spec,
    columns: columnsOf(spec),
    type: spec.type,
    sync: syncOf(spec, d),
    value: usingOf(spec, d),
    ...(downOf(spec) === undefined
      ? { differs: d.expressions.distinct(d.ident(temp), `(${usingOf(spec, d)})`) }
      : bothWaysFill(d, { from: spec.column, to: temp, up: usingOf(spec, d), down: downOf(spec) as string })),
    gate: {
      id: `${ctx.id}/deploy`,
      summary: `the application must accept ${spec.table}.${spec.column} as ${spec.type}`,
      confirm:
        `Deploy the application version that works with ${spec.column} as ${spec.type} (it becomes that type at ` +
        `contract), then continue`,
    },
    swap: swapStep(spec, ctx),
  };
}

export const changeType = defineOperation<ChangeTypeSpec>({
  kind: 'change_type',
  description:
    "Change a column's type without rewriting the table under lock: expand adds a temp column of the new type kept " +
    'in step by trigger, migrate backfills and verifies it, contract swaps it in (drop old, rename) in one short ' +
    'transaction. NOT NULL, the default, CHECKs, foreign keys, indexes, comment and column grants are carried as ' +
    'the plan declares them (`schemashift new change-type --database` fills them in); run and validate ' +
    '--database refuse a plan that would lose one. Undoable until contract.',
  schema: changeTypeSchema,
  allowedPhases: ['expand'],
  target: (spec) => `${spec.table}.${spec.column}`,
  adoptRefusal: (spec) => ({
    reason:
      `change_type fills and syncs a temp column of its own (${tempOf(spec)}) and swaps it in: an existing column of ` +
      `that name would be overwritten`,
    hint: `remove \`if_exists: adopt\`; if ${tempOf(spec)} is left over from an earlier attempt by hand, drop it first`,
  }),
  forward: (spec, ctx) => shadowColumnSteps(shadowOf(spec, ctx), ctx),
  inverse: (spec, ctx) => shadowColumnInverse({ spec, columns: columnsOf(spec), sync: syncOf(spec, ctx.dialect) }, ctx),
});
