import { z } from 'zod';
import { identifier, qualifiedName, sqlCondition } from '../plan/primitives.js';
import { constraintAbsent, constraintExists } from './catalog-probes.js';
import { defineOperation, type OperationContext, type SqlStep, type Step } from './types.js';
import { validateConstraintStep } from './validate-constraint.js';

export const addCheckSchema = z
  .object({
    table: qualifiedName,
    name: identifier,
    expression: sqlCondition.describe('The condition every row must meet, e.g. amount >= 0.'),
    validate: z.boolean().default(true).describe('Validate existing rows in a second step (default). false leaves the constraint NOT VALID (new rows are still checked).'),
  })
  .strict();

export type AddCheckSpec = z.output<typeof addCheckSchema>;

/** ADD CONSTRAINT ... CHECK ... NOT VALID: a brief ACCESS EXCLUSIVE lock, no scan of existing rows. */
export function addCheckStep(table: string, name: string, expression: string, ctx: OperationContext, id: string, validated?: boolean): SqlStep {
  const d = ctx.dialect;
  return {
    id,
    phase: ctx.phase,
    kind: 'sql',
    summary: `add check ${name} on ${table} (NOT VALID)`,
    sql: `ALTER TABLE ${d.qualified(table)} ADD CONSTRAINT ${d.ident(name)} CHECK (${expression}) NOT VALID`,
    lock: { level: 'ACCESS EXCLUSIVE', on: [table] },
    transactional: true,
    probe: constraintExists(d, table, name),
    effect: { does: 'create', object: { kind: 'constraint', table, name, type: 'check', expression, ...(validated === undefined ? {} : { validated }) } },
  };
}

/** Dropping a constraint takes ACCESS EXCLUSIVE on the table (and on a foreign key's referenced table). */
export function dropConstraintStep(table: string, name: string, ctx: OperationContext, id: string, also: string[] = []): SqlStep {
  const d = ctx.dialect;
  return {
    id,
    phase: ctx.phase,
    kind: 'sql',
    summary: `drop constraint ${name} from ${table}`,
    sql: `ALTER TABLE ${d.qualified(table)} DROP CONSTRAINT IF EXISTS ${d.ident(name)}`,
    lock: { level: 'ACCESS EXCLUSIVE', on: [table, ...also.filter((t) => t !== table)] },
    transactional: true,
    probe: constraintAbsent(d, table, name),
  };
}

export const addCheck = defineOperation<AddCheckSpec>({
  kind: 'add_check',
  description: 'Add a CHECK constraint NOT VALID (brief lock, no scan), then VALIDATE it without blocking writes.',
  schema: addCheckSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => `${spec.table}.${spec.name}`,
  forward(spec, ctx) {
    const steps: Step[] = [addCheckStep(spec.table, spec.name, spec.expression, ctx, ctx.id, spec.validate)];
    if (spec.validate) steps.push(validateConstraintStep(spec.table, spec.name, ctx, `${ctx.id}/validate`));
    return steps;
  },
  inverse: (spec, ctx) => ({ steps: [{ ...dropConstraintStep(spec.table, spec.name, ctx, `${ctx.id}/undo`), undoes: ctx.id }] }),
});
