/**
 * What an imported step touches, as keys an order check can compare: a table (`public.orders`), or one object of a
 * table (`public.orders|c:status` a column, `|k:name` a constraint, `|i:name` an index). A table key overlaps every
 * key of that table. Expressions count every word in them as a column they may read: too many keys only make the
 * check stricter, never blind.
 */
import type { ImportedStep } from '../dialects/import.js';

type Spec = Record<string, unknown>;

/** `orders` → `public.orders` (also the table part of a key like `orders|c:status`). */
export function qualified(key: string): string {
  const bar = key.indexOf('|');
  const table = bar < 0 ? key : key.slice(0, bar);
  return (table.includes('.') ? table : `public.${table}`) + (bar < 0 ? '' : key.slice(bar));
}
const column = (table: string, name: unknown) => `${qualified(table)}|c:${String(name)}`;
const constraint = (table: string, name: unknown) => `${qualified(table)}|k:${String(name)}`;
const index = (table: string, name: unknown) => `${qualified(table)}|i:${String(name)}`;

/** The identifiers written in an expression (quoted ones as written, others folded to lower case). */
export function wordsOf(expression: unknown): string[] {
  if (typeof expression !== 'string') return [];
  const withoutStrings = expression.replace(/'(?:[^']|'')*'/g, ' ');
  const words: string[] = [];
  for (const m of withoutStrings.matchAll(/"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)/g))
    words.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.toLowerCase());
  return words;
}

const expressionColumns = (table: string, ...expressions: unknown[]) =>
  expressions.flatMap((e) => wordsOf(e)).map((w) => column(table, w));

const listed = (table: string, names: unknown) =>
  ((names as unknown[] | undefined) ?? []).map((n) =>
    column(table, typeof n === 'string' ? n : ((n as Spec).column ?? (n as Spec).name)),
  );

type Toucher = (s: Spec) => string[];

const COLUMN_STEP: Toucher = (s) => [column(String(s.table), s.column)];

const TOUCHERS: Record<string, Toucher> = {
  create_table: (s) => [qualified(String(s.name))],
  drop_table: (s) => [qualified(String(s.name))],
  rename_table: (s) => [qualified(String(s.from)), qualified(String(s.to))],
  create_materialized_view: (s) => [qualified(String(s.name)), ...wordsOf(s.query).map(qualified)],
  refresh_materialized_view: (s) => [qualified(String(s.name))],
  add_column: (s) => [column(String(s.table), (s.column as Spec).name)],
  drop_column: COLUMN_STEP,
  change_type: (s) => [COLUMN_STEP(s), expressionColumns(String(s.table), s.up, s.using)].flat(),
  set_not_null: COLUMN_STEP,
  drop_not_null: COLUMN_STEP,
  // A default decides what later INSERTs not naming the column write: it touches the table's rows too.
  set_default: (s) => [...COLUMN_STEP(s), `${qualified(String(s.table))}|rows`],
  drop_default: (s) => [...COLUMN_STEP(s), `${qualified(String(s.table))}|rows`],
  rename_column: (s) => [column(String(s.table), s.from), column(String(s.table), s.to)],
  backfill: (s) => {
    const table = String(s.table);
    const set = (s.set as Spec | undefined) ?? {};
    return [
      ...Object.keys(set).map((c) => column(table, c)),
      ...expressionColumns(table, ...Object.values(set), s.where),
    ];
  },
  add_check: (s) => [constraint(String(s.table), s.name), ...expressionColumns(String(s.table), s.expression)],
  add_unique: (s) => [constraint(String(s.table), s.name), ...listed(String(s.table), s.columns)],
  add_primary_key: (s) => [constraint(String(s.table), s.name), ...listed(String(s.table), s.columns)],
  add_foreign_key: (s) => {
    const references = s.references as Spec;
    return [
      constraint(String(s.table), s.name),
      ...listed(String(s.table), s.columns),
      ...listed(String(references.table), references.columns),
    ];
  },
  drop_constraint: (s) => [constraint(String(s.table), s.name)],
  validate_constraint: (s) => [constraint(String(s.table), s.name)],
  rename_constraint: (s) => [constraint(String(s.table), s.from), constraint(String(s.table), s.to)],
  create_index: (s) => [
    index(String(s.table), s.name),
    ...listed(String(s.table), s.columns),
    ...expressionColumns(String(s.table), ...((s.expressions as unknown[] | undefined) ?? []), s.where),
  ],
  drop_index: (s) => [index(String(s.table), s.name)],
  set_comment: (s) =>
    s.column === undefined ? [`${qualified(String(s.table))}|comment`] : [column(String(s.table), s.column)],
};

export function kindOf(imported: ImportedStep): [string, Spec] {
  return Object.entries(imported.step)[0] as [string, Spec];
}

export function touchesOf(imported: ImportedStep): string[] {
  const [kind, spec] = kindOf(imported);
  const own = TOUCHERS[kind]?.(spec) ?? [];
  return [...own, ...(imported.touches ?? []).map(qualified)];
}

export function overlap(a: string, b: string): boolean {
  return a === b || b.startsWith(`${a}|`) || a.startsWith(`${b}|`);
}

/** Steps whose work finishes in contract (a column or table swapped there), whatever phase they start in. */
export const FINISHES_IN_CONTRACT = new Set(['change_type', 'rename_column', 'rename_table']);
