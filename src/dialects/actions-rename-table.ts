/**
 * Neutral actions of rename_table: the table takes its new name and a view under the old name keeps
 * the old application version reading and writing. `table` is the old name as the plan writes it
 * (schema-qualified or not); `to` is the new bare name, in the same schema.
 */
export type RenameTableAction =
  /** Rename, then the old name becomes an updatable view of every column, with the table's privileges. */
  | { kind: 'rename-table-behind-view'; table: string; to: string }
  /** Contract: the old name's view goes (never with what depends on it). */
  | { kind: 'drop-old-name-view'; table: string; to: string }
  /** The undo before contract: drop the view, give the table its old name back. */
  | { kind: 'rename-table-back'; table: string; to: string };
