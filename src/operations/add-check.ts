import { z } from 'zod';
import { identifier, qualifiedName, sqlCondition } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { checkThroughCopy, throughCopyInverse } from './constraint-shadow.js';
import { constraintShadowFields, refineConstraintShadow, throughCopyForm } from './constraint-shadow-fields.js';
import { defineOperation, type DbObject, type OperationContext, type SqlStep, type Step } from './types.js';
import { validateConstraintStep } from './validate-constraint.js';

export const addCheckSchema = z
  .object({
    table: qualifiedName,
    name: identifier.describe('The constraint name.'),
    expression: sqlCondition.describe('The condition every row must meet, e.g. amount >= 0.'),
    validate: z
      .boolean()
      .default(true)
      .describe(
        'Validate existing rows in a second step (default). false leaves the constraint NOT VALID (new rows are ' +
          'still checked).',
      ),
    ...constraintShadowFields,
    no_inherit: z
      .boolean()
      .optional()
      .describe('NO INHERIT: the check holds on this table only, not on tables that inherit from it.'),
  })
  .strict()
  .superRefine((spec, ctx) => refineConstraintShadow(spec, ctx, { expression: spec.expression }));

export type AddCheckSpec = z.output<typeof addCheckSchema>;

/** New rows are checked at once; existing rows only by a later validate step (a brief lock, no scan). */
export function addCheckStep(
  table: string,
  name: string,
  expression: string,
  ctx: OperationContext,
  id: string,
  validated?: boolean,
  noInherit = false,
): SqlStep {
  const object: DbObject = { kind: 'constraint', table, name, type: 'check', expression, noInherit };
  if (validated !== undefined) object.validated = validated;
  return actionStep(ctx, {
    id,
    summary: `add check ${name} on ${table}${noInherit ? ' NO INHERIT' : ''} (${ctx.dialect.wording.unvalidated})`,
    action: { kind: 'add-check-unchecked', table, name, expression, ...(noInherit ? { noInherit } : {}) },
    effect: { does: 'create', object },
  });
}

/** `also`: other tables the constraint involves (a foreign key's referenced table), locked as strongly. */
export function dropConstraintStep(
  table: string,
  name: string,
  ctx: OperationContext,
  id: string,
  also: string[] = [],
): SqlStep {
  return actionStep(ctx, {
    id,
    summary: `drop constraint ${name} from ${table}`,
    action: { kind: 'drop-constraint', table, name, alsoLocks: also },
  });
}

const inPlace = defineOperation<AddCheckSpec>({
  kind: 'add_check',
  description: 'Add a CHECK constraint NOT VALID (brief lock, no scan), then VALIDATE it without blocking writes.',
  schema: addCheckSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => `${spec.table}.${spec.name}`,
  forward(spec, ctx) {
    const steps: Step[] = [
      addCheckStep(spec.table, spec.name, spec.expression, ctx, ctx.id, spec.validate, spec.no_inherit === true),
    ];
    if (spec.validate) steps.push(validateConstraintStep(spec.table, spec.name, ctx, `${ctx.id}/validate`));
    return steps;
  },
  inverse: (spec, ctx) => ({
    steps: [{ ...dropConstraintStep(spec.table, spec.name, ctx, `${ctx.id}/undo`), undoes: ctx.id }],
  }),
});

/** With `column` + `up` the constraint goes on a copy of the column (constraint-shadow.ts). */
export const addCheck = throughCopyForm(inPlace, { forward: checkThroughCopy, inverse: throughCopyInverse });
