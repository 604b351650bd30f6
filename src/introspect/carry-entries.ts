/**
 * The change_type / rename_column entries of a plan (and constraints added through a copy: `up`), each checked against the catalog: what the
 * old column carries that the entry does not declare, declares differently, or cannot carry.
 */
import type { Queryable } from '../db/connection.js';
import type { Dialect } from '../dialects/dialect.js';
import type { CarrySpec } from '../operations/carry.js';
import { copiedColumn } from '../operations/constraint-shadow-fields.js';
import type { CompiledPlan } from '../plan/compile.js';
import type { PlanEntry, YamlPath } from '../plan/types.js';
import { compareCarry, describeCarryProblems, hasCarryProblems } from './carry-diff.js';

export interface CarryEntry {
  entry: PlanEntry;
  /** The column whose attachments must be carried: change_type's `column`, rename_column's `from`. */
  column: string;
  spec: CarrySpec;
  /** Where a finding points: the column's key in the entry. */
  path: YamlPath;
  /** change_type: the new type, which the declared default must fit (the swap sets it after contract started). */
  newType?: string | undefined;
  /** The plan's dialect, which reads the catalog. */
  dialect: Dialect;
}

export function carryEntries(compiled: CompiledPlan): CarryEntry[] {
  return compiled.plan.entries.flatMap((entry): CarryEntry[] => {
    const spec = entry.spec as CarrySpec & { column?: string; from?: string };
    const { dialect } = compiled;
    if (entry.kind === 'change_type' && spec.column) {
      const newType = (spec as { type?: string }).type;
      return [{ entry, column: spec.column, spec, path: [...entry.path, 'column'], newType, dialect }];
    }
    // add_check / add_unique / add_foreign_key with `up` replace `column` by a copy (constraint-shadow.ts).
    const copied = copiedColumn(entry.kind, spec);
    if (copied) {
      const path = [...entry.path, 'column'];
      return [{ entry, column: copied.column, spec, path, newType: copied.type, dialect }];
    }
    if (entry.kind === 'rename_column' && spec.from)
      return [{ entry, column: spec.from, spec, path: [...entry.path, 'from'], dialect }];
    // set_not_null `up` / drop_not_null `down` swap a shadow column in too; the NOT NULL is theirs to change.
    const shadow = entry.kind === 'set_not_null' ? 'up' : entry.kind === 'drop_not_null' ? 'down' : undefined;
    if (shadow !== undefined && spec.column && (spec as unknown as Record<string, unknown>)[shadow] !== undefined) {
      const carried = { ...spec, not_null: shadow === 'up' };
      return [{ entry, column: spec.column, spec: carried, path: [...entry.path, 'column'], dialect }];
    }
    return [];
  });
}

export interface CarryFinding {
  /** error: something would be lost, changed or make contract fail; warning: the plan only adds something. */
  severity: 'error' | 'warning';
  message: string;
  help: string;
}

/**
 * Whether the declared default fits a column of the new type, asked of the server without
 * evaluating it: a temp table with that column default, dropped at the end of its own statement.
 * The swap sets the default after contract started, where a failure would leave the plan stuck.
 */
async function defaultProblem(
  db: Queryable,
  d: Dialect,
  type: string,
  expression: string,
): Promise<string | undefined> {
  const why = await d.introspect.columnDefinitionProblem(db, { type, default: expression });
  return why === undefined
    ? undefined
    : `the declared default ${expression} cannot be the default of a column of type ${type} (${why}): the contract ` +
        `swap would fail after contract started. Declare a default for the new type, or default: null`;
}

/**
 * Whether the declared collation applies to the new type (integer has none): caught here rather than by the expand
 * step.
 */
async function collationProblem(
  db: Queryable,
  d: Dialect,
  type: string,
  collation: string,
): Promise<string | undefined> {
  const why = await d.introspect.columnDefinitionProblem(db, { type, collation });
  return why === undefined
    ? undefined
    : `the declared collation ${collation} cannot be given to a column of type ${type} (${why}). Declare collation: ` +
        `null when the new type has no collation`;
}

/**
 * The problem of one entry against the database as it is now; null when it carries exactly what is attached (or the
 * column is absent: other checks say so).
 */
export async function checkCarryEntry(db: Queryable, carry: CarryEntry): Promise<CarryFinding | null> {
  const live = await carry.dialect.introspect.columnAttachments(db, carry.spec.table, carry.column);
  if (!live) return null;
  const problems = compareCarry(carry.entry.kind, carry.spec, live);
  const unfit =
    carry.newType !== undefined && typeof carry.spec.default === 'string'
      ? await defaultProblem(db, carry.dialect, carry.newType, carry.spec.default)
      : undefined;
  if (unfit) problems.blockers.push(unfit);
  const uncollatable =
    carry.newType !== undefined && typeof carry.spec.collation === 'string'
      ? await collationProblem(db, carry.dialect, carry.newType, carry.spec.collation)
      : undefined;
  if (uncollatable) problems.blockers.push(uncollatable);
  const severity = hasCarryProblems(problems) ? 'error' : problems.extra.length > 0 ? 'warning' : null;
  return severity === null
    ? null
    : { severity, ...describeCarryProblems(carry.entry.kind, carry.column, problems, live) };
}
