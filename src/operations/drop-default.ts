import { z } from 'zod';
import { identifier, qualifiedName, sqlExpression } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { defineOperation } from './types.js';

export const dropDefaultSchema = z
  .object({
    table: qualifiedName,
    column: identifier,
    default: sqlExpression
      .optional()
      .describe(
        'The default being dropped, as a SQL expression. Checked in the step before the change (a different live ' +
          'default refuses the step); rollback puts it back. Absent: nothing is checked and rollback is refused.',
      ),
  })
  .strict();

export type DropDefaultSpec = z.output<typeof dropDefaultSchema>;

export const dropDefault = defineOperation<DropDefaultSpec>({
  kind: 'drop_default',
  description:
    'Drop a column default (ALTER COLUMN DROP DEFAULT): catalog only, ACCESS EXCLUSIVE for an instant; with ' +
    '`default`, refused when the live default is another, and undone by setting it again.',
  schema: dropDefaultSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => `${spec.table}.${spec.column}`,
  forward: (spec, ctx) => [
    actionStep(ctx, {
      id: ctx.id,
      summary: `drop default of ${spec.table}.${spec.column}`,
      action: {
        kind: 'set-column-default',
        table: spec.table,
        column: spec.column,
        default: null,
        ...(spec.default === undefined ? {} : { replaces: { value: spec.default, targetOk: false } }),
      },
      effect: { does: 'change', object: { kind: 'column', table: spec.table, name: spec.column } },
    }),
  ],
  inverse(spec, ctx) {
    if (spec.default === undefined) {
      return {
        irreversible:
          `the plan does not say which default of ${spec.table}.${spec.column} it drops, so a rollback cannot put ` +
          `it back: add \`default: <the default being dropped>\` to the step`,
      };
    }
    const action = {
      kind: 'set-column-default',
      table: spec.table,
      column: spec.column,
      default: spec.default,
      replaces: { value: null, targetOk: true },
    } as const;
    const summary = `set default of ${spec.table}.${spec.column} back to ${spec.default}`;
    return { steps: [actionStep(ctx, { id: `${ctx.id}/undo`, summary, action, undoes: ctx.id })] };
  },
});
