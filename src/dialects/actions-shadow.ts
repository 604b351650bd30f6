/**
 * Neutral actions of shadow columns (rename_column, change_type, add_column `sync_from`): the
 * sync between an old and a new column, the carried attachments, the NOT NULL recipe, the swap;
 * and of materialized views. Names in actions are as the plan writes them (schema-qualified
 * where a table is); the dialect quotes them. SQL text appears only where the plan wrote it.
 */

/** Keeps a new column in step with an old one while applications of both generations write. */
export interface SyncSpec {
  table: string;
  /**
   * The column old writers still write. Absent when the new column is computed from the row alone
   * (add_column `up`, drop_column `down`): every write then counts as writing the old side; `forward`
   * is required and `reverse` refused.
   */
  from?: string;
  /** The column being introduced. */
  to: string;
  /** SQL computing `to` over the row's columns by bare name (default: the old column's value). */
  forward?: string;
  /** SQL computing `from` over the row's columns; when set, writers that only know `to` have `from` filled in too. */
  reverse?: string;
  /**
   * The DEFAULT `to` has while the trigger runs (a stable or immutable expression, as the plan
   * declares it): an INSERT that leaves `to` at it did not write it. Absent: `to` has no default.
   */
  toDefault?: string;
  /** The DEFAULT of `from`, as the plan declares it: only compared with when `to` has a default too. */
  fromDefault?: string;
  /**
   * `from` is NOT NULL for the old version while `to` is not (drop_not_null `down`): an INSERT that
   * leaves `from` NULL gets `from` := reverse(row) after `to` is settled, so that a new-version row
   * with NULL in `to` still satisfies the old column.
   */
  fromNotNull?: boolean;
}

/** Why a sync cannot be installed: thrown by a dialect checking `install-sync-function`. */
export class ColumnSyncProblem extends Error {
  constructor(
    readonly field: 'forward' | 'reverse' | 'toDefault' | 'fromDefault',
    readonly problem: { message: string; offset: number },
  ) {
    super(problem.message);
  }
}

/**
 * The sync's function (in the table's schema, `function` qualified like the table) and trigger.
 * With `checkOnly` the function is not rendered: the dialect only refuses, by throwing
 * ColumnSyncProblem, a sync it cannot install safely (plan validation asks this).
 */
export type SyncAction =
  | { kind: 'install-sync-function'; sync: SyncSpec; function: string; checkOnly?: boolean }
  | { kind: 'install-sync-trigger'; table: string; trigger: string; function: string }
  | { kind: 'remove-sync-trigger'; table: string; trigger: string }
  | { kind: 'remove-sync-function'; function: string };

/** Made NOT NULL through a helper CHECK, validated without blocking writes; the probes accept either shape. */
export type NotNullAction =
  | { kind: 'add-not-null-check'; table: string; column: string; check: string }
  | { kind: 'validate-not-null-check'; table: string; column: string; check: string }
  /** `check`: the recipe's helper CHECK, which a dialect may have to drop first (PostgreSQL ignores it). */
  | { kind: 'set-not-null'; table: string; column: string; check?: string }
  | { kind: 'drop-not-null-check'; table: string; check: string }
  | { kind: 'drop-not-null'; table: string; column: string };

/** Who a carried column privilege is granted to: a role (always exactly that name) or everyone. */
export type Grantee = { role: string } | { public: true };

/** Attachments given to the replacement column before anyone reads it. */
export type CarryAction =
  | { kind: 'set-column-collation'; table: string; column: string; type: string; collation: string }
  | { kind: 'set-column-comment'; table: string; column: string; comment: string }
  | { kind: 'grant-column-privileges'; table: string; column: string; privileges: string[]; grantee: Grantee };

/** What the swap hands over from the old column to the one that replaces it. */
export interface SwapCarry {
  /** The sequence the old column owns: released before the drop, owned by the final column after. */
  sequence?: string;
  /** Indexes built under `building`, renamed back (or backing a constraint added USING INDEX). */
  indexes: { name: string; building: string; constraint?: 'primary_key' | 'unique' }[];
  /** CHECKs and foreign keys built under `building`, renamed back. */
  constraints: { name: string; building: string }[];
  /** The final column's DEFAULT, a plan-given expression. */
  default?: string;
  /** Tables locked besides the table: those a renamed foreign key references. */
  alsoLocks: string[];
}

/**
 * The contract swap, in one short transaction that also removes the sync trigger.
 * `drop-old-column` (rename_column): the replacement already has its final name.
 * `swap-in-column` (change_type): the old column goes and the replacement takes its name and `type`.
 */
export type SwapAction =
  | { kind: 'drop-old-column'; table: string; trigger: string; old: string; final: string; carry: SwapCarry }
  | {
      kind: 'swap-in-column';
      table: string;
      trigger: string;
      old: string;
      replacement: string;
      type: string;
      carry: SwapCarry;
    }
  /** The undo of a column the plan added (the replacement), before contract. */
  | { kind: 'drop-added-column'; table: string; column: string }
  /** drop_column `down` at contract: the trigger filling the column, its function and the column, in one transaction. */
  | { kind: 'drop-synced-column'; table: string; column: string; trigger: string; function: string; cascade: boolean };

/** A view index: `building` on the new view, `final` after the swap; the old view's one is parked as `retired`. */
export interface ViewIndexNames {
  final: string;
  building: string;
  retired: string;
}

export interface ViewSwap {
  view: string;
  /** The new view, built beside `view` (same schema). */
  building: string;
  /** Where the old view is parked until contract drops it. */
  retired: string;
  indexes: ViewIndexNames[];
}

/**
 * What reads a materialized view, as the catalog says now (recursively): what a swap carries over.
 * `kind` undefined: something the swap cannot recreate (and refuses over), named in `name`.
 */
export interface ViewDependent {
  kind?: 'view' | 'materialized view' | 'function' | 'procedure';
  name: string;
  /** Steps from the view: 1 reads it directly. */
  depth: number;
  /** A materialized view's size on disk, which the swap rebuilds. */
  bytes?: number;
}

export type ViewAction =
  | { kind: 'create-materialized-view'; name: string; query: string; withData: boolean }
  /** Refused while anything depends on it (never CASCADE); `replacedBy`: the view its dependents should read instead. */
  | { kind: 'drop-materialized-view'; name: string; replacedBy?: string }
  | { kind: 'refresh-materialized-view'; name: string; concurrently: boolean }
  /** A plain (not online) index build: nobody reads the view being built yet. */
  | { kind: 'create-view-index'; view: string; name: string; columns: string[]; unique: boolean }
  | ({ kind: 'swap-materialized-view' } & ViewSwap)
  /** The swap run backwards, only while the old view is still parked. */
  | ({ kind: 'swap-back-materialized-view' } & ViewSwap);

/** Neutral actions of shadow columns, sync triggers, carried attachments and views. */
export type ShadowAction = SyncAction | NotNullAction | CarryAction | SwapAction | ViewAction;
