/**
 * drop_column. Without `down`: the column goes (contract, or wherever it is listed). With `down`
 * (listed under expand): a trigger fills the column with down(row) whenever a write leaves it
 * unwritten, so the new application version, which no longer writes it, never breaks the old one
 * (a NOT NULL without default on the column) and a rollback finds it consistent; contract drops
 * the trigger, its function and the column in one transaction.
 */
import { z } from 'zod';
import { activeSqlParser, identifier, qualifiedName, sqlExpression } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import {
  installSyncSteps,
  qualifiedLike,
  removeSyncSteps,
  reportSyncProblem,
  syncNames,
  type SyncSpec,
} from './sync-trigger.js';
import { defineOperation, type OperationContext, type SqlStep, type Step } from './types.js';

export const dropColumnSchema = z
  .object({
    table: qualifiedName,
    column: identifier,
    cascade: z.boolean().default(false).describe('Also drop what depends on the column (views, constraints, indexes).'),
    down: sqlExpression
      .optional()
      .describe(
        'SQL giving the column its value for rows the new application version (which no longer writes it) writes, ' +
          'over any columns of the row by bare name. With it the drop spans the change: listed under expand, a ' +
          'trigger fills the column until contract drops it.',
      ),
    default: sqlExpression
      .optional()
      .describe(
        "With `down`: the column's DEFAULT as the catalog shows it (stable or immutable), if it has one: an INSERT " +
          'that leaves the column at it counts as not writing it.',
      ),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.down === undefined) {
      if (spec.default !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['default'],
          message:
            '`default` tells the trigger of `down` which INSERT left the column out: without `down` it means nothing',
          params: { hint: 'remove `default`, or give `down`' },
        });
      return;
    }
    refuseVolatileDefault(spec.default, ctx);
    reportSyncProblem(ctx, syncOf(spec), { forward: ['down'], reverse: ['down'], toDefault: ['default'] });
  });

export type DropColumnSpec = z.output<typeof dropColumnSchema>;

/** A default compared in the trigger must give the same value there as when the INSERT applied it. */
export function refuseVolatileDefault(expression: string | undefined, ctx: z.RefinementCtx, path = ['default']): void {
  if (expression === undefined) return;
  const parser = activeSqlParser();
  const v = parser.volatility(expression);
  const unknown = v.volatile ? [] : parser.unknownCalls(expression);
  if (!v.volatile && unknown.length === 0) return;
  ctx.addIssue({
    code: 'custom',
    path,
    message: v.volatile
      ? `default \`${expression}\` calls ${v.fn}(), which is volatile: the trigger cannot tell a value it gave from ` +
        'one the application wrote'
      : `default \`${expression}\` calls functions whose volatility only the database knows: the trigger compares ` +
        'with it only when it is stable or immutable',
    params: {
      hint:
        'a column whose default changes per row (nextval, random(), clock_timestamp()) cannot be told apart by its ' +
        'value: drop that default before the plan, or drop the column without `down`',
    },
  });
}

function syncOf(spec: Pick<DropColumnSpec, 'table' | 'column' | 'down' | 'default'>): SyncSpec {
  const sync: SyncSpec = { table: spec.table, to: spec.column, forward: spec.down as string };
  if (spec.default !== undefined) sync.toDefault = spec.default;
  return sync;
}

function dropStep(spec: DropColumnSpec, ctx: OperationContext, phase = ctx.phase): SqlStep {
  return actionStep(ctx, {
    id: ctx.id,
    phase,
    summary: `drop column ${spec.table}.${spec.column}${spec.cascade ? ' (cascade)' : ''}`,
    action: { kind: 'drop-column', table: spec.table, column: spec.column, cascade: spec.cascade },
    effect: { does: 'remove', object: { kind: 'column', table: spec.table, name: spec.column } },
  });
}

/** Expand: the filling trigger. Contract: trigger, function and column in one transaction. */
function withDownSteps(spec: DropColumnSpec, ctx: OperationContext): Step[] {
  const sync = syncOf(spec);
  const { trigger, fn } = syncNames(sync);
  const drop = actionStep(ctx, {
    id: `${ctx.id}/drop-column`,
    phase: 'contract',
    summary: `remove the fill trigger ${trigger} and drop column ${spec.table}.${spec.column}${spec.cascade ? ' (cascade)' : ''}`,
    action: {
      kind: 'drop-synced-column',
      table: spec.table,
      column: spec.column,
      trigger,
      function: qualifiedLike(spec.table, fn),
      cascade: spec.cascade,
    },
    effect: { does: 'remove', object: { kind: 'column', table: spec.table, name: spec.column } },
  });
  return [...installSyncSteps(ctx.dialect, sync, ctx.id, 'expand'), drop];
}

export const dropColumn = defineOperation<DropColumnSpec>({
  kind: 'drop_column',
  description:
    'Drop a column once no application reads or writes it (contract only); its data is gone for good. With `down`, ' +
    'listed under expand: a trigger fills the column with down(row) for writes that leave it out, until contract ' +
    'drops it.',
  schema: dropColumnSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  phasesOf: (spec) => (spec.down === undefined ? ['expand', 'migrate', 'contract'] : ['expand']),
  target: (spec) => `${spec.table}.${spec.column}`,
  forward: (spec, ctx) => (spec.down === undefined ? [dropStep(spec, ctx)] : withDownSteps(spec, ctx)),
  inverse: (spec, ctx) =>
    spec.down === undefined
      ? {
          irreversible:
            `dropping ${spec.table}.${spec.column} cannot be undone: the column's data is gone; restore it from a ` +
            `backup, or add a new column and backfill it in a later plan`,
        }
      : { steps: removeSyncSteps(ctx.dialect, syncOf(spec), `${ctx.id}/undo`, ctx.phase, ctx.id) },
});
