/** Neutral actions of add_primary_key (the unique index is built with `build-index`). */

/**
 * Refuses (raises) unless the table has no primary key other than `name` and every column in
 * `mustBeNotNull` is NOT NULL: attaching the key to nullable columns would SET NOT NULL with a full
 * scan under the strongest lock.
 */
export interface PrimaryKeyGuardAction {
  kind: 'primary-key-guard';
  table: string;
  name: string;
  mustBeNotNull: string[];
}

/** A PRIMARY KEY constraint that takes over an existing valid unique index on NOT NULL columns. */
export interface AddPrimaryKeyUsingIndexAction {
  kind: 'add-primary-key-using-index';
  table: string;
  name: string;
  index: string;
  /** Checked again in the statement's transaction, right before the key is attached. */
  columns: string[];
}

export type ConstraintAction = PrimaryKeyGuardAction | AddPrimaryKeyUsingIndexAction;
