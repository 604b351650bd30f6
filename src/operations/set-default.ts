import { z } from 'zod';
import { identifier, qualifiedName, sqlExpression } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { defineOperation, type DbObject } from './types.js';

export const setDefaultSchema = z
  .object({
    table: qualifiedName,
    column: identifier,
    default: sqlExpression.describe(
      'The new default, a SQL expression. Only new rows get it (no rewrite), so a volatile one such as now() is fine.',
    ),
    previous: sqlExpression
      .nullable()
      .optional()
      .describe(
        'The default the column has before this plan (null: none). Checked in the step before the change (a ' +
          'different live default refuses the step); rollback puts it back. Absent: nothing is checked and rollback ' +
          'is refused.',
      ),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.default.trim().toUpperCase() === 'NULL') {
      ctx.addIssue({
        code: 'custom',
        path: ['default'],
        message: 'SET DEFAULT NULL removes the default',
        params: { hint: 'use drop_default: { table, column, default: <the default being dropped> }' },
      });
    }
    if (spec.previous?.trim() !== spec.default.trim()) return;
    ctx.addIssue({
      code: 'custom',
      path: ['previous'],
      message: `\`previous\` is \`default\` itself: the step would change nothing`,
      params: { hint: 'write the default the column has now as `previous`, or remove the step' },
    });
  });

export type SetDefaultSpec = z.output<typeof setDefaultSchema>;

const columnOf = (spec: SetDefaultSpec, dflt?: string): DbObject => ({
  kind: 'column',
  table: spec.table,
  name: spec.column,
  ...(dflt === undefined ? {} : { default: dflt }),
});

export const setDefault = defineOperation<SetDefaultSpec>({
  kind: 'set_default',
  description:
    'Set a column default (ALTER COLUMN SET DEFAULT): catalog only, ACCESS EXCLUSIVE for an instant; with ' +
    '`previous`, refused when the live default is another, and undone by putting `previous` back.',
  schema: setDefaultSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => `${spec.table}.${spec.column}`,
  forward: (spec, ctx) => [
    actionStep(ctx, {
      id: ctx.id,
      summary: `set default of ${spec.table}.${spec.column} to ${spec.default}`,
      action: {
        kind: 'set-column-default',
        table: spec.table,
        column: spec.column,
        default: spec.default,
        ...(spec.previous === undefined ? {} : { replaces: { value: spec.previous, targetOk: false } }),
      },
      effect: { does: 'change', object: columnOf(spec, spec.default) },
    }),
  ],
  inverse(spec, ctx) {
    const previous = spec.previous;
    if (previous === undefined) {
      return {
        irreversible:
          `the plan does not say what default ${spec.table}.${spec.column} had before, so a rollback cannot put it ` +
          `back: add \`previous: <the default before>\` (or \`previous: null\` when it had none) to the step`,
      };
    }
    const summary =
      previous === null
        ? `drop default of ${spec.table}.${spec.column} (it had none)`
        : `set default of ${spec.table}.${spec.column} back to ${previous}`;
    const action = {
      kind: 'set-column-default',
      table: spec.table,
      column: spec.column,
      default: previous,
      replaces: { value: spec.default, targetOk: true },
    } as const;
    return { steps: [actionStep(ctx, { id: `${ctx.id}/undo`, summary, action, undoes: ctx.id })] };
  },
});
