/**
 * What a plan touches, entry by entry: the table columns it reads, writes or contracts (drops,
 * renames away, changes the type of), read from each operation's spec. `*` stands for the whole
 * table (a table dropped or renamed). Operations that name no column of an existing table (gates,
 * flags, views, raw SQL) touch nothing here: raw SQL is not guessed at.
 */
import type { Phase } from '../../operations/types.js';

export type Access = 'read' | 'write' | 'contract';

export interface Touch {
  table: string;
  /** A column name, or `*` for the whole table. */
  column: string;
  access: Access;
  /** The plan entry (step id) that touches it, and the phase it is listed under. */
  entryId: string;
  phase: Phase;
}

type Spec = Record<string, unknown>;

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const names = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.flatMap((c) => (typeof c === 'string' ? [c] : (text((c as { column?: unknown } | null)?.column) ?? [])))
    : [];

/** Per operation: the columns touched and how. Listed where the spec names them; the rest touch nothing. */
const FOOTPRINTS: Record<string, (s: Spec) => [string | undefined, string[], Access][]> = {
  add_column: (s) => [[text(s.table), [text((s.column as Spec | undefined)?.name) ?? ''], 'write']],
  drop_column: (s) => [[text(s.table), [text(s.column) ?? ''], 'contract']],
  change_type: (s) => [[text(s.table), [text(s.column) ?? ''], 'contract']],
  rename_column: (s) => [
    [text(s.table), [text(s.from) ?? ''], 'contract'],
    [text(s.table), [text(s.to) ?? ''], 'write'],
  ],
  set_not_null: (s) => [[text(s.table), [text(s.column) ?? ''], 'write']],
  drop_not_null: (s) => [[text(s.table), [text(s.column) ?? ''], 'write']],
  set_default: (s) => [[text(s.table), [text(s.column) ?? ''], 'write']],
  drop_default: (s) => [[text(s.table), [text(s.column) ?? ''], 'write']],
  set_comment: (s) => (s.column === undefined ? [] : [[text(s.table), [text(s.column) ?? ''], 'write']]),
  backfill: (s) => [[text(s.table), Object.keys((s.set as Spec | undefined) ?? {}), 'write']],
  verify: (s) => [[text(s.table), Object.keys((s.compare as Spec | undefined) ?? {}), 'read']],
  create_index: (s) => [[text(s.table), [...names(s.columns), ...names(s.include)], 'read']],
  add_unique: (s) => [[text(s.table), names(s.columns), 'read']],
  add_primary_key: (s) => [[text(s.table), names(s.columns), 'read']],
  add_foreign_key: (s) => [
    [text(s.table), names(s.columns), 'read'],
    [text((s.references as Spec | undefined)?.table), names((s.references as Spec | undefined)?.columns), 'read'],
  ],
  drop_table: (s) => [[text(s.name), ['*'], 'contract']],
  rename_table: (s) => [[text(s.from), ['*'], 'contract']],
};

/** The touches of one plan entry (its operation kind and spec as written or normalised). */
export function entryFootprint(kind: string, spec: unknown, entryId: string, phase: Phase): Touch[] {
  const footprint = FOOTPRINTS[kind];
  if (!footprint || spec === null || typeof spec !== 'object') return [];
  return footprint(spec as Spec).flatMap(([table, columns, access]) =>
    table === undefined
      ? []
      : columns.filter((c) => c !== '').map((column) => ({ table: bareTable(table), column, access, entryId, phase })),
  );
}

/** `public.users` and `users` are the same table for this comparison (the default schema). */
function bareTable(table: string): string {
  return table.startsWith('public.') ? table.slice('public.'.length) : table;
}
