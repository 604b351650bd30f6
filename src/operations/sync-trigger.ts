/**
 * The trigger that keeps a new column in step with an old one while applications of both
 * generations write the table (expand/contract). Shared by add_column `sync_from`,
 * rename_column and change_type. The dialect writes the function and the trigger.
 */
import { activePlanDialect } from '../plan/primitives.js';
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { ColumnSyncProblem, type SyncSpec } from '../dialects/actions-shadow.js';
import type { Dialect } from '../dialects/dialect.js';
import { splitQualified } from '../dialects/dialect.js';
import { actionStep, renderAction } from './action-step.js';
import type { DbObject, Phase, SqlStep } from './types.js';

export type { SyncSpec } from '../dialects/actions-shadow.js';

/** The field of a SyncSpec a problem is in. */
export type SyncField = ColumnSyncProblem['field'];

/** A name of at most 63 bytes, stable for the same inputs. */
export function boundedName(prefix: string, ...parts: string[]): string {
  const full = [prefix, ...parts].join('_');
  if (Buffer.byteLength(full) <= 63) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, 63 - 9)}_${hash}`;
}

export function syncNames(spec: SyncSpec): { trigger: string; fn: string } {
  const table = splitQualified(spec.table).name;
  return {
    trigger: boundedName('schemashift_sync', table, spec.to),
    fn: boundedName('schemashift_sync', table, spec.to),
  };
}

/** The trigger function lives in the table's schema so it moves and drops with it. */
export function qualifiedLike(table: string, name: string): string {
  const { schema } = splitQualified(table);
  return schema === undefined ? name : `${schema}.${name}`;
}

/**
 * Why this sync cannot be installed safely (undefined when it can), for validation: the dialect
 * refuses an expression that cannot be read from one row, or a generated function that is not
 * exactly the intended one. Expressions that do not parse are left to the schema's own syntax check.
 */
export function syncProblem(
  d: Dialect,
  spec: SyncSpec,
): { field: SyncField; problem: { message: string; offset: number } } | undefined {
  try {
    renderAction(
      { dialect: d },
      {
        kind: 'install-sync-function',
        sync: spec,
        function: qualifiedLike(spec.table, syncNames(spec).fn),
        checkOnly: true,
      },
    );
  } catch (e) {
    if (e instanceof ColumnSyncProblem) return { field: e.field, problem: e.problem };
    throw e;
  }
  return undefined;
}

/**
 * Adds the sync problem, if any, as a schema issue at the path of the expression at fault, as the
 * dialect of the plan being loaded would render it.
 */
export function reportSyncProblem(
  ctx: z.RefinementCtx,
  sync: SyncSpec | ((d: Dialect) => SyncSpec),
  paths: Record<'forward' | 'reverse', (string | number)[]> & Partial<Record<SyncField, (string | number)[]>>,
): void {
  const d = activePlanDialect();
  const spec = typeof sync === 'function' ? sync(d) : sync;
  const found = syncProblem(d, spec);
  if (!found) return;
  ctx.addIssue({
    code: 'custom',
    path: paths[found.field] ?? paths.forward,
    message: `this expression cannot be used in the sync trigger: ${found.problem.message}`,
    params: {
      offset: found.problem.offset,
      hint:
        `write it over the columns of ${spec.table} by their bare names (the trigger reads them from the row being ` +
        `written), without subqueries; e.g. coalesce(${spec.from ?? 'a_column'}, 'none')`,
    },
  });
}

/** `a → b`, `a ↔ b`, or `row → b` when `to` is computed from the row alone. */
function directionOf(spec: SyncSpec): string {
  if (spec.from === undefined) return `row → ${spec.to}`;
  return spec.reverse === undefined ? `${spec.from} → ${spec.to}` : `${spec.from} ↔ ${spec.to}`;
}

export function installSyncSteps(d: Dialect, spec: SyncSpec, idPrefix: string, phase: Phase): SqlStep[] {
  const { trigger, fn } = syncNames(spec);
  const fnName = qualifiedLike(spec.table, fn);
  const direction = directionOf(spec);
  const ctx = { dialect: d, phase };
  return [
    actionStep(ctx, {
      id: `${idPrefix}/sync-function`,
      summary: `create sync function ${fn} (${direction})`,
      action: { kind: 'install-sync-function', sync: spec, function: fnName },
      effect: { does: 'create', object: { kind: 'function', name: fnName } },
    }),
    actionStep(ctx, {
      id: `${idPrefix}/sync-trigger`,
      summary: `install sync trigger ${trigger} on ${spec.table} (${direction})`,
      action: { kind: 'install-sync-trigger', table: spec.table, trigger, function: fnName },
      effect: { does: 'create', object: { kind: 'trigger', table: spec.table, name: trigger, function: fn } },
    }),
  ];
}

/**
 * In contract (`undoOf` absent) the steps remove what expand installed; in an inverse they undo
 * the steps of `undoOf`.
 */
export function removeSyncSteps(
  d: Dialect,
  spec: SyncSpec,
  idPrefix: string,
  phase: Phase,
  undoOf?: string,
): SqlStep[] {
  const { trigger, fn } = syncNames(spec);
  const fnName = qualifiedLike(spec.table, fn);
  const role = (forward: string, object: DbObject) =>
    undoOf === undefined ? { effect: { does: 'remove' as const, object } } : { undoes: `${undoOf}/${forward}` };
  const ctx = { dialect: d, phase };
  return [
    actionStep(ctx, {
      id: `${idPrefix}/drop-sync-trigger`,
      summary: `remove sync trigger ${trigger} from ${spec.table}`,
      action: { kind: 'remove-sync-trigger', table: spec.table, trigger },
      ...role('sync-trigger', { kind: 'trigger', table: spec.table, name: trigger, function: fn }),
    }),
    actionStep(ctx, {
      id: `${idPrefix}/drop-sync-function`,
      summary: `drop sync function ${fn}`,
      action: { kind: 'remove-sync-function', function: fnName },
      ...role('sync-function', { kind: 'function', name: fnName }),
    }),
  ];
}
