import type { Plan, PlanEntry, YamlPath } from '../../plan/types.js';
import { block, entryFinding } from '../finding.js';
import type { Finding, LintContext, Rule } from '../types.js';

/** A column this plan adds, which holds NULL in every existing row until something fills it. */
interface AddedColumn {
  table: string;
  column: string;
  /** What fills it, when the plan says (add_column's sync_from). */
  value?: string;
}

/** Something that needs the column to be non-NULL in every row, and where it runs. */
interface NeedsValues {
  entry: PlanEntry;
  table: string;
  column: string;
  /** Position in execution order of the first statement that needs the values. */
  at: number;
  path: YamlPath;
  what: string;
}

/** Compares a table as the plan and raw SQL name it (`public.orders` = `orders` on PostgreSQL). */
const keyOf = (ctx: LintContext) => (table: string, column: string) => `${ctx.normaliseTable(table)}\u0000${column}`;

function addedColumns(ctx: LintContext): Map<string, AddedColumn> {
  const key = keyOf(ctx);
  const added = new Map<string, AddedColumn>();
  for (const { entry, steps } of ctx.compiled.entries) {
    if (entry.kind === 'add_column') {
      const spec = entry.spec as {
        table: string;
        column: { name: string; default?: string };
        sync_from?: string | { column: string; expression?: string };
      };
      if (spec.column.default !== undefined) continue;
      const from = spec.sync_from;
      const value = typeof from === 'string' ? from : (from?.expression ?? from?.column);
      added.set(key(spec.table, spec.column.name), {
        table: spec.table,
        column: spec.column.name,
        ...(value === undefined ? {} : { value }),
      });
    } else if (entry.kind !== 'backfill') {
      // rename_column, change_type: the column they fill with their own backfill is one they add.
      for (const step of steps) {
        if (step.kind === 'backfill')
          for (const column of Object.keys(step.set)) added.set(key(step.table, column), { table: step.table, column });
      }
    }
  }
  for (const c of ctx.raw.flatMap((s) => s.columnChanges)) {
    if (c.change === 'add' && !c.hasDefault) added.set(key(c.table, c.column), { table: c.table, column: c.column });
  }
  return added;
}

function needs(ctx: LintContext, order: (entry: PlanEntry, stepSuffix?: string) => number): NeedsValues[] {
  const out: NeedsValues[] = [];
  const notNullColumns = (condition: string) => ctx.compiled.dialect.parser.notNullColumns(condition);
  const checks = ctx.plan.entries.filter((e) => e.kind === 'add_check');
  for (const entry of ctx.plan.entries) {
    const spec = entry.spec as {
      table: string;
      column?: string;
      name?: string;
      expression?: string;
      validate?: boolean;
    };
    if (entry.kind === 'set_not_null' && spec.column) {
      out.push({
        entry,
        table: spec.table,
        column: spec.column,
        at: order(entry),
        path: ['column'],
        what: `set_not_null on ${spec.table}.${spec.column}`,
      });
    } else if (entry.kind === 'add_check' && spec.validate !== false) {
      for (const column of notNullColumns(spec.expression ?? '')) {
        out.push({
          entry,
          table: spec.table,
          column,
          at: order(entry, '/validate'),
          path: ['expression'],
          what: `add_check ${spec.name ?? ''} (validated) requiring ${column} IS NOT NULL`,
        });
      }
    } else if (entry.kind === 'validate_constraint') {
      const check = checks.find(
        (c) =>
          (c.spec as typeof spec).name === spec.name &&
          ctx.normaliseTable((c.spec as typeof spec).table) === ctx.normaliseTable(spec.table),
      );
      for (const column of notNullColumns((check?.spec as typeof spec | undefined)?.expression ?? '')) {
        out.push({
          entry,
          table: spec.table,
          column,
          at: order(entry),
          path: ['name'],
          what: `validate_constraint ${spec.name ?? ''} requiring ${column} IS NOT NULL`,
        });
      }
    }
  }
  return out;
}

function finding(plan: Plan, need: NeedsValues, column: AddedColumn): Finding {
  const value = column.value ?? '<value>';
  return entryFinding(
    notNullBeforeBackfill,
    plan,
    need.entry,
    need.path,
    `${need.what}: this plan adds ${column.table}.${column.column} and no earlier step backfills it, so existing ` +
      `rows are NULL and the step fails`,
    [
      'backfill the column in a step that runs before this one, e.g.:',
      block([
        'migrate:',
        `  - backfill: { table: ${column.table}, set: { ${column.column}: ${value} }, where: ${column.column} IS ` +
          `NULL }`,
        `  - ${need.entry.kind}: …   # this step, after the backfill`,
      ]),
    ].join('\n'),
  );
}

export const notNullBeforeBackfill: Rule = {
  id: 'not-null-before-backfill',
  severity: 'error',
  description:
    'set_not_null (or validating an IS NOT NULL check) on a column this plan adds, before any step backfills it.',
  check(ctx: LintContext) {
    const added = addedColumns(ctx);
    if (added.size === 0) return [];
    const key = keyOf(ctx);
    const sequence = ctx.compiled.phases.flatMap((p) => p.steps);
    const order = (entry: PlanEntry, suffix?: string) => {
      const own = sequence.map((s, i) => ({ s, i })).filter(({ s }) => s.entry === entry);
      return (own.find(({ s }) => suffix !== undefined && s.step.id.endsWith(suffix)) ?? own[0])?.i ?? sequence.length;
    };
    const backfilledAt = new Map<string, number>();
    sequence.forEach(({ step }, i) => {
      if (step.kind !== 'backfill') return;
      for (const column of Object.keys(step.set))
        if (!backfilledAt.has(key(step.table, column))) backfilledAt.set(key(step.table, column), i);
    });
    return needs(ctx, order).flatMap((need) => {
      const column = added.get(key(need.table, need.column));
      const filled = backfilledAt.get(key(need.table, need.column));
      return column && (filled === undefined || filled > need.at) ? [finding(ctx.plan, need, column)] : [];
    });
  },
};
