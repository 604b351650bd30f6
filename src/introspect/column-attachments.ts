/**
 * Everything attached to one column, as a dialect's Introspector reads it: what change_type and
 * rename_column must carry to the column that replaces it, and what would make contract's DROP
 * COLUMN fail or silently take something with it.
 */

export interface LiveIndexAttachment {
  name: string;
  unique: boolean;
  method: string;
  keys: string[];
  include: string[];
  where: string | null;
  /** The constraint the index backs: p (primary key), u (unique), x (exclusion). */
  constraint: 'p' | 'u' | 'x' | null;
  /**
   * No DESC/NULLS order, non-default operator class or collation, NULLS NOT DISTINCT: the declaration describes it
   * fully.
   */
  plain: boolean;
  /** The table's REPLICA IDENTITY USING INDEX: logical replication would lose it with the old column. */
  replident: boolean;
}

export interface LiveCheckAttachment {
  name: string;
  expression: string;
  noInherit: boolean;
}

export interface LiveForeignKeyAttachment {
  name: string;
  columns: string[];
  references: { table: string; columns: string[] };
  onDelete: string;
  onUpdate: string;
  /** Deferrable, MATCH FULL or an ON DELETE SET NULL (cols) list: not described by a declaration. */
  plain: boolean;
}

export type LiveGrant = ({ role: string; public?: undefined } | { role?: undefined; public: true }) & {
  privileges: string[];
};

export interface LiveColumnAttachments {
  table: string;
  column: string;
  notNull: boolean;
  identity: boolean;
  default: string | null;
  comment: string | null;
  /** A collation other than the type's default, as schema.name (e.g. public.ci). */
  collation: string | null;
  /**
   * Column privileges by grantee: `public: true` for the pseudo-role PUBLIC (grantee 0), never a role that happens to
   * be named "PUBLIC".
   */
  grants: LiveGrant[];
  /** The sequence owned by the column (a serial): contract would drop it with the old column. */
  ownedSequence: string | null;
  indexes: LiveIndexAttachment[];
  checks: LiveCheckAttachment[];
  foreignKeys: LiveForeignKeyAttachment[];
  /** Foreign keys of other tables (or this one) that reference the column. */
  inboundForeignKeys: { name: string; table: string }[];
  /** Views and materialized views that read the column. */
  views: { name: string; kind: 'view' | 'materialized view' }[];
  /** Anything else that depends on the column (policies, statistics, generated columns, triggers on it…). */
  others: string[];
}
