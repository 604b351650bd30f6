import { z } from 'zod';
import { identifier, qualifiedName } from '../plan/primitives.js';
import { addCheckStep, dropConstraintStep } from './add-check.js';
import { anyOf, columnNotNull, columnNullable, constraintExists, constraintValidated } from './catalog-probes.js';
import { boundedName } from './sync-trigger.js';
import { defineOperation, type OperationContext, type SqlStep } from './types.js';
import { validateConstraintStep } from './validate-constraint.js';

export const setNotNullSchema = z
  .object({
    table: qualifiedName,
    column: identifier,
    check_name: identifier.optional().describe('The helper CHECK constraint (default: <column>_not_null); dropped at the end.'),
  })
  .strict();

export type SetNotNullSpec = z.output<typeof setNotNullSchema>;

const checkNameOf = (spec: SetNotNullSpec): string => spec.check_name ?? boundedName(spec.column, 'not_null');

function setNotNullStep(spec: SetNotNullSpec, ctx: OperationContext): SqlStep {
  const d = ctx.dialect;
  return {
    id: `${ctx.id}/set-not-null`,
    phase: ctx.phase,
    kind: 'sql',
    summary: `set ${spec.table}.${spec.column} NOT NULL (proved by ${checkNameOf(spec)}, no scan)`,
    sql: `ALTER TABLE ${d.qualified(spec.table)} ALTER COLUMN ${d.ident(spec.column)} SET NOT NULL`,
    lock: { level: 'ACCESS EXCLUSIVE', on: [spec.table] },
    transactional: true,
    probe: columnNotNull(d, spec.table, spec.column),
    effect: { does: 'change', object: { kind: 'column', table: spec.table, name: spec.column, nullable: false } },
  };
}

export const setNotNull = defineOperation<SetNotNullSpec>({
  kind: 'set_not_null',
  description: 'Make a column NOT NULL without a long lock: CHECK NOT VALID, VALIDATE, SET NOT NULL (PostgreSQL 12+ skips the scan), drop the CHECK.',
  schema: setNotNullSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => `${spec.table}.${spec.column}`,
  forward(spec, ctx) {
    const d = ctx.dialect;
    const check = checkNameOf(spec);
    // Once the column is NOT NULL the helper check may already be gone: the first three steps are done.
    const done = columnNotNull(d, spec.table, spec.column);
    const add = addCheckStep(spec.table, check, `${d.ident(spec.column)} IS NOT NULL`, ctx, ctx.id);
    const validate = validateConstraintStep(spec.table, check, ctx, `${ctx.id}/validate`);
    // A column already NOT NULL before the plan makes the first step's probe true: it is then not this plan's doing.
    return [
      { ...add, probe: anyOf(done, constraintExists(d, spec.table, check)) },
      { ...validate, probe: anyOf(done, constraintValidated(d, spec.table, check)) },
      setNotNullStep(spec, ctx),
      { ...dropConstraintStep(spec.table, check, ctx, `${ctx.id}/drop-check`), effect: { does: 'remove', object: { kind: 'constraint', table: spec.table, name: check } } },
    ];
  },
  inverse(spec, ctx) {
    const d = ctx.dialect;
    const dropNotNull: SqlStep = {
      id: `${ctx.id}/undo`,
      phase: ctx.phase,
      kind: 'sql',
      summary: `drop NOT NULL from ${spec.table}.${spec.column}`,
      sql: `ALTER TABLE ${d.qualified(spec.table)} ALTER COLUMN ${d.ident(spec.column)} DROP NOT NULL`,
      lock: { level: 'ACCESS EXCLUSIVE', on: [spec.table] },
      transactional: true,
      probe: columnNullable(d, spec.table, spec.column),
      undoes: `${ctx.id}/set-not-null`,
    };
    return { steps: [dropNotNull, { ...dropConstraintStep(spec.table, checkNameOf(spec), ctx, `${ctx.id}/undo-check`), undoes: ctx.id }] };
  },
});
