/**
 * Neutral actions on a table's metadata (owned by set_default, drop_default, set_comment,
 * set_replica_identity, rename_constraint): nothing is scanned or rewritten. A `replaces` says what
 * the plan changes away from: the database checks it in the step's own transaction, before the
 * change, and refuses the step when the live value is something else (drift).
 */

/** What a step expects to find before it changes it; the step refuses anything else. */
export interface Replaces<T> {
  value: T;
  /** The step's own target already in place also passes (an undo whose effect a killed rollback already made). */
  targetOk: boolean;
}

/** SET DEFAULT (`default` a SQL expression) or DROP DEFAULT (`default` null). */
export interface SetColumnDefaultAction {
  kind: 'set-column-default';
  table: string;
  column: string;
  default: string | null;
  /** The default the plan says the column has before (null: none). */
  replaces?: Replaces<string | null>;
}

/** COMMENT ON TABLE (no `column`) or COMMENT ON COLUMN; `comment` null removes it. */
export interface SetCommentAction {
  kind: 'set-comment';
  table: string;
  column?: string;
  comment: string | null;
  replaces?: Replaces<string | null>;
}

export const REPLICA_IDENTITIES = ['default', 'full', 'nothing', 'index'] as const;
export type ReplicaIdentityKind = (typeof REPLICA_IDENTITIES)[number];

export interface ReplicaIdentity {
  identity: ReplicaIdentityKind;
  /** For `index`: the unique index (in the table's schema) that identifies rows. */
  index?: string;
}

export interface SetReplicaIdentityAction extends ReplicaIdentity {
  kind: 'set-replica-identity';
  table: string;
  replaces?: Replaces<ReplicaIdentity>;
}

/** ALTER TABLE … RENAME CONSTRAINT (an index-backed constraint's index is renamed with it). */
export interface RenameConstraintAction {
  kind: 'rename-constraint';
  table: string;
  from: string;
  to: string;
}

export type MetaAction = SetColumnDefaultAction | SetCommentAction | SetReplicaIdentityAction | RenameConstraintAction;
