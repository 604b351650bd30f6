/**
 * add_check / add_unique / add_foreign_key with `up` build a copy of the column: beside the
 * constraint's own checks, the copy's as change_type and rename_column have them (the column
 * exists with the stated type, the copy's name is free, the sync expressions read existing
 * columns, the backfill has a key).
 */
import { copyOf, type ConstraintShadowSpec } from '../../operations/constraint-shadow-fields.js';
import { backfillKey, creatable } from './column-checks.js';
import type { CheckContext } from './context.js';
import { at, emit, needColumn, needExpressionColumns, needTable, needType } from './requirements.js';
import { needSyncColumns } from './sync-columns.js';

type CopySpec = ConstraintShadowSpec & { backfill?: { key?: string[] | undefined } | undefined };

function checkCopy(ctx: CheckContext, spec: CopySpec, column: string, type: string, up: string): void {
  const table = needTable(ctx, at('table'), spec.table);
  const resolved = needType(ctx, at('type'), type);
  if (!table) return;
  const old = needColumn(ctx, at('column'), table, column);
  if (!old) return;
  if (resolved && old.baseType && old.baseType !== resolved)
    emit(
      ctx,
      'db-column-type-mismatch',
      at('type'),
      `the entry says ${column} is ${type}, but it is ${old.type ?? old.baseType}: the copy would be created as ` +
        `${type}, a type change the constraint does not announce`,
      `write type: ${old.type ?? old.baseType}; to change the type as well, use change_type in an earlier plan`,
    );
  const copy = copyOf(spec);
  creatable(ctx, at('temp_column'), table, copy, type, resolved, 'the copy of the column is created as');
  needExpressionColumns(ctx, at('up'), table, up, 'value');
  needSyncColumns(ctx, at('down'), table, spec.down, copy);
  backfillKey(ctx, table, spec.backfill?.key);
}

/** The constraint's own check, and the copy's when the spec has `up`. */
export function withCopy<S extends CopySpec>(check: (ctx: CheckContext, spec: S) => void) {
  return (ctx: CheckContext, spec: S): void => {
    check(ctx, spec);
    const { column, type, up } = spec;
    if (column !== undefined && type !== undefined && up !== undefined) checkCopy(ctx, spec, column, type, up);
  };
}
