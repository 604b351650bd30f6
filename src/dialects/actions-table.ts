/**
 * Neutral actions on columns, constraints and indexes (owned by the table operations). Tables are
 * written as in the plan (`schema.name` or `name`); SQL text appears only where the plan gives it
 * (a type, a default, a CHECK condition, an index expression or predicate, a raw statement).
 */

export const REFERENTIAL_ACTIONS = ['no_action', 'restrict', 'cascade', 'set_null', 'set_default'] as const;
export type ReferentialAction = (typeof REFERENTIAL_ACTIONS)[number];

/** A function or operator a plan expression calls, as written: `public.always_ten`, `+++`. */
export interface CalledRoutine {
  kind: 'function' | 'operator';
  schema?: string;
  name: string;
}

export interface AddColumnAction {
  kind: 'add-column';
  table: string;
  column: string;
  type: string;
  default?: string;
  notNull: boolean;
  /** Set in the same transaction (COMMENT ON COLUMN): an adopted column keeps its own. */
  comment?: string;
  /** Routines in `default` whose volatility only the database knows: it must confirm none is volatile first. */
  confirmNotVolatile?: CalledRoutine[];
}

export interface DropColumnAction {
  kind: 'drop-column';
  table: string;
  column: string;
  /** Also drop what depends on the column. */
  cascade: boolean;
}

/** A CHECK constraint that new rows must meet; existing rows are checked later (validate-constraint). */
export interface AddCheckUncheckedAction {
  kind: 'add-check-unchecked';
  table: string;
  name: string;
  expression: string;
  /** NO INHERIT: the constraint holds on this table only, not on its children. */
  noInherit?: boolean;
}

/** A foreign key that new rows must meet; existing rows are checked later (validate-constraint). */
export interface AddForeignKeyUncheckedAction {
  kind: 'add-foreign-key-unchecked';
  table: string;
  name: string;
  columns: string[];
  references: { table: string; columns: string[] };
  onDelete?: ReferentialAction;
  /** ON DELETE SET NULL / SET DEFAULT of only these referencing columns. */
  onDeleteColumns?: string[];
  onUpdate?: ReferentialAction;
  match?: 'simple' | 'full';
  deferrable?: Deferrable;
}

/** DEFERRABLE, and INITIALLY DEFERRED when `initiallyDeferred`. */
export interface Deferrable {
  initiallyDeferred: boolean;
}

/** One key's options beyond the plain column. */
export interface IndexKeyOptions {
  sort?: 'asc' | 'desc';
  nulls?: 'first' | 'last';
  /** An operator class, optionally schema-qualified. */
  opclass?: string;
  collation?: { schema?: string; name: string };
}

/** Index storage parameters: names are identifiers, values numbers, booleans or words. */
export type StorageParameters = Record<string, string | number | boolean>;

export interface ValidateConstraintAction {
  kind: 'validate-constraint';
  table: string;
  name: string;
  /** Other tables the check reads (a foreign key's referenced table), locked more weakly. */
  alsoReads: string[];
}

export interface DropConstraintAction {
  kind: 'drop-constraint';
  table: string;
  name: string;
  /** Other tables the constraint involves (a foreign key's referenced table), locked as strongly. */
  alsoLocks: string[];
}

export interface BuildIndexAction {
  kind: 'build-index';
  table: string;
  name: string;
  columns?: string[];
  /** Per entry of `columns`: its key options (absent or undefined: the defaults). */
  columnOptions?: (IndexKeyOptions | undefined)[];
  expressions?: string[];
  unique: boolean;
  /** NULLS NOT DISTINCT (a unique index allows one NULL at most). */
  nullsNotDistinct?: boolean;
  where?: string;
  include?: string[];
  method: string;
  storage?: StorageParameters;
  tablespace?: string;
  /** Without blocking writes (outside a transaction; a failed build leaves an index to drop). */
  online: boolean;
  /** Also done when this constraint exists: attaching the index to it may have renamed the index. */
  doneWhenConstraint?: string;
}

export interface DropIndexAction {
  kind: 'drop-index';
  /** The indexed table: its schema, if qualified, is the index's. */
  table: string;
  name: string;
  online: boolean;
}

/** A UNIQUE constraint that takes over an existing valid unique index. */
export interface AddUniqueUsingIndexAction {
  kind: 'add-unique-using-index';
  table: string;
  name: string;
  index: string;
  deferrable?: Deferrable;
}

/** A UNIQUE constraint built in one online statement, where an index cannot be attached (SQL Server). */
export interface AddUniqueOnlineAction {
  kind: 'add-unique-online';
  table: string;
  name: string;
  columns: string[];
  /** The plan's index_parameters and constraint options, for the dialect to render or refuse. */
  include?: string[];
  storage?: StorageParameters;
  tablespace?: string;
  deferrable?: Deferrable;
}

/**
 * Statements in the dialect's own SQL, as the plan wrote them: only the lock, the transaction and
 * the index an online build leaves behind are the dialect's to describe.
 */
export interface RawStatementsAction {
  kind: 'raw-statements';
  sql: string;
  /** The dialect's own name for the strongest lock taken (`none` when no table is locked). */
  lockLevel: string;
  on: string[];
  transactional: boolean;
  /** An online index build among the statements: the index (unqualified) and its table. */
  buildsIndex?: { table: string; name: string };
}

export type TableAction =
  | AddColumnAction
  | DropColumnAction
  | AddCheckUncheckedAction
  | AddForeignKeyUncheckedAction
  | ValidateConstraintAction
  | DropConstraintAction
  | BuildIndexAction
  | DropIndexAction
  | AddUniqueUsingIndexAction
  | AddUniqueOnlineAction
  | RawStatementsAction;
