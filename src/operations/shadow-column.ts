/**
 * The shape rename_column and change_type share: a replacement column built beside the old one
 * (expand: add it, sync it by trigger, carry comment / collation / grants), filled and checked
 * (migrate: backfill, verify, NOT NULL, carried constraints and indexes, then the application
 * switches), swapped in by one short contract transaction that also drops the trigger, and the
 * trigger's function dropped after it. Until contract, the inverse drops the sync and the column.
 */
import type { Dialect } from '../dialects/dialect.js';
import { addColumn } from './add-column.js';
import { actionStep } from './action-step.js';
import { backfillStep, type BackfillArgs } from './backfill.js';
import { carryExpandSteps, carryMigrateSteps, swapCarryOf, type CarryColumns, type CarrySpec } from './carry.js';
import { notNullRecipe } from './not-null-steps.js';
import { boundedName, installSyncSteps, removeSyncSteps, type SyncSpec } from './sync-trigger.js';
import type { GateStep, Inverse, OperationContext, SqlStep, Step } from './types.js';
import { verifyAfterBackfill } from './verify.js';

export interface ShadowColumn {
  spec: CarrySpec & { backfill: Pick<BackfillArgs, 'key' | 'batch' | 'throttle'> };
  columns: CarryColumns;
  /** The replacement column's type. */
  type: string;
  sync: SyncSpec;
  /** SQL computing the replacement's value from the row (backfill, verify). */
  value: string;
  /** The rows the backfill still has to write. */
  differs: string;
  /** What verify compares the replacement with (default: `value`); both-ways syncs accept new-version rows. */
  verify?: string;
  /** Where the backfill runs (default migrate). */
  backfillPhase?: 'expand' | 'migrate';
  /** Waits for the application version that uses the new column (migrate, last). */
  gate: Omit<GateStep, 'phase' | 'kind'>;
  /** The contract transaction: trigger off, old column out, replacement in, carried names back. */
  swap: SqlStep;
}

/**
 * CHECK NOT VALID → VALIDATE → SET NOT NULL → drop the CHECK, on the replacement column in migrate;
 * where a sync trigger fills the column only after constraints are checked, on the final column in
 * contract, once the version that leaves the column out no longer writes.
 */
const notNullAfterSwap = (ctx: OperationContext): boolean => !ctx.dialect.capabilities.syncFillsBeforeConstraints;

function notNullSteps(s: ShadowColumn, ctx: OperationContext): SqlStep[] {
  const afterSwap = notNullAfterSwap(ctx);
  const [table, column] = [s.spec.table, afterSwap ? s.columns.final : s.columns.building];
  const check = boundedName(column, 'not_null');
  return notNullRecipe(
    { dialect: ctx.dialect, phase: afterSwap ? 'contract' : 'migrate' },
    { table, column, check },
    {
      addCheck: {
        id: `${ctx.id}/not-null-check`,
        summary: `add CHECK (${column} IS NOT NULL) ${ctx.dialect.wording.unvalidated} to ${table}`,
      },
      validate: { id: `${ctx.id}/not-null-validate`, summary: `validate ${check} on ${table}` },
      setNotNull: { id: `${ctx.id}/set-not-null`, summary: `set ${table}.${column} NOT NULL` },
      dropCheck: { id: `${ctx.id}/drop-not-null-check`, summary: `drop ${check} from ${table}` },
    },
  );
}

function backfillOf(s: ShadowColumn, ctx: OperationContext): Step {
  const { table, backfill } = s.spec;
  const set = { [s.columns.building]: s.value };
  const phase = s.backfillPhase ?? 'migrate';
  return backfillStep(ctx.dialect, { table, set, where: s.differs, ...backfill }, `${ctx.id}/backfill`, phase);
}

function migrateSteps(s: ShadowColumn, ctx: OperationContext): Step[] {
  const d = ctx.dialect;
  const { table, backfill } = s.spec;
  const compare = { [s.columns.building]: s.verify ?? s.value };
  return [
    ...(s.backfillPhase === 'expand' ? [] : [backfillOf(s, ctx)]),
    verifyAfterBackfill(d, table, compare, backfill, `${ctx.id}/verify`),
    ...(s.spec.not_null === true && !notNullAfterSwap(ctx) ? notNullSteps(s, ctx) : []),
    ...carryMigrateSteps(d, s.spec, s.columns, ctx.id),
    { ...s.gate, phase: 'migrate', kind: 'gate' },
  ];
}

export function shadowColumnSteps(s: ShadowColumn, ctx: OperationContext): Step[] {
  const d = ctx.dialect;
  const column = { name: s.columns.building, type: s.type, nullable: true };
  return [
    ...addColumn.forward({ table: s.spec.table, column }, { ...ctx, phase: 'expand' }),
    ...installSyncSteps(d, s.sync, ctx.id, 'expand'),
    ...carryExpandSteps(d, s.spec, s.columns, ctx.id),
    ...(s.backfillPhase === 'expand' ? [backfillOf(s, ctx)] : []),
    ...migrateSteps(s, ctx),
    s.swap,
    // The trigger went with the swap; only its function is left.
    ...removeSyncSteps(d, s.sync, ctx.id, 'contract').slice(1),
    ...(s.spec.not_null === true && notNullAfterSwap(ctx) ? notNullSteps(s, ctx) : []),
  ];
}

/**
 * The backfill's rows and verify's comparison when the sync is both ways with expressions: a row
 * the new version wrote (the new column set, the old one down(row)) is in step even where up(down(v))
 * is not v, and must not be overwritten with up(row).
 */
export function bothWaysFill(
  d: Pick<Dialect, 'ident' | 'expressions'>,
  c: { from: string; to: string; up: string; down: string },
): Pick<ShadowColumn, 'differs' | 'verify'> {
  const [from, to] = [d.ident(c.from), d.ident(c.to)];
  const newWritten = `${to} IS NOT NULL AND ${d.expressions.notDistinct(from, `(${c.down})`)}`;
  return {
    differs: `${d.expressions.distinct(to, `(${c.up})`)} AND NOT (${newWritten})`,
    verify: `CASE WHEN ${newWritten} THEN ${to} ELSE (${c.up}) END`,
  };
}

export function shadowColumnInverse(
  s: Pick<ShadowColumn, 'spec' | 'columns' | 'sync'>,
  ctx: OperationContext,
): Inverse {
  const undo = `${ctx.id}/undo`;
  const [table, column] = [s.spec.table, s.columns.building];
  const dropColumn = actionStep(ctx, {
    id: undo,
    summary: `drop column ${table}.${column}`,
    action: { kind: 'drop-added-column', table, column },
    undoes: ctx.id,
  });
  return { steps: [...removeSyncSteps(ctx.dialect, s.sync, undo, ctx.phase, ctx.id), dropColumn] };
}

/**
 * The contract swap of a copy with the column's own type (set_not_null `up`, drop_not_null `down`):
 * trigger off, old column out, the copy renamed in, NOT NULL or nullable as the operation makes it.
 */
export function sameTypeSwapStep(
  spec: CarrySpec & { column: string; type?: string | undefined },
  ctx: OperationContext,
  copy: { name: string; trigger: string; nullable: boolean },
): SqlStep {
  return actionStep(ctx, {
    id: `${ctx.id}/swap`,
    phase: 'contract',
    summary:
      `swap ${spec.table}.${copy.name} (${copy.nullable ? 'nullable' : 'NOT NULL'}) in for ${spec.column} ` +
      '(drop sync trigger, drop old column, rename)',
    action: {
      kind: 'swap-in-column',
      table: spec.table,
      trigger: copy.trigger,
      old: spec.column,
      replacement: copy.name,
      type: spec.type as string,
      carry: swapCarryOf(spec),
    },
    effect: {
      does: 'change',
      object: { kind: 'column', table: spec.table, name: spec.column, nullable: copy.nullable },
    },
  });
}
