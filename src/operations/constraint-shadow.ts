/**
 * add_check / add_unique / add_foreign_key with `up`: the constraint goes on a copy of the column,
 * so that the old application version keeps writing values that violate it (the sync trigger gives
 * the copy up(value)) while the new version writes the copy (the old column gets down(value)).
 * Expand adds the copy and the trigger and carries comment and grants; migrate fills and verifies
 * the copy, adds the constraint to it (NOT VALID then VALIDATE; a unique index built concurrently
 * then attached) and waits for the application switch; contract swaps the copy in (drop the old
 * column, rename the copy: the constraint follows it). Until contract, the inverse drops the trigger
 * and the copy, and the constraint with it.
 */
import type { Dialect } from '../dialects/dialect.js';
import { actionStep } from './action-step.js';
import { addCheck, type AddCheckSpec } from './add-check.js';
import { addForeignKey, type AddForeignKeySpec } from './add-foreign-key.js';
import { addUnique, type AddUniqueSpec } from './add-unique.js';
import { backfillOptionsSchema } from './backfill.js';
import { swapCarryOf, type CarryColumns, type CarrySpec } from './carry.js';
import { carryFields } from './carry-fields.js';
import { copyOf } from './constraint-shadow-fields.js';
import { shadowColumnInverse, shadowColumnSteps, type ShadowColumn } from './shadow-column.js';
import { syncNames, type SyncSpec } from './sync-trigger.js';
import type { Inverse, OperationContext, SqlStep, Step } from './types.js';

type Shadowed = AddCheckSpec | AddUniqueSpec | AddForeignKeySpec;

/** The schema makes `column`, `type` and `up` present together; an op only calls in here with `up`. */
function required(spec: Shadowed): { column: string; type: string; up: string } {
  const { column, type, up } = spec;
  if (column === undefined || type === undefined || up === undefined)
    throw new Error(`internal: ${spec.table}.${spec.name} through a copy without column, type or up`);
  return { column, type, up };
}

const columnsOf = (spec: Shadowed): CarryColumns => {
  const { column } = required(spec);
  return { old: column, building: copyOf(spec), final: column };
};

function syncOf(spec: Shadowed, d: Dialect): SyncSpec {
  const { column, up } = required(spec);
  const copy = copyOf(spec);
  return { table: spec.table, from: column, to: copy, forward: up, reverse: spec.down ?? d.ident(copy) };
}

const carrySpecOf = (spec: Shadowed): CarrySpec & { backfill: ShadowColumn['spec']['backfill'] } => ({
  ...spec,
  type: required(spec).type,
  backfill: spec.backfill ?? backfillOptionsSchema.parse({}),
});

/** One short ACCESS EXCLUSIVE transaction: trigger off, old column out, the copy (with the constraint) in. */
function swapStep(spec: Shadowed, ctx: OperationContext): SqlStep {
  const { column, type } = required(spec);
  const copy = copyOf(spec);
  return actionStep(ctx, {
    id: `${ctx.id}/swap`,
    phase: 'contract',
    summary: `swap ${spec.table}.${copy} (with ${spec.name}) in for ${column} (drop sync trigger, drop old column, rename)`,
    action: {
      kind: 'swap-in-column',
      table: spec.table,
      trigger: syncNames(syncOf(spec, ctx.dialect)).trigger,
      old: column,
      replacement: copy,
      type,
      carry: swapCarryOf(carrySpecOf(spec)),
    },
    effect: { does: 'change', object: { kind: 'column', table: spec.table, name: column, type } },
  });
}

function shadowOf(spec: Shadowed, ctx: OperationContext): ShadowColumn {
  const d = ctx.dialect;
  const { column, type, up } = required(spec);
  const copy = copyOf(spec);
  return {
    spec: carrySpecOf(spec),
    columns: columnsOf(spec),
    type,
    sync: syncOf(spec, d),
    value: up,
    differs: d.expressions.distinct(d.ident(copy), `(${up})`),
    gate: {
      id: `${ctx.id}/deploy`,
      summary: `the application must meet ${spec.name} on ${spec.table}.${column}`,
      confirm:
        `Deploy the application version whose writes meet ${spec.name} (until contract it may write ${copy}, where ` +
        `${spec.name} holds; from contract on ${copy} is ${column}), then continue`,
    },
    swap: swapStep(spec, ctx),
  };
}

/** The spec of the constraint alone, on the copy: the fields of the copy removed. */
function withoutCopyFields<S extends Shadowed>(spec: S): S {
  const out: Record<string, unknown> = { ...spec };
  for (const field of ['column', 'up', 'down', 'type', 'temp_column', 'backfill', ...Object.keys(carryFields)])
    delete out[field];
  return out as S;
}

/** The shadow column's steps with the constraint's own steps (on the copy) before the application gate. */
function throughCopy(spec: Shadowed, ctx: OperationContext, onCopy: (c: OperationContext) => Step[]): Step[] {
  const steps = shadowColumnSteps(shadowOf(spec, ctx), ctx);
  const gate = steps.findIndex((s) => s.kind === 'gate');
  const constraint = onCopy({ ...ctx, id: `${ctx.id}/on-copy`, phase: 'migrate' });
  return [...steps.slice(0, gate), ...constraint, ...steps.slice(gate)];
}

const onCopyName = (spec: Shadowed) => (c: string) => (c === spec.column ? copyOf(spec) : c);

export function checkThroughCopy(spec: AddCheckSpec, ctx: OperationContext): Step[] {
  const expression = ctx.dialect.parser.renameColumnRefs(spec.expression, required(spec).column, copyOf(spec));
  return throughCopy(spec, ctx, (c) => addCheck.forward({ ...withoutCopyFields(spec), expression }, c));
}

export function uniqueThroughCopy(spec: AddUniqueSpec, ctx: OperationContext): Step[] {
  const columns = spec.columns.map(onCopyName(spec));
  return throughCopy(spec, ctx, (c) => addUnique.forward({ ...withoutCopyFields(spec), columns }, c));
}

export function foreignKeyThroughCopy(spec: AddForeignKeySpec, ctx: OperationContext): Step[] {
  const columns = spec.columns.map(onCopyName(spec));
  // ON DELETE SET NULL (cols) names key columns: the copied one is the copy's name on the copy.
  const onDelete =
    typeof spec.on_delete === 'object'
      ? { ...spec.on_delete, columns: spec.on_delete.columns.map(onCopyName(spec)) }
      : spec.on_delete;
  const onCopy = { ...withoutCopyFields(spec), columns, ...(onDelete === undefined ? {} : { on_delete: onDelete }) };
  return throughCopy(spec, ctx, (c) => addForeignKey.forward(onCopy, c));
}

/** Before contract: drop the trigger and the copy (its constraint goes with it). */
export function throughCopyInverse(spec: Shadowed, ctx: OperationContext): Inverse {
  return shadowColumnInverse(
    { spec: carrySpecOf(spec), columns: columnsOf(spec), sync: syncOf(spec, ctx.dialect) },
    ctx,
  );
}
