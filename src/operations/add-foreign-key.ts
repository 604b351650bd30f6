import { z } from 'zod';
import { REFERENTIAL_ACTIONS, type AddForeignKeyUncheckedAction } from '../dialects/actions-table.js';
import { identifier, qualifiedName } from '../plan/primitives.js';
import { dropConstraintStep } from './add-check.js';
import { actionStep } from './action-step.js';
import { foreignKeyThroughCopy, throughCopyInverse } from './constraint-shadow.js';
import { constraintShadowFields, refineConstraintShadow, throughCopyForm } from './constraint-shadow-fields.js';
import { checkDeferrable, deferrableFields, deferrableOf } from './index-options.js';
import { defineOperation, type OperationContext, type SqlStep, type Step } from './types.js';
import { validateConstraintStep } from './validate-constraint.js';

export { REFERENTIAL_ACTIONS };

const referentialAction = z.union([
  z.enum(REFERENTIAL_ACTIONS),
  z
    .object({
      action: z.enum(['set_null', 'set_default']).describe('What a delete or update of the referenced row does.'),
      columns: z
        .array(identifier)
        .min(1)
        .describe('Only these referencing columns are set (PostgreSQL 15+), e.g. [author_id] of (tenant, author_id).'),
    })
    .strict(),
]);

type ReferentialSpec = z.output<typeof referentialAction>;
const actionOf = (r: ReferentialSpec | undefined) => (typeof r === 'object' ? r.action : r);

export const addForeignKeySchema = z
  .object({
    table: qualifiedName.describe('The referencing table.'),
    name: identifier.describe('The constraint name.'),
    columns: z.array(identifier).min(1).describe('Referencing columns, in order.'),
    references: z
      .object({
        table: qualifiedName.describe('The referenced table.'),
        columns: z
          .array(identifier)
          .min(1)
          .describe('Referenced columns (a primary key or unique constraint), in the same order.'),
      })
      .strict()
      .describe('The referenced table and columns.'),
    on_delete: referentialAction
      .optional()
      .describe(
        'no_action (default), restrict, cascade, set_null, set_default, or { action: set_null, columns: [..] }.',
      ),
    on_update: referentialAction.optional().describe('no_action (default), restrict, cascade, set_null, set_default.'),
    match: z
      .enum(['simple', 'full', 'partial'])
      .optional()
      .describe('simple (default: a row with any NULL key column is not checked) or full (all NULL or none).'),
    ...deferrableFields,
    validate: z
      .boolean()
      .default(true)
      .describe(
        'Validate existing rows in a second step (default). false leaves the constraint NOT VALID (new rows are ' +
          'still checked).',
      ),
    ...constraintShadowFields,
  })
  .strict()
  .superRefine((spec, ctx) => {
    refineConstraintShadow(spec, ctx, { columns: spec.columns });
    checkDeferrable(spec, ctx);
    optionIssues(spec).forEach((issue) => ctx.addIssue(issue));
    if (spec.columns.length !== spec.references.columns.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['references', 'columns'],
        message:
          `the foreign key lists ${spec.columns.length} column(s) but ` +
          `references ${spec.references.columns.length}`,
        params: {
          hint:
            `give references.columns one column per entry of columns, in the same order (columns: ` +
            `[${spec.columns.join(', ')}])`,
        },
      });
    }
  });

export type AddForeignKeySpec = z.output<typeof addForeignKeySchema>;

type Issue = { code: 'custom'; path: (string | number)[]; message: string; params: { hint: string } };

/** What PostgreSQL refuses among the options, said at load time. */
function optionIssues(spec: Pick<AddForeignKeySpec, 'columns' | 'on_delete' | 'on_update' | 'match'>): Issue[] {
  const out: Issue[] = [];
  const issue = (path: (string | number)[], message: string, hint: string) =>
    out.push({ code: 'custom', path, message, params: { hint } });
  if (spec.match === 'partial')
    issue(['match'], 'MATCH PARTIAL is not implemented by PostgreSQL', 'use match: simple (the default) or full');
  if (typeof spec.on_update === 'object')
    issue(
      ['on_update'],
      'a column list with SET NULL / SET DEFAULT is only supported for ON DELETE: PostgreSQL refuses it on ON UPDATE',
      `write on_update: ${spec.on_update.action} (every key column is set)`,
    );
  const onDelete = spec.on_delete;
  if (typeof onDelete === 'object') {
    const what = onDelete.action.replace('_', ' ').toUpperCase();
    onDelete.columns.forEach((c, i) => {
      if (!spec.columns.includes(c))
        issue(
          ['on_delete', 'columns', i],
          `${c} is not a column of this foreign key: ON DELETE ${what} can ` + `only set the key's own columns`,
          `list some of: ${spec.columns.join(', ')}`,
        );
    });
  }
  return out;
}

/** New rows are checked at once, existing rows only by the validate step; both tables are locked briefly. */
function addStep(spec: AddForeignKeySpec, ctx: OperationContext): SqlStep {
  const { table, name, columns, references } = spec;
  const action: AddForeignKeyUncheckedAction = { kind: 'add-foreign-key-unchecked', table, name, columns, references };
  const onDelete = actionOf(spec.on_delete) ?? 'no_action';
  const onUpdate = actionOf(spec.on_update) ?? 'no_action';
  const onDeleteColumns = typeof spec.on_delete === 'object' ? spec.on_delete.columns : undefined;
  const deferrable = deferrableOf(spec);
  if (spec.on_delete) action.onDelete = onDelete;
  if (onDeleteColumns) action.onDeleteColumns = onDeleteColumns;
  if (spec.on_update) action.onUpdate = onUpdate;
  if (spec.match === 'full') action.match = 'full';
  if (deferrable) action.deferrable = deferrable;
  return actionStep(ctx, {
    id: ctx.id,
    summary: `add foreign key ${name} on ${table} → ${references.table} (${ctx.dialect.wording.unvalidated})`,
    action,
    effect: {
      does: 'create',
      object: {
        kind: 'constraint',
        table,
        name,
        type: 'foreign key',
        columns,
        references: {
          ...references,
          onDelete,
          onUpdate,
          match: spec.match === 'full' ? 'full' : 'simple',
          ...(onDeleteColumns ? { onDeleteColumns } : {}),
        },
        validated: spec.validate,
        ...(deferrable ? { deferrable } : {}),
      },
    },
  });
}

const inPlace = defineOperation<AddForeignKeySpec>({
  kind: 'add_foreign_key',
  description:
    'Add a foreign key NOT VALID (brief lock on both tables, no scan), then VALIDATE it without blocking writes.',
  schema: addForeignKeySchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => `${spec.table}.${spec.name}`,
  forward(spec, ctx) {
    const steps: Step[] = [addStep(spec, ctx)];
    if (spec.validate) {
      // The referenced table is only read (locked more weakly); the step shape carries the strongest level.
      steps.push(validateConstraintStep(spec.table, spec.name, ctx, `${ctx.id}/validate`, [spec.references.table]));
    }
    return steps;
  },
  inverse: (spec, ctx) => ({
    steps: [
      { ...dropConstraintStep(spec.table, spec.name, ctx, `${ctx.id}/undo`, [spec.references.table]), undoes: ctx.id },
    ],
  }),
});

/** With `column` + `up` the constraint goes on a copy of the column (constraint-shadow.ts). */
export const addForeignKey = throughCopyForm(inPlace, { forward: foreignKeyThroughCopy, inverse: throughCopyInverse });
