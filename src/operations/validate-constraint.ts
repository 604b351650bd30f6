import { z } from 'zod';
import { identifier, qualifiedName } from '../plan/primitives.js';
import { constraintValidated } from './catalog-probes.js';
import { defineOperation, type OperationContext, type SqlStep } from './types.js';

export const validateConstraintSchema = z
  .object({
    table: qualifiedName,
    name: identifier.describe('A constraint added NOT VALID (check or foreign key).'),
  })
  .strict();

export type ValidateConstraintSpec = z.output<typeof validateConstraintSchema>;

/**
 * VALIDATE CONSTRAINT scans the table under SHARE UPDATE EXCLUSIVE, which lets reads and writes
 * go on. `also` lists tables locked more weakly besides (a foreign key's referenced table: ROW SHARE).
 */
export function validateConstraintStep(table: string, name: string, ctx: OperationContext, id: string, also: string[] = []): SqlStep {
  const d = ctx.dialect;
  const extra = also.filter((t) => t !== table);
  return {
    id,
    phase: ctx.phase,
    kind: 'sql',
    summary: `validate constraint ${name} on ${table}${extra.length ? ` (ROW SHARE on ${extra.join(', ')})` : ''}`,
    sql: `ALTER TABLE ${d.qualified(table)} VALIDATE CONSTRAINT ${d.ident(name)}`,
    lock: { level: 'SHARE UPDATE EXCLUSIVE', on: [table, ...extra] },
    transactional: true,
    probe: constraintValidated(d, table, name),
    effect: { does: 'change', object: { kind: 'constraint', table, name } },
  };
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
