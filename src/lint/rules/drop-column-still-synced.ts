import { syncSpecOf, type AddColumnSpec } from '../../operations/add-column.js';
import type { ChangeTypeSpec } from '../../operations/change-type.js';
import { copiedColumn } from '../../operations/constraint-shadow-fields.js';
import type { RenameColumnSpec } from '../../operations/rename-column.js';
import { boundedName } from '../../operations/sync-trigger.js';
import type { PlanEntry } from '../../plan/types.js';
import { block, entryFinding, sqlFinding } from '../finding.js';
import { sequenceOf } from '../sequence.js';
import type { Finding, LintContext, Rule } from '../types.js';

/** A sync trigger: live from the step that creates it to the step that drops it. */
export interface SyncWindow {
  entry: PlanEntry;
  table: string;
  /** Absent when the trigger computes `to` from the row alone (add_column `up`). */
  from?: string | undefined;
  to: string;
  installedAt: number;
  removedAt: number;
}

/** A column drop by another step: drop_column, or ALTER TABLE … DROP COLUMN in raw SQL. */
interface Drop {
  entry: PlanEntry;
  table: string;
  column: string;
  at: number;
  finding(message: string, help: string): Finding;
}

function syncedColumns(entry: PlanEntry): { table: string; from?: string | undefined; to: string } | undefined {
  if (entry.kind === 'add_column') {
    const sync = syncSpecOf(entry.spec as AddColumnSpec);
    return sync && { table: sync.table, from: sync.from, to: sync.to };
  }
  if (entry.kind === 'rename_column') {
    const spec = entry.spec as RenameColumnSpec;
    return { table: spec.table, from: spec.from, to: spec.to };
  }
  const copied = copiedColumn(entry.kind, entry.spec);
  if (copied) return { table: copied.table, from: copied.column, to: copied.copy };
  if (entry.kind !== 'change_type') return undefined;
  const spec = entry.spec as ChangeTypeSpec;
  return { table: spec.table, from: spec.column, to: spec.temp_column ?? boundedName(spec.column, 'new') };
}

export function syncWindows(ctx: LintContext): SyncWindow[] {
  const sequence = sequenceOf(ctx);
  const { lint } = ctx.compiled.dialect.parser;
  return ctx.plan.entries.flatMap((entry) => {
    const columns = syncedColumns(entry);
    const installedAt = sequence.indexOf(`${entry.id}/sync-trigger`);
    if (!columns || installedAt >= sequence.steps.length) return [];
    const removal = sequence.steps.findIndex(
      (s, i) => i > installedAt && s.entry === entry && s.step.kind === 'sql' && lint.dropsTrigger(s.step.sql),
    );
    return [
      {
        entry,
        ...columns,
        table: ctx.normaliseTable(columns.table),
        installedAt,
        removedAt: removal < 0 ? sequence.steps.length : removal,
      },
    ];
  });
}

function drops(ctx: LintContext): Drop[] {
  const sequence = sequenceOf(ctx);
  const ops: Drop[] = ctx.plan.entries
    .filter((e) => e.kind === 'drop_column')
    .map((entry) => {
      const spec = entry.spec as { table: string; column: string };
      return {
        entry,
        table: ctx.normaliseTable(spec.table),
        column: spec.column,
        at: sequence.firstOf(entry),
        finding: (m, h) => entryFinding(dropColumnStillSynced, ctx.plan, entry, ['column'], m, h),
      };
    });
  const raw: Drop[] = ctx.raw.flatMap((stmt) =>
    stmt.columnChanges
      .filter((c) => c.change === 'drop')
      .map((c) => ({
        entry: stmt.source.entry,
        table: c.table,
        column: c.column,
        at: sequence.indexOf(stmt.stepId),
        finding: (m: string, h: string) => sqlFinding(dropColumnStillSynced, stmt, c.offset, m, h),
      })),
  );
  return [...ops, ...raw];
}

function findingOf(drop: Drop, w: SyncWindow): Finding | undefined {
  if (drop.entry === w.entry || drop.table !== w.table || drop.at < w.installedAt) return undefined;
  const live = drop.at < w.removedAt;
  const trigger = `the sync trigger of ${w.entry.id} (${w.from ?? 'row'} → ${w.to})`;
  if (drop.column === w.from && live) {
    return drop.finding(
      `drops ${w.table}.${w.from} while ${trigger} still reads it: every INSERT and UPDATE on ${w.table} fails until ` +
        `the trigger is removed at the start of contract`,
      [
        'drop it under contract:, after the deploy that stops using it; the trigger is removed before the steps ' +
          'listed there run:',
        block(['contract:', `  - drop_column: { table: ${w.table}, column: ${w.from} }`]),
      ].join('\n'),
    );
  }
  if (drop.column !== w.to) return undefined;
  return drop.finding(
    live
      ? `drops ${w.table}.${w.to} while ${trigger} still writes it: every INSERT and UPDATE on ${w.table} fails`
      : `drops ${w.table}.${w.to}, the column this plan builds and keeps in step with ${w.from}: the migrated data ` +
          `is thrown away`,
    `remove this drop: ${w.to} is where the data moves to; to abandon the change, run \`schemashift rollback\` ` +
      `before contract instead`,
  );
}

export const dropColumnStillSynced: Rule = {
  id: 'drop-column-still-synced',
  severity: 'error',
  description:
    'A column dropped while a sync trigger (sync_from, rename_column, change_type) still reads or writes it, or the ' +
    'sync target dropped.',
  check(ctx: LintContext) {
    const live = syncWindows(ctx);
    if (live.length === 0) return [];
    return drops(ctx).flatMap((drop) => live.flatMap((w) => findingOf(drop, w) ?? []));
  },
};
