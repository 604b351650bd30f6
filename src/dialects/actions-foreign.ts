/**
 * Neutral actions for a materialized view over another database (create_materialized_view with
 * `source:`): the wrapper extension, a foreign server, the runner's user mapping, the foreign tables
 * a view reads, and the view itself. Connection details are never in a plan: only the name of the
 * environment variable that holds them, resolved by the runner just before the statement runs.
 */

/** How the other database is read: postgres_fdw (foreign tables) or dblink (a remote query). */
export type ForeignVia = 'postgres_fdw' | 'dblink';

/** Where a connection comes from: an environment variable read at run time. */
export interface ConnectionFromEnv {
  env: string;
}

/** The connection read from the environment (present only while a run renders the statement). */
export interface ResolvedConnection {
  host: string;
  port: string;
  dbname: string;
  user: string;
  /** Absent when the URL has none. */
  password?: string;
}

export interface CreateExtensionAction {
  kind: 'create-extension';
  extension: ForeignVia;
}

export interface DropExtensionAction {
  kind: 'drop-extension';
  extension: ForeignVia;
}

export interface CreateForeignServerAction {
  kind: 'create-foreign-server';
  server: string;
  via: ForeignVia;
  connection: ConnectionFromEnv;
  /** Set by the runner only: the values to render instead of placeholders. */
  resolved?: ResolvedConnection;
}

export interface DropForeignServerAction {
  kind: 'drop-foreign-server';
  server: string;
}

/** The user mapping of the role that runs the plan (and owns the view: REFRESH reads through it). */
export interface CreateUserMappingAction {
  kind: 'create-user-mapping';
  server: string;
  connection: ConnectionFromEnv;
  resolved?: ResolvedConnection;
}

export interface DropUserMappingAction {
  kind: 'drop-user-mapping';
  server: string;
  /** Set by the runner only: the role whose mapping the forward step created (recorded when it ran). */
  role?: string;
}

/** The plan's own schema for the imported foreign tables. */
export interface CreateForeignSchemaAction {
  kind: 'create-foreign-schema';
  schema: string;
}

export interface DropForeignSchemaAction {
  kind: 'drop-foreign-schema';
  schema: string;
}

export interface ImportForeignTablesAction {
  kind: 'import-foreign-tables';
  server: string;
  remoteSchema: string;
  tables: string[];
  into: string;
}

export interface DropForeignTablesAction {
  kind: 'drop-foreign-tables';
  schema: string;
  tables: string[];
}

/** A column of a dblink result: dblink returns records, so the view names and types each column. */
export interface RemoteColumn {
  name: string;
  type: string;
}

/**
 * The view: with postgres_fdw, `query` reads the imported tables (bare names of `tables` mean the
 * foreign tables in `schema`); with dblink, `query` runs on the other database and `columns` type it.
 */
export interface CreateForeignMaterializedViewAction {
  kind: 'create-foreign-materialized-view';
  name: string;
  query: string;
  withData: boolean;
  source:
    | { via: 'postgres_fdw'; schema: string; tables: string[] }
    | { via: 'dblink'; server: string; columns: RemoteColumn[] };
}

export type ForeignAction =
  | CreateExtensionAction
  | DropExtensionAction
  | CreateForeignServerAction
  | DropForeignServerAction
  | CreateUserMappingAction
  | DropUserMappingAction
  | CreateForeignSchemaAction
  | DropForeignSchemaAction
  | ImportForeignTablesAction
  | DropForeignTablesAction
  | CreateForeignMaterializedViewAction;

/**
 * Actions rendered again by the runner at run time: with values from the environment, or (dropping
 * a mapping) with the role its forward step recorded.
 */
export type RuntimeForeignAction = CreateForeignServerAction | CreateUserMappingAction | DropUserMappingAction;
