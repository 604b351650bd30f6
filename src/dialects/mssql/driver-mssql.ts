/**
 * SQL Server through `mssql` (tedious). mssql pools give no session affinity, so a session is a
 * ConnectionPool of its own with max 1, closed afterwards (which ends the server session, and with
 * it any session-owned sp_getapplock and SET options).
 */
import sql from 'mssql';
import type { ConnectOptions, Connection, QueryResult, Queryable, Session } from '../../db/connection.js';
import { DEFAULT_APPLICATION_NAME, DEFAULT_CONNECT_TIMEOUT_MS } from '../../db/connection.js';
import { toDatabaseError, type ErrorContext } from '../../db/driver-errors.js';
import type { MssqlTarget } from '../../db/url.js';

/** String literals, quoted identifiers and comments, which may contain `$1` that is not a parameter. */
const SKIPPED = String.raw`'(?:[^']|'')*'|"(?:[^"]|"")*"|\[(?:[^\]]|\]\])*\]|--[^\n]*|\/\*[\s\S]*?\*\/`;
const PARAMETER = new RegExp(`(${SKIPPED})|(?<![\\w@#$])\\$(\\d+)`, 'g');

/** `$1`, `$2`, … → `@p1`, `@p2`, …, leaving strings, quoted names and comments alone. */
export function toNamedParameters(text: string): string {
  return text.replace(PARAMETER, (match, skipped: string | undefined, n: string | undefined) =>
    skipped ? match : `@p${n}`,
  );
}

/** A script split into batches at `GO` lines, as sqlcmd and SSMS do. */
export function splitBatches(script: string): string[] {
  return script.split(/^[ \t]*GO[ \t]*;?[ \t]*$/im).filter((batch) => batch.trim() !== '');
}

function poolConfig(target: MssqlTarget, options: ConnectOptions, max: number): sql.config {
  return {
    server: target.host,
    ...(target.port !== null ? { port: target.port } : {}),
    ...(target.database !== undefined ? { database: target.database } : {}),
    ...(target.user !== undefined ? { user: target.user } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    connectionTimeout: target.connectTimeoutMs ?? options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    // Statement time limits are the plan's business (statement_timeout), not the driver's 15 s default.
    requestTimeout: 0,
    pool: { max, min: 0 },
    options: {
      encrypt: target.encrypt,
      trustServerCertificate: target.trustServerCertificate,
      appName: options.applicationName ?? DEFAULT_APPLICATION_NAME,
      ...(target.instanceName !== undefined ? { instanceName: target.instanceName } : {}),
    },
  };
}

async function openPool(config: sql.config, ctx: ErrorContext): Promise<sql.ConnectionPool> {
  const pool = new sql.ConnectionPool(config);
  // Errors of idle connections: the pool replaces them; the next request reports anything persistent.
  pool.on('error', () => undefined);
  try {
    return await pool.connect();
  } catch (e) {
    await pool.close().catch(() => undefined);
    throw toDatabaseError(e, ctx, true);
  }
}

function queryable(pool: sql.ConnectionPool, ctx: ErrorContext): Queryable {
  return {
    async query<R>(text: string, params: unknown[] = []): Promise<QueryResult<R>> {
      const request = pool.request();
      params.forEach((value, i) => request.input(`p${i + 1}`, value));
      try {
        const result = await request.query<R>(toNamedParameters(text));
        const rows = (result.recordset ?? []) as R[];
        const affected = result.rowsAffected.reduce((sum, n) => sum + n, 0);
        return { rows, rowCount: rows.length > 0 ? rows.length : affected };
      } catch (e) {
        throw toDatabaseError(e, ctx);
      }
    },
    async exec(script: string): Promise<void> {
      try {
        for (const batch of splitBatches(script)) await pool.request().batch(batch);
      } catch (e) {
        throw toDatabaseError(e, ctx);
      }
    },
  };
}

export async function connectMssql(target: MssqlTarget, options: ConnectOptions): Promise<Connection> {
  const endpoint = `${target.host}${target.instanceName ? `\\${target.instanceName}` : ''}:${target.port ?? 'browser'}`;
  const ctx: ErrorContext = { url: target.url, displayUrl: target.displayUrl, endpoint };
  const pool = await openPool(poolConfig(target, options, 4), ctx);
  let closed: Promise<void> | undefined;
  return {
    dialect: 'mssql',
    kind: 'mssql',
    displayUrl: target.displayUrl,
    ...queryable(pool, ctx),
    async session<T>(fn: (s: Session) => Promise<T>): Promise<T> {
      const own = await openPool(poolConfig(target, options, 1), ctx);
      const q = queryable(own, ctx);
      const session: Session = {
        ...q,
        backendPid: async () => (await q.query<{ pid: number }>('SELECT @@SPID AS pid')).rows[0]?.pid ?? null,
      };
      try {
        return await fn(session);
      } finally {
        await own.close().catch(() => undefined);
      }
    },
    close: () => (closed ??= pool.close().catch(() => undefined)),
  };
}
