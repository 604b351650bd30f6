/**
 * One small interface over the three drivers. Parameters are always written `$1`, `$2`, … (the mssql
 * implementation rewrites them to `@p1`, `@p2`, …). Every error leaving a Connection is a
 * DatabaseError without the password; for PostgreSQL its `code` is the SQLSTATE.
 */
import { parseDatabaseUrl } from './url.js';

export interface QueryResult<R> {
  rows: R[];
  /** Rows returned (SELECT) or affected (INSERT/UPDATE/DELETE). */
  rowCount: number;
}

export interface Queryable {
  /** One statement, with `$n` parameters (extended protocol). */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** A multi-statement script without parameters (simple protocol; on SQL Server a batch, split at `GO` lines). */
  exec(sql: string): Promise<void>;
}

/**
 * One dedicated backend, for work that needs session state (advisory locks, SET lock_timeout, non-transactional DDL).
 */
export interface Session extends Queryable {
  /** The server's id for this backend (`pg_backend_pid()`, `@@SPID`), null when the engine has none. */
  backendPid(): Promise<number | null>;
}

export interface Connection extends Queryable {
  readonly dialect: 'postgres' | 'mssql';
  readonly kind: 'pg' | 'pglite' | 'mssql';
  /** The URL with its password masked. */
  readonly displayUrl: string;
  /**
   * Run `fn` on one dedicated backend, released (and its session state reset: settings, advisory
   * locks, an open transaction rolled back) when `fn` settles.
   *
   * pg and mssql: a separate connection, so other queries on this Connection run alongside.
   * PGlite has a single backend: while a session is active, work from outside its callback waits
   * until it ends; work started inside the callback (including `connection.query` and nested
   * sessions) runs at once on the same backend. So never keep a session open while awaiting work
   * that was started outside it: on PGlite that waits forever.
   */
  session<T>(fn: (s: Session) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Shown in pg_stat_activity / sys.dm_exec_sessions. Default `schemashift`. */
  applicationName?: string;
  /** How long to wait for a server to accept a connection. Default 10 s. */
  connectTimeoutMs?: number;
  /** Base for relative `pglite://dir` paths. Default the working directory. */
  cwd?: string;
}

export const DEFAULT_APPLICATION_NAME = 'schemashift';
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Open a connection for `url`, checked to answer before it is returned. Drivers load on first use. */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Connection> {
  const target = parseDatabaseUrl(url, options.cwd);
  // The registry picks the driver of the URL's database (each lives with its dialect).
  const { openDriver } = await import('../dialects/registry.js');
  return openDriver(target, options);
}
