/**
 * RehearsalSql: what `schemashift test` asks of a database besides the runner's own work — copy the
 * structure of a source database, make and drop scratch databases, compare snapshots, count rows.
 */
import type { Queryable } from '../db/connection.js';

/** The structure behind some names read from a source database, ready to be rebuilt elsewhere. */
export interface CatalogSource {
  /** Dependencies first. */
  relations: { schema: string; name: string }[];
  /** Names asked for that the source lacks (typically what the plan itself creates). */
  notFound: string[];
  /** One script that rebuilds the structure on an empty database, with `rows` generated rows per table. */
  seedScript(rows: number): string;
}

/** `kind name` → description, e.g. `column public.orders.total` → `numeric(12,2) not null`. */
export type CatalogSnapshot = Map<string, string>;

/** Scratch databases on one server, made and dropped through an administrative connection. */
export interface ScratchDatabases {
  create(name: string, displayUrl: string): Promise<void>;
  /** Drops it even while sessions are connected to it. */
  drop(name: string): Promise<void>;
}

export interface RehearsalSql {
  /** `db` must be a session of its own: it is made read-only and its name lookup is changed. */
  readSource(db: Queryable, names: string[]): Promise<CatalogSource>;
  /** Relations, columns, constraints, indexes, triggers, functions, views, types and row checksums. */
  snapshot(db: Queryable): Promise<CatalogSnapshot>;
  scratchDatabases(admin: Queryable): Promise<ScratchDatabases>;
  /** Rows of `qualifiedTable` matching `where` (all rows without one). */
  countRows(db: Queryable, qualifiedTable: string, where: string | undefined): Promise<number>;
  /** The rows a backfill step recorded as done in the state store. */
  rowsDone(db: Queryable, planName: string, stepId: string): Promise<number>;
}
