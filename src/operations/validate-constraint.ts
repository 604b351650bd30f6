import { z } from 'zod';
import { identifier, qualifiedName } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { defineOperation, type OperationContext, type SqlStep } from './types.js';

export const validateConstraintSchema = z
  .object({
    table: qualifiedName,
    name: identifier.describe('A constraint added NOT VALID (check or foreign key).'),
  })
  .strict();

export type ValidateConstraintSpec = z.output<typeof validateConstraintSchema>;

/**
 * Checks the existing rows without blocking reads or writes. `also` lists tables the check reads
 * besides (a foreign key's referenced table), locked more weakly.
 */
export function validateConstraintStep(
  table: string,
  name: string,
  ctx: OperationContext,
  id: string,
  also: string[] = [],
): SqlStep {
  const extra = also.filter((t) => t !== table);
  return actionStep(ctx, {
    id,
    summary: `validate constraint ${name} on ${table}${extra.length ? ` (also reads ${extra.join(', ')})` : ''}`,
    action: { kind: 'validate-constraint', table, name, alsoReads: extra },
    effect: { does: 'change', object: { kind: 'constraint', table, name } },
  });
}

export const validateConstraint = defineOperation<ValidateConstraintSpec>({
  kind: 'validate_constraint',
  description: 'Check the existing rows against a constraint added NOT VALID, without blocking reads or writes.',
  schema: validateConstraintSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => `${spec.table}.${spec.name}`,
  forward: (spec, ctx) => [validateConstraintStep(spec.table, spec.name, ctx, ctx.id)],
  inverse: () => ({ steps: [] }),
});
