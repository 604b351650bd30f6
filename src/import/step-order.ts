/**
 * A plan runs every expand step before every migrate step before every contract step, so an import moves steps
 * away from the order of the SQL. That is only right when the moved steps do not act on the same things. This file
 * first folds pairs that have one correct meaning (DROP DEFAULT then SET DEFAULT is the SET DEFAULT; a type change
 * then SET NOT NULL is a type change whose new column is NOT NULL), then finds every pair left whose order the plan
 * would change although they touch the same table, column, constraint or index: the import refuses those.
 */
import type { ImportedStatement, ImportedStep, ImportPhase } from '../dialects/import.js';
import type { ImportedFile } from './build-plan.js';
import { FINISHES_IN_CONTRACT, kindOf, overlap, touchesOf } from './step-touches.js';

interface Entry {
  file: ImportedFile;
  statement: ImportedStatement;
  step: ImportedStep;
  /** Statement number across the import, and the part of it, in source order. */
  order: number;
  unit: number;
}

export interface OrderConflict {
  earlier: { file: string; line: number; col: number; summary: string };
  later: { file: string; line: number; col: number; summary: string };
  what: string;
}

const RANK: Record<ImportPhase, number> = { expand: 0, migrate: 1, contract: 2 };
const FAMILY: Record<string, string> = {
  set_not_null: 'nullability',
  drop_not_null: 'nullability',
  set_default: 'default',
  drop_default: 'default',
};

/** Add a rule the existing rows must meet: two of them give the same result in either order. */
const CHECKS = new Set([
  'set_not_null',
  'validate_constraint',
  'add_check',
  'add_unique',
  'add_primary_key',
  'add_foreign_key',
  'create_index',
]);
const DEFAULTS = new Set(['set_default', 'drop_default']);

const where = (e: Entry) => `${e.file.label}:${e.statement.line}`;

function entriesOf(files: ImportedFile[]): Entry[] {
  const entries: Entry[] = [];
  let order = 0;
  for (const file of files)
    for (const statement of file.statements) {
      order++;
      for (const step of statement.steps) entries.push({ file, statement, step, order, unit: step.unit ?? 0 });
    }
  return entries;
}

function remove(entry: Entry, reason: string): void {
  entry.statement.steps = entry.statement.steps.filter((s) => s !== entry.step);
  if (entry.statement.steps.length === 0) entry.statement.dropped = reason;
}

/** The value a NOT NULL / DEFAULT change gives change_type's field of the same name. */
function foldInto(target: ImportedStep, kind: string, spec: Record<string, unknown>): string {
  const [, change] = kindOf(target);
  if (kind === 'set_not_null' || kind === 'drop_not_null') {
    change.not_null = kind === 'set_not_null';
    return `not_null: ${String(change.not_null)}`;
  }
  change.default = kind === 'set_default' ? spec.default : null;
  return kind === 'set_default' ? 'its default' : 'default: null (no default)';
}

/**
 * A NOT NULL or DEFAULT change of a column decides that attribute: earlier changes of the same attribute (back to
 * anything else done to the column) are superseded, and a type change among them takes it as its new column's.
 */
function foldOne(alive: Entry[], i: number): void {
  const later = alive[i]!;
  const [kind, spec] = kindOf(later.step);
  const family = FAMILY[kind]!;
  const [key, ...others] = touchesOf(later.step);
  let folded = false;
  for (let j = i - 1; j >= 0; j--) {
    const earlier = alive[j]!;
    const touches = touchesOf(earlier.step);
    if (!touches.some((t) => [key!, ...others].some((k) => overlap(t, k)))) continue;
    const [earlierKind] = kindOf(earlier.step);
    if (touches[0] !== key && DEFAULTS.has(earlierKind)) continue;
    if (touches[0] !== key) return;
    if (earlierKind === 'change_type' && !folded) {
      const what = foldInto(earlier.step, kind, spec);
      earlier.step.decision += `; ${where(later)} (${later.statement.summary}) folded in as ${what}`;
      remove(later, `folded into the change_type of ${where(earlier)}`);
      alive.splice(i, 1);
      folded = true;
    } else if (FAMILY[earlierKind] === family) {
      remove(earlier, `superseded by ${where(later)} (${later.statement.summary}) on the same column`);
      if (!folded) later.step.decision += `; supersedes ${where(earlier)} (${earlier.statement.summary})`;
      alive.splice(j, 1);
      if (!folded) i--;
    } else if (!FAMILY[earlierKind]) return;
  }
}

/**
 * NOT NULL/DEFAULT changes just before a type change (nothing else done to the column between) decide what its new
 * column carries; returns how many entries it took.
 */
function foldEarlierInto(alive: Entry[], i: number): number {
  const change = alive[i]!;
  const key = touchesOf(change.step)[0]!;
  const decided = new Set<string>();
  let taken = 0;
  for (let j = i - 1; j >= 0; j--) {
    const earlier = alive[j]!;
    const touches = touchesOf(earlier.step);
    if (!touches.some((t) => overlap(t, key))) continue;
    const [kind, spec] = kindOf(earlier.step);
    const family = FAMILY[kind];
    if (touches[0] !== key || !family) return taken;
    if (!decided.has(family)) {
      const what = foldInto(change.step, kind, spec);
      change.step.decision += `; ${where(earlier)} (${earlier.statement.summary}) before it: its new column gets ${what}`;
      decided.add(family);
    }
    remove(earlier, `folded into the change_type of ${where(change)}`);
    alive.splice(j, 1);
    taken++;
  }
  return taken;
}

/** Folds NOT NULL/DEFAULT changes into what they supersede or complete; returns the entries left. */
function fold(entries: Entry[]): Entry[] {
  const alive = [...entries];
  for (let i = 0; i < alive.length; i++) {
    const [kind] = kindOf(alive[i]!.step);
    if (kind === 'change_type') i -= foldEarlierInto(alive, i);
    if (!FAMILY[kind]) continue;
    const before = alive.length;
    foldOne(alive, i);
    i -= before - alive.length;
  }
  return alive;
}

function finishes(entry: Entry): number {
  const [kind] = kindOf(entry.step);
  return FINISHES_IN_CONTRACT.has(kind) ? RANK.contract : RANK[entry.step.phase];
}

const at = (e: Entry) => ({
  file: e.file.label,
  line: e.statement.line,
  col: e.statement.col,
  summary: e.statement.summary,
});

/**
 * Pairs whose order does not change the outcome: a default only acts on later inserts, a plain index accepts any
 * rows written before or after it.
 */
function commute(a: ImportedStep, b: ImportedStep): boolean {
  const [[x, xs], [y, ys]] = [kindOf(a), kindOf(b)];
  const plainIndex = (kind: string, spec: Record<string, unknown>) => kind === 'create_index' && !spec.unique;
  if (CHECKS.has(x) && CHECKS.has(y)) return true;
  if (DEFAULTS.has(x) && DEFAULTS.has(y)) return touchesOf(a)[0] !== touchesOf(b)[0];
  if (DEFAULTS.has(x) && (CHECKS.has(y) || y === 'backfill')) return true;
  if (DEFAULTS.has(y) && (CHECKS.has(x) || x === 'backfill')) return true;
  const writesRows = (step: ImportedStep, kind: string) =>
    kind === 'backfill' || (kind === 'sql' && step.phase === 'migrate');
  return (plainIndex(x, xs) && writesRows(b, y)) || (plainIndex(y, ys) && writesRows(a, x));
}

function conflictOf(earlier: Entry, later: Entry): OrderConflict | undefined {
  if (earlier.order === later.order && earlier.unit === later.unit) return undefined;
  if (RANK[later.step.phase] >= finishes(earlier)) return undefined;
  if (commute(earlier.step, later.step)) return undefined;
  const mine = touchesOf(earlier.step);
  const shared = touchesOf(later.step).find((t) => mine.some((m) => overlap(m, t)));
  if (shared === undefined) return undefined;
  const [earlierKind] = kindOf(earlier.step);
  const [laterKind] = kindOf(later.step);
  return {
    earlier: at(earlier),
    later: at(later),
    what:
      `its ${laterKind} (${later.step.phase}) would run before the ${earlierKind} of the earlier statement ` +
      `(${earlier.step.phase}${finishes(earlier) !== RANK[earlier.step.phase] ? ', finished in contract' : ''}), ` +
      `and both act on ${shared.replace('|c:', '.').replace('|k:', ' constraint ').replace('|i:', ' index ')}`,
  };
}

/**
 * Folds what has one meaning, then returns the first pair of statements the plan would run in another order than
 * the SQL although they act on the same object (undefined when there is none).
 */
export function orderConflict(files: ImportedFile[]): OrderConflict | undefined {
  const entries = fold(entriesOf(files));
  for (let i = 0; i < entries.length; i++)
    for (let j = i + 1; j < entries.length; j++) {
      const conflict = conflictOf(entries[i]!, entries[j]!);
      if (conflict) return conflict;
    }
  return undefined;
}
