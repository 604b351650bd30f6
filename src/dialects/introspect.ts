/**
 * Introspector: the one catalog reader. `validate --database`, `new --database`, the carry checks,
 * the backfill's key lookup and `schemashift test` all read a database through it; the result
 * model (src/introspect/live-schema.ts, column-attachments.ts) is the same for every dialect.
 */
import type { Queryable } from '../db/connection.js';
import type { LiveColumnAttachments } from '../introspect/column-attachments.js';
import type { LiveSchema, ServerInfo } from '../introspect/live-schema.js';
import type { ViewDependent } from './actions-shadow.js';
import type { RehearsalSql } from './rehearsal.js';
import type { StatementSimulator } from './simulate.js';

/** The server, the database connected to, and where unqualified names are looked up, in order. */
export interface ServerSession extends ServerInfo {
  database: string;
  searchPath: string[];
}

/** A unique index a keyset walk could follow: valid, not partial, on plain columns. */
export interface UniqueKeyIndex {
  name: string;
  primary: boolean;
  /** Key columns in order. */
  columns: string[];
  /** Every key column is NOT NULL. */
  notNull: boolean;
}

/** A column of `type`, with at most one of a default expression or a collation (`schema.name`). */
export interface ColumnDefinition {
  type: string;
  default?: string;
  collation?: string;
}

/** Schemas that come with the database rather than from its users. */
export interface BuiltInSchemas {
  /** Searched for unqualified names even when the search path does not name it. */
  implicit: string;
  /** The catalog's schemas: never a user's table. */
  system: readonly string[];
}

export interface Introspector {
  readonly builtInSchemas: BuiltInSchemas;
  serverInfo(db: Queryable): Promise<ServerSession>;
  /** The whole user schema as plain data, read once, without locking any user table. */
  liveSchema(db: Queryable): Promise<LiveSchema>;
  /** Each type name as the server spells its base type, or null when the server knows no such type. */
  resolveTypes(db: Queryable, types: Iterable<string>): Promise<Map<string, string | null>>;
  /** Everything attached to one column; null when the table or the column does not exist. */
  columnAttachments(db: Queryable, table: string, column: string): Promise<LiveColumnAttachments | null>;
  /**
   * Why a column so defined cannot be created, asked of the server without evaluating the default
   * (undefined when it can, or when the probe is not allowed).
   */
  columnDefinitionProblem(db: Queryable, column: ColumnDefinition): Promise<string | undefined>;
  /** The table's id (a `qualified` name), or null when there is no such table. */
  tableId(db: Queryable, qualifiedTable: string): Promise<number | null>;
  /** Unique indexes a keyset walk could follow, primary key first, then the narrowest. */
  uniqueKeys(db: Queryable, tableId: number): Promise<UniqueKeyIndex[]>;
  /** Help for a table without a key a backfill could walk: how to add one online. */
  addKeyHelp(table: string): string;
  /** Which of `names` the table has, with their nullability. */
  keyColumns(db: Queryable, tableId: number, names: string[]): Promise<{ name: string; notNull: boolean }[]>;
  /** What reads a materialized view, recursively (absent: the dialect cannot say). */
  viewDependents?(db: Queryable, view: string): Promise<ViewDependent[]>;
  /** Follows a plan's SQL through the simulated schema of `validate --database`. */
  readonly simulate: StatementSimulator;
  /** What `schemashift test` needs: copy a structure, scratch databases, snapshots, counts. */
  readonly rehearsal: RehearsalSql;
}
