/**
 * The one NOT NULL recipe (set_not_null; rename_column and change_type with `not_null: true`):
 * a helper CHECK added unchecked, validated without blocking writes, which lets SET NOT NULL skip
 * its scan, then dropped. Each probe also accepts a column that is already NOT NULL, since the
 * helper CHECK may be gone by then. Callers name the steps; the SQL is the dialect's.
 */
import { actionStep } from './action-step.js';
import type { OperationContext, SqlStep } from './types.js';

export interface NotNullTarget {
  table: string;
  column: string;
  /** The helper CHECK constraint. */
  check: string;
}

type RecipeStep = 'addCheck' | 'validate' | 'setNotNull' | 'dropCheck';

/** Each step's id and summary. */
export type NotNullStepNames = Record<RecipeStep, { id: string; summary: string }>;

export function notNullRecipe(
  ctx: Pick<OperationContext, 'dialect' | 'phase'>,
  t: NotNullTarget,
  names: NotNullStepNames,
): SqlStep[] {
  const d = ctx.dialect;
  const helper = { kind: 'constraint' as const, table: t.table, name: t.check };
  return [
    actionStep(ctx, {
      ...names.addCheck,
      action: { kind: 'add-not-null-check', ...t },
      effect: { does: 'create', object: { ...helper, type: 'check', expression: `${d.ident(t.column)} IS NOT NULL` } },
    }),
    actionStep(ctx, {
      ...names.validate,
      action: { kind: 'validate-not-null-check', ...t },
      effect: { does: 'change', object: helper },
    }),
    actionStep(ctx, {
      ...names.setNotNull,
      action: { kind: 'set-not-null', table: t.table, column: t.column, check: t.check },
      effect: { does: 'change', object: { kind: 'column', table: t.table, name: t.column, nullable: false } },
    }),
    actionStep(ctx, {
      ...names.dropCheck,
      action: { kind: 'drop-not-null-check', table: t.table, check: t.check },
      effect: { does: 'remove', object: helper },
    }),
  ];
}
