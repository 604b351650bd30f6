/**
 * After rename_table, the old name is a view until contract: a later step that alters or locks it
 * as a table fails at run time; a column added to the renamed table is not seen through the view.
 */
import type { AddColumnSpec } from '../../operations/add-column.js';
import { renamedName, type RenameTableSpec } from '../../operations/rename-table.js';
import type { Step } from '../../operations/types.js';
import type { PlanEntry } from '../../plan/types.js';
import { block, entryFinding } from '../finding.js';
import { sequenceOf } from '../sequence.js';
import type { Finding, LintContext, Rule } from '../types.js';

interface Rename {
  entry: PlanEntry;
  spec: RenameTableSpec;
  from: string;
  to: string;
  /** Position of the rename in the run order. */
  at: number;
}

function renames(ctx: LintContext): Rename[] {
  const sequence = sequenceOf(ctx);
  return ctx.plan.entries
    .filter((e) => e.kind === 'rename_table')
    .map((entry) => {
      const spec = entry.spec as RenameTableSpec;
      const from = ctx.normaliseTable(spec.from);
      return { entry, spec, from, to: ctx.normaliseTable(renamedName(spec)), at: sequence.firstOf(entry) };
    });
}

function tablesOf(step: Step): string[] {
  if (step.kind === 'sql') return step.lock.on;
  if (step.kind === 'backfill' || step.kind === 'verify') return [step.table];
  return [];
}

interface OldNameUse {
  entry: PlanEntry;
  step: Step;
}

/** A step that only reads the old name (a materialized view's query) builds on the view. */
const onlyReads = (step: Step): boolean => step.kind === 'sql' && step.lock.level === 'ACCESS SHARE';

function oldNameMessage(ctx: LintContext, r: Rename, use: OldNameUse): { message: string; help: string } {
  const to = renamedName(r.spec);
  const where = `${r.entry.id} (line ${r.entry.at.line})`;
  if (onlyReads(use.step))
    return {
      message:
        `${use.step.id} reads ${r.spec.from}, which ${where} has made a view of ${to} by then: what it builds ` +
        `depends on that view, so contract's DROP VIEW ${r.spec.from} fails`,
      help: `read the table by its new name: ${to}`,
    };
  if (sequenceOf(ctx).firstOf(use.entry) > r.at)
    return {
      message:
        `${use.entry.id} works on ${r.spec.from}, which ${where} has renamed to ${to} by then: ${r.spec.from} is ` +
        `only a view of it, so the step fails`,
      help: `name the table by its new name in this step: ${to}`,
    };
  return {
    message:
      `${use.step.id} runs after ${where} has renamed ${r.spec.from} to ${to}, and still names ${r.spec.from}, ` +
      `by then only a view of it: the step fails`,
    help: 'finish this change first: rename the table in a later plan, once this one is done',
  };
}

/** Operations (raw `sql` aside: it may mean the view) with a step after the rename that works on the old name. */
function oldNameUses(ctx: LintContext, r: Rename): Finding[] {
  const first = new Map<PlanEntry, OldNameUse>();
  sequenceOf(ctx).steps.forEach(({ step, entry }, i) => {
    if (i <= r.at || entry === r.entry || entry.kind === 'sql' || first.has(entry)) return;
    if (tablesOf(step).some((t) => ctx.normaliseTable(t) === r.from)) first.set(entry, { entry, step });
  });
  return [...first.values()].map((use) => {
    const { message, help } = oldNameMessage(ctx, r, use);
    return entryFinding(oldTableNameAfterRename, ctx.plan, use.entry, [], message, help);
  });
}

function addedColumn(entry: PlanEntry): { table: string; column: string } | undefined {
  if (entry.kind === 'add_column') {
    const spec = entry.spec as AddColumnSpec;
    return { table: spec.table, column: spec.column.name };
  }
  if (entry.kind === 'rename_column') {
    const spec = entry.spec as { table: string; to: string };
    return { table: spec.table, column: spec.to };
  }
  return undefined;
}

function hiddenColumns(ctx: LintContext, r: Rename): Finding[] {
  const sequence = sequenceOf(ctx);
  return ctx.plan.entries.flatMap((entry) => {
    const added = addedColumn(entry);
    if (!added || sequence.firstOf(entry) <= r.at || ctx.normaliseTable(added.table) !== r.to) return [];
    return [
      entryFinding(
        columnHiddenFromOldName,
        ctx.plan,
        entry,
        [],
        `${added.column} is added to ${renamedName(r.spec)} after ${r.entry.id} (line ${r.entry.at.line}) made ` +
          `${r.spec.from} a view of it: the view keeps the columns the table had then, so the application ` +
          `version that still uses ${r.spec.from} neither sees nor writes ${added.column}`,
        [
          'add the column before the rename (then the view shows it), or only read and write it from the version ' +
            'that uses the new name; e.g. list it first:',
          block([
            'expand:',
            `  - ${entry.kind}: …  # ${added.column}`,
            `  - rename_table: { from: ${r.spec.from}, to: ${r.spec.to} }`,
          ]),
        ].join('\n'),
      ),
    ];
  });
}

export const oldTableNameAfterRename: Rule = {
  id: 'old-table-name-after-rename',
  severity: 'error',
  description:
    'A step after rename_table works on the old name, which is a view of the renamed table until contract drops it.',
  check: (ctx) => renames(ctx).flatMap((r) => oldNameUses(ctx, r)),
};

export const columnHiddenFromOldName: Rule = {
  id: 'column-hidden-from-old-name',
  severity: 'warning',
  description: "A column added to a table after rename_table in the same plan: the old name's view does not show it.",
  check: (ctx) => renames(ctx).flatMap((r) => hiddenColumns(ctx, r)),
};
