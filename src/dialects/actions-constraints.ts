/**
 * Neutral actions of add_primary_key (the unique index is built with `build-index` where it can be
 * attached; elsewhere the key builds its own index: `add-primary-key-online`).
 */
import type { StorageParameters } from './actions-table.js';

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

/**
 * A PRIMARY KEY built in one online statement with its own index, where an index cannot be attached
 * (SQL Server). The key columns are NOT NULL already (the guard and set_not_null saw to it).
 */
export interface AddPrimaryKeyOnlineAction {
  kind: 'add-primary-key-online';
  table: string;
  name: string;
  columns: string[];
  /** The plan's index_parameters, for the dialect to render or refuse. */
  include?: string[];
  storage?: StorageParameters;
  tablespace?: string;
}

export type ConstraintAction = PrimaryKeyGuardAction | AddPrimaryKeyUsingIndexAction | AddPrimaryKeyOnlineAction;
