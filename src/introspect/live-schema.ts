/** What `readLiveSchema` reads from a PostgreSQL catalog: plain data, no connection attached. */

export type RelationKind =
  | 'table'
  | 'partitioned table'
  | 'view'
  | 'materialized view'
  | 'foreign table'
  | 'index'
  | 'partitioned index'
  | 'sequence';

export type ConstraintType = 'check' | 'foreign key' | 'primary key' | 'unique' | 'exclusion' | 'not null' | 'trigger';

export interface LiveColumn {
  name: string;
  /** As `\d` shows it, typmod included: `character varying(255)`. */
  type: string;
  /** Without typmod: `character varying`; compared with plan types resolved by the server. */
  baseType: string;
  notNull: boolean;
}

export interface LiveConstraint {
  name: string;
  type: ConstraintType;
  validated: boolean;
  /** The constrained columns, in key order. */
  columns: string[];
  /** For a CHECK that is exactly `col IS NOT NULL`: that column (SET NOT NULL can skip its scan). */
  notNullOf?: string;
  /** For a foreign key: the referenced table's key (`schema.name`) and the unique index it depends on. */
  references?: { table: string; index: string };
}

export interface LiveIndex {
  /** The indexed table's key (`schema.name`). */
  table: string;
  valid: boolean;
  unique: boolean;
  primary: boolean;
  partial: boolean;
  /** Key columns in order; null when some key is an expression. */
  columns: string[] | null;
}

/** Something that makes DROP TABLE (without CASCADE) fail: a view reading the table, another table's foreign key. */
export interface LiveDependent {
  /** As people name it: `view public.order_totals`, `foreign key invoices_order_id_fkey on invoices`. */
  what: string;
  /** The key (`schema.name`) of the view or table holding it; null when it is not part of a relation. */
  relation: string | null;
  /** For a foreign key: its name on `relation`. */
  constraint: string | null;
}

export interface LiveRelation {
  schema: string;
  name: string;
  kind: RelationKind;
  /** pg_class.reltuples (summed over partitions); null when never analyzed or vacuumed. */
  rows: number | null;
  /** relpages × block size, TOAST included (summed over partitions); null with `rows`. */
  bytes: number | null;
  /** A materialized view has data (false after WITH NO DATA). */
  populated: boolean;
  /** Empty for indexes and sequences; for pg_catalog relations not read (null). */
  columns: LiveColumn[] | null;
  constraints: LiveConstraint[];
  /** User triggers (not the internal ones of foreign keys). */
  triggers: string[];
  index?: LiveIndex;
  /** For a table: what depends on it (read by introspection; absent when not read). */
  dependents?: LiveDependent[];
}

export interface ServerInfo {
  /** `server_version`, e.g. `15.4 (Debian 15.4-1)` trimmed to `15.4`. */
  version: string;
  /** `server_version_num`, e.g. 150004. */
  versionNum: number;
}

export interface LiveSchema {
  server: ServerInfo;
  database: string;
  /** `current_schemas(true)` without pg_temp: where unqualified names are looked up, in order. */
  searchPath: string[];
  relations: LiveRelation[];
}

export function relationKey(schema: string, name: string): string {
  return `${schema}.${name}`;
}
