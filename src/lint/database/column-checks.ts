/** Operations on columns against the schema at their point in the plan. */
import type { AddColumnSpec } from '../../operations/add-column.js';
import type { BackfillSpec } from '../../operations/backfill.js';
import { tempOf, type ChangeTypeSpec } from '../../operations/change-type.js';
import type { DropColumnSpec } from '../../operations/drop-column.js';
import type { RenameColumnSpec } from '../../operations/rename-column.js';
import type { SetNotNullSpec } from '../../operations/set-not-null.js';
import type { DropNotNullSpec } from '../../operations/drop-not-null.js';
import { boundedName } from '../../operations/sync-trigger.js';
import type { CheckContext } from './context.js';
import { didYouMean } from '../../plan/suggest.js';
import {
  alreadyExists,
  at,
  emit,
  needColumn,
  needExpressionColumns,
  needTable,
  needType,
  type Place,
} from './requirements.js';
import type { SimColumn, SimRelation } from './sim-state.js';
import { needSyncColumns } from './sync-columns.js';

/**
 * A column the step creates must be absent, or adopted (`if_exists: adopt`) with the type and nullability the plan
 * gives it.
 */
export function creatable(
  ctx: CheckContext,
  place: Place,
  table: SimRelation,
  column: string,
  type: string,
  baseType: string | null | undefined,
  why: string,
  nullable = true,
): void {
  const existing = table.columns?.get(column);
  if (!existing) return;
  const nullability =
    existing.notNull === nullable
      ? [`it is ${existing.notNull ? 'NOT NULL' : 'nullable'}, the plan says ${nullable ? 'nullable' : 'NOT NULL'}`]
      : [];
  if (!baseType || !existing.baseType || existing.baseType === baseType)
    return alreadyExists(ctx, place, `column ${table.name}.${column}`, nullability);
  emit(
    ctx,
    'db-column-exists-with-other-type',
    place,
    `${table.name}.${column} already exists as ${existing.type ?? existing.baseType}; ${why} ${type}: \`run\` ` +
      `refuses the step (it neither adds nor adopts a column of another type)`,
    `if ${column} is a leftover, drop it in an earlier step; if the plan should use it as it is, write ` +
      `type: ${existing.type ?? existing.baseType}; otherwise pick another name`,
  );
}

export function checkAddColumn(ctx: CheckContext, spec: AddColumnSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  const type = needType(ctx, at('column', 'type'), spec.column.type);
  if (!table) return;
  creatable(
    ctx,
    at('column', 'type'),
    table,
    spec.column.name,
    spec.column.type,
    type,
    'this step adds it as',
    spec.column.nullable,
  );
  const from = spec.sync_from;
  if (typeof from === 'string') needColumn(ctx, at('sync_from'), table, from);
  else if (from) needColumn(ctx, at('sync_from', 'column'), table, from.column);
  if (typeof from === 'object')
    (['expression', 'reverse'] as const).forEach((f) =>
      needSyncColumns(ctx, at('sync_from', f), table, from[f], spec.column.name),
    );
  needSyncColumns(ctx, at('up'), table, spec.up, spec.column.name);
}

export function checkDropColumn(ctx: CheckContext, spec: DropColumnSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  if (table) needSyncColumns(ctx, at('down'), table, spec.down, spec.column);
  if (!table?.columns || table.columns.has(spec.column)) return;
  const hint = didYouMean(spec.column, [...table.columns.keys()]);
  emit(
    ctx,
    'db-missing-drop-target',
    at('column'),
    `column ${spec.column} does not exist on ${table.name} at this step: \`run\` refuses to drop what is not there ` +
      `(a misspelt name would leave the real column in place)`,
    `${hint ? `${hint} ` : ''}check the column name; if it is gone on purpose, remove the step`,
  );
}

export function checkSetNotNull(ctx: CheckContext, spec: SetNotNullSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  const column = table && needColumn(ctx, at('column'), table, spec.column);
  if (column?.notNull) alreadyExists(ctx, at('column'), `NOT NULL on ${table!.name}.${spec.column}`);
  if (table && column && spec.up !== undefined) shadowCheck(ctx, table, spec, 'set_not_null builds it as');
}

export function checkDropNotNull(ctx: CheckContext, spec: DropNotNullSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  const column = table && needColumn(ctx, at('column'), table, spec.column);
  if (table && column && !column.notNull)
    emit(
      ctx,
      'db-already-gone',
      at('column'),
      `${table.name}.${spec.column} is already nullable: \`run\` refuses to take over a change it did not make`,
      'remove the step if the column is meant to be nullable already; otherwise check the column name',
    );
  if (table && column && spec.down !== undefined) shadowCheck(ctx, table, spec, 'drop_not_null builds it as');
}

/** set_not_null `up`, drop_not_null `down`: the shadow column must be free, the expressions' columns there. */
function shadowCheck(
  ctx: CheckContext,
  table: SimRelation,
  spec: (SetNotNullSpec | DropNotNullSpec) & { up?: string | undefined; down?: string | undefined },
  what: string,
): void {
  const temp = spec.temp_column ?? boundedName(spec.column, 'new');
  const type = spec.type === undefined ? undefined : needType(ctx, at('type'), spec.type);
  if (spec.type !== undefined) creatable(ctx, at('temp_column'), table, temp, spec.type, type, what);
  needSyncColumns(ctx, at('up'), table, spec.up, temp);
  needSyncColumns(ctx, at('down'), table, spec.down, temp);
  backfillKey(ctx, table, spec.backfill?.key);
}

function typeMismatch(
  ctx: CheckContext,
  spec: RenameColumnSpec,
  from: SimColumn,
  type: string | null | undefined,
): void {
  if (!type || !from.baseType || from.baseType === type) return;
  emit(
    ctx,
    'db-column-type-mismatch',
    at('type'),
    `rename_column says ${spec.from} is ${spec.type}, but it is ${from.type ?? from.baseType}: ${spec.to} would be ` +
      `created as ${spec.type}, a type change the rename does not announce`,
    `write type: ${from.type ?? from.baseType}; to change the type as well, rename first and use change_type in a ` +
      `later plan`,
  );
}

export function checkRenameColumn(ctx: CheckContext, spec: RenameColumnSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  const type = needType(ctx, at('type'), spec.type);
  if (!table?.columns) return;
  const from = table.columns.get(spec.from);
  if (!from && table.columns.has(spec.to)) {
    emit(
      ctx,
      'db-already-gone',
      at('from'),
      `${spec.from} is gone from ${table.name} and ${spec.to} exists: this rename looks done already`,
      'nothing to run if it is; otherwise check the column names',
    );
    return;
  }
  if (!from) return void needColumn(ctx, at('from'), table, spec.from);
  typeMismatch(ctx, spec, from, type);
  creatable(ctx, at('to'), table, spec.to, spec.type, type, 'the rename creates it as');
  needSyncColumns(ctx, at('up'), table, spec.up, spec.to);
  needSyncColumns(ctx, at('down'), table, spec.down, spec.to);
  backfillKey(ctx, table, spec.backfill.key);
}

export function checkChangeType(ctx: CheckContext, spec: ChangeTypeSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  const type = needType(ctx, at('type'), spec.type);
  if (!table) return;
  if (!needColumn(ctx, at('column'), table, spec.column)) return;
  const temp = tempOf(spec);
  creatable(ctx, at('temp_column'), table, temp, spec.type, type, 'change_type builds it as');
  if (spec.using !== undefined) needExpressionColumns(ctx, at('using'), table, spec.using, 'value');
  needSyncColumns(ctx, at('up'), table, spec.up, temp);
  needSyncColumns(ctx, at('reverse_using'), table, spec.reverse_using, temp);
  needSyncColumns(ctx, at('down'), table, spec.down, temp);
  backfillKey(ctx, table, spec.backfill.key);
}

/** The keyset the runner will walk: `key`, else the primary key, else a unique index on NOT NULL columns. */
export function backfillKey(ctx: CheckContext, table: SimRelation, key: string[] | undefined): void {
  const columns = table.columns;
  if (!columns) return;
  const uniques = ctx.state
    .indexesOf(table)
    .flatMap((i) => (i.index?.unique && i.index.valid && !i.index.partial && i.index.columns ? [i.index.columns] : []));
  const hint = ctx.simulate.advice.addBatchKey();
  if (key) {
    const nullable = key.filter((c) => columns.has(c) && !columns.get(c)?.notNull);
    if (nullable.length > 0)
      emit(
        ctx,
        'db-missing-unique-key',
        at('key'),
        `backfill key column ${nullable.join(', ')} of ${table.name} is nullable: rows where it is NULL would never ` +
          `be visited`,
        hint,
      );
    else if (!uniques.some((u) => u.every((c) => key.includes(c))))
      emit(
        ctx,
        'db-missing-unique-key',
        at('key'),
        `backfill key (${key.join(', ')}) of ${table.name} is not unique (no unique index within it): rows sharing a ` +
          `key value at a batch boundary would be skipped`,
        hint,
      );
    return;
  }
  if (uniques.some((u) => u.every((c) => columns.get(c)?.notNull))) return;
  emit(
    ctx,
    'db-missing-unique-key',
    at('table'),
    `${table.name} has no primary key and no unique index on NOT NULL columns: the backfill has no keyset to walk ` +
      `and is refused before its first batch`,
    hint,
  );
}

export function checkBackfill(ctx: CheckContext, spec: BackfillSpec): void {
  const table = needTable(ctx, at('table'), spec.table);
  if (!table) return;
  for (const [column, expression] of Object.entries(spec.set)) {
    needColumn(ctx, at('set', column), table, column);
    needExpressionColumns(ctx, at('set', column), table, expression, 'value');
  }
  if (spec.where !== undefined) needExpressionColumns(ctx, at('where'), table, spec.where, 'condition');
  spec.key?.forEach((c, i) => needColumn(ctx, at('key', i), table, c));
  backfillKey(ctx, table, spec.key);
}
