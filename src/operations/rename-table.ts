import { z } from 'zod';
import { splitQualified } from '../dialects/dialect.js';
import { qualifiedName } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { defineOperation, type OperationContext, type Step } from './types.js';

export const renameTableSchema = z
  .object({
    from: qualifiedName.describe('The table as it is named today: orders or sales.orders.'),
    to: qualifiedName.describe(
      'Its new name, in the same schema (a rename cannot move a table to another schema): orders_v2.',
    ),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const from = splitQualified(spec.from);
    const to = splitQualified(spec.to);
    if (to.schema !== undefined && to.schema !== from.schema)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message:
          from.schema === undefined
            ? `\`to\` names schema ${to.schema} but \`from\` names none: the table keeps its schema`
            : `\`to\` is in schema ${to.schema}, \`from\` in ${from.schema}: a rename cannot move a table to another schema`,
        params: {
          hint: `write \`to: ${to.name}\` (it stays in the schema of ${spec.from}); moving a table to another schema takes a raw \`sql\` step (SET SCHEMA)`,
        },
      });
    if (to.name === from.name)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `\`from\` and \`to\` are both ${from.name}`,
        params: { hint: 'give the new name in `to`' },
      });
  })
  .transform((spec) => ({ from: spec.from, to: splitQualified(spec.to).name }));

export type RenameTableSpec = z.output<typeof renameTableSchema>;

/** The new name as the plan's statements write it: in the schema of `from`, qualified when `from` is. */
export function renamedName(spec: RenameTableSpec): string {
  const { schema } = splitQualified(spec.from);
  return schema === undefined ? spec.to : `${schema}.${spec.to}`;
}

function forwardSteps(spec: RenameTableSpec, ctx: OperationContext): Step[] {
  const names = { table: spec.from, to: spec.to };
  const to = renamedName(spec);
  return [
    actionStep(ctx, {
      id: ctx.id,
      summary: `rename table ${spec.from} to ${to}, leaving an updatable view ${spec.from} for the old application`,
      action: { kind: 'rename-table-behind-view', ...names },
      // Anything already holding the new name (a table, or somebody else's finished rename) is not this
      // plan's: the first attempt is refused, and a rollback never renames it away.
      effect: { does: 'create', object: { kind: 'table', name: to } },
    }),
    {
      id: `${ctx.id}/switch-name`,
      phase: 'migrate',
      kind: 'gate',
      summary: `switch the application to ${to}`,
      confirm:
        `Deploy the application version that uses ${to} (not ${spec.from}) everywhere, then continue: ` +
        `contract drops the view ${spec.from}`,
    },
    actionStep(ctx, {
      id: `${ctx.id}/drop-view`,
      phase: 'contract',
      summary: `drop the view ${spec.from} that kept the old name`,
      action: { kind: 'drop-old-name-view', ...names },
      effect: { does: 'remove', object: { kind: 'view', name: spec.from } },
    }),
  ];
}

export const renameTable = defineOperation<RenameTableSpec>({
  kind: 'rename_table',
  description:
    'Rename a table with no downtime: expand renames it and leaves an automatically updatable view under the old ' +
    'name (security_invoker, with the table’s grants), in one short transaction, so the old application version ' +
    'keeps reading and writing while the new one uses the new name; contract drops the view. Indexes, ' +
    'constraints, sequences, triggers, foreign keys and other views follow the table. Undoable until contract. ' +
    'Needs PostgreSQL 15 or later.',
  schema: renameTableSchema,
  allowedPhases: ['expand'],
  target: (spec) => spec.from,
  adoptRefusal: (spec) => ({
    reason:
      `contract drops the view ${spec.from}: a rename somebody else made is not this plan's to finish, and ` +
      `a rollback would leave it half undone`,
    hint: 'remove `if_exists: adopt`; if the table was already renamed by hand, drop the view by hand when ready',
  }),
  forward: forwardSteps,
  inverse: (spec, ctx) => ({
    steps: [
      actionStep(ctx, {
        id: `${ctx.id}/undo`,
        summary: `drop the view ${spec.from} and rename ${renamedName(spec)} back to ${spec.from}`,
        action: { kind: 'rename-table-back', table: spec.from, to: spec.to },
        undoes: ctx.id,
      }),
    ],
  }),
});
