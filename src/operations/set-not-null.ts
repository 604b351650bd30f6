import { z } from 'zod';
import { identifier, qualifiedName } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { notNullRecipe, type NotNullTarget } from './not-null-steps.js';
import { boundedName } from './sync-trigger.js';
import { defineOperation } from './types.js';

export const setNotNullSchema = z
  .object({
    table: qualifiedName,
    column: identifier,
    check_name: identifier
      .optional()
      .describe('The helper CHECK constraint (default: <column>_not_null); dropped at the end.'),
  })
  .strict();

export type SetNotNullSpec = z.output<typeof setNotNullSchema>;

const targetOf = (spec: SetNotNullSpec): NotNullTarget => ({
  table: spec.table,
  column: spec.column,
  check: spec.check_name ?? boundedName(spec.column, 'not_null'),
});

export const setNotNull = defineOperation<SetNotNullSpec>({
  kind: 'set_not_null',
  description:
    'Make a column NOT NULL without a long lock: CHECK NOT VALID, VALIDATE, SET NOT NULL (PostgreSQL 12+ skips the ' +
    'scan), drop the CHECK.',
  schema: setNotNullSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => `${spec.table}.${spec.column}`,
  forward(spec, ctx) {
    const { table, column, check } = targetOf(spec);
    // A column already NOT NULL before the plan makes the first step's probe true: it is then not this plan's doing.
    return notNullRecipe(ctx, targetOf(spec), {
      addCheck: { id: ctx.id, summary: `add check ${check} on ${table} (NOT VALID)` },
      validate: { id: `${ctx.id}/validate`, summary: `validate constraint ${check} on ${table}` },
      setNotNull: {
        id: `${ctx.id}/set-not-null`,
        summary: `set ${table}.${column} NOT NULL (proved by ${check}, no scan)`,
      },
      dropCheck: { id: `${ctx.id}/drop-check`, summary: `drop constraint ${check} from ${table}` },
    });
  },
  inverse(spec, ctx) {
    const { table, column, check } = targetOf(spec);
    const dropNotNull = actionStep(ctx, {
      id: `${ctx.id}/undo`,
      summary: `drop NOT NULL from ${table}.${column}`,
      action: { kind: 'drop-not-null', table, column },
      undoes: `${ctx.id}/set-not-null`,
    });
    const dropCheck = actionStep(ctx, {
      id: `${ctx.id}/undo-check`,
      summary: `drop constraint ${check} from ${table}`,
      action: { kind: 'drop-not-null-check', table, check },
      undoes: ctx.id,
    });
    return { steps: [dropNotNull, dropCheck] };
  },
});
