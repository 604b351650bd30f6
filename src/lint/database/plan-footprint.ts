/**
 * What a plan touches, entry by entry: the table columns it reads, writes or contracts (drops,
 * renames away, changes the type of), read from each operation's spec. `*` stands for the whole
 * table (a table dropped or renamed). Operations that name no column of an existing table (gates,
 * flags, views, raw SQL) touch nothing here: raw SQL is not guessed at.
 */
import { boundedName } from '../../operations/sync-trigger.js';
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

/** `[table, columns, access, lasting]`: `lasting` marks a touch that lasts until contract (a sync trigger, a swap). */
type Footprint = [string | undefined, string[], Access, 'until-contract'?];

/** The shadow column a composite operation builds beside `column` and swaps in at contract. */
const tempColumn = (s: Spec): string => text(s.temp_column) ?? boundedName(text(s.column) ?? '', 'new');

/**
 * A column swapped at contract (change_type; set_not_null / add_check / add_unique / add_foreign_key with `up`;
 * drop_not_null with `down`): the column is contracted, its shadow written until then.
 */
const swapped = (s: Spec): Footprint[] => [
  [text(s.table), [text(s.column) ?? ''], 'contract'],
  [text(s.table), [tempColumn(s)], 'write', 'until-contract'],
];

/** `sync_from`: the trigger reads the old column until contract, and writes it back with `both_ways`/`reverse`. */
function syncSource(s: Spec): Footprint[] {
  const from = s.sync_from;
  const column = typeof from === 'string' ? from : text((from as Spec | undefined)?.column);
  if (column === undefined) return [];
  const back =
    typeof from === 'object' && from !== null && ((from as Spec).both_ways === true || (from as Spec).reverse);
  return [[text(s.table), [column], back ? 'write' : 'read', 'until-contract']];
}

/** A constraint added to columns it reads, or (with `up`) through a copy of `column` swapped in at contract. */
const constraint =
  (columns: (s: Spec) => string[]) =>
  (s: Spec): Footprint[] => [
    [text(s.table), columns(s), 'read'],
    ...(s.up !== undefined && s.column !== undefined ? swapped(s) : []),
  ];

/** Per operation: the columns touched and how. Listed where the spec names them; the rest touch nothing. */
const FOOTPRINTS: Record<string, (s: Spec) => Footprint[]> = {
  add_column: (s) => [[text(s.table), [text((s.column as Spec | undefined)?.name) ?? ''], 'write'], ...syncSource(s)],
  drop_column: (s) => [[text(s.table), [text(s.column) ?? ''], 'contract']],
  change_type: swapped,
  rename_column: (s) => [
    [text(s.table), [text(s.from) ?? ''], 'contract'],
    [text(s.table), [text(s.to) ?? ''], 'write'],
  ],
  set_not_null: (s) => (s.up !== undefined ? swapped(s) : [[text(s.table), [text(s.column) ?? ''], 'write']]),
  drop_not_null: (s) => (s.down !== undefined ? swapped(s) : [[text(s.table), [text(s.column) ?? ''], 'write']]),
  set_default: (s) => [[text(s.table), [text(s.column) ?? ''], 'write']],
  drop_default: (s) => [[text(s.table), [text(s.column) ?? ''], 'write']],
  set_comment: (s) => (s.column === undefined ? [] : [[text(s.table), [text(s.column) ?? ''], 'write']]),
  backfill: (s) => [[text(s.table), Object.keys((s.set as Spec | undefined) ?? {}), 'write']],
  verify: (s) => [[text(s.table), Object.keys((s.compare as Spec | undefined) ?? {}), 'read']],
  create_index: (s) => [[text(s.table), [...names(s.columns), ...names(s.include)], 'read']],
  add_check: constraint(() => []),
  add_unique: constraint((s) => names(s.columns)),
  add_primary_key: (s) => [[text(s.table), names(s.columns), 'read']],
  add_foreign_key: (s) => [
    ...constraint((t) => names(t.columns))(s),
    [text((s.references as Spec | undefined)?.table), names((s.references as Spec | undefined)?.columns), 'read'],
  ],
  drop_table: (s) => [[text(s.name), ['*'], 'contract']],
  rename_table: (s) => [[text(s.from), ['*'], 'contract']],
};

/** The touches of one plan entry (its operation kind and spec as written or normalised). */
export function entryFootprint(kind: string, spec: unknown, entryId: string, phase: Phase): Touch[] {
  const footprint = FOOTPRINTS[kind];
  if (!footprint || spec === null || typeof spec !== 'object') return [];
  return footprint(spec as Spec).flatMap(([table, columns, access, lasting]) =>
    table === undefined
      ? []
      : columns
          .filter((c) => c !== '')
          .map((column) => ({
            table: bareTable(table),
            column,
            access,
            entryId,
            phase: lasting === 'until-contract' ? 'contract' : phase,
          })),
  );
}

/** `public.users` and `users` are the same table for this comparison (the default schema). */
function bareTable(table: string): string {
  return table.startsWith('public.') ? table.slice('public.'.length) : table;
}
