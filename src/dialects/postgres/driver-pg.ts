/**
 * PostgreSQL through node-postgres: a Pool of up to 12 (the runner's session, the watcher of its
 * lock waits, state writes, and up to 8 backfill workers; connections open only when used);
 * sessions check out one client and reset it afterwards.
 */
import pg from 'pg';
import type { ConnectOptions, Connection, QueryResult, Queryable, Session } from '../../db/connection.js';
import { DEFAULT_APPLICATION_NAME, DEFAULT_CONNECT_TIMEOUT_MS } from '../../db/connection.js';
import { toDatabaseError, type ErrorContext } from '../../db/driver-errors.js';
import type { PostgresTarget } from '../../db/url.js';
import { POSTGRES_HINTS } from './driver-hints.js';

type PgRunner = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

function poolConfig(target: PostgresTarget, options: ConnectOptions): pg.PoolConfig {
  let connectionString = target.url;
  if (options.applicationName !== undefined) {
    // A name in the URL would override ours (pg lets the connection string win); the caller's must win.
    const u = new URL(target.url);
    if (u.searchParams.has('application_name')) {
      u.searchParams.delete('application_name');
      connectionString = u.toString();
    }
  }
  return {
    connectionString,
    application_name: options.applicationName ?? DEFAULT_APPLICATION_NAME,
    // The runner's session, an adaptive backfill's probe and up to 8 workers (MAX_WORKERS), with 3 left for the
    // monitor, state writes and lock-wait watches.
    max: 13,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 10_000,
  };
}

/** `lostWith`: the error a session's client emitted when its link broke, more telling than "not queryable". */
function queryable(run: PgRunner, ctx: ErrorContext, lostWith: () => unknown = () => undefined): Queryable {
  return {
    async query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
      try {
        const result = await run.query(sql, params);
        return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
      } catch (e) {
        throw toDatabaseError(lostWith() ?? e, ctx);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await run.query(sql);
      } catch (e) {
        throw toDatabaseError(lostWith() ?? e, ctx);
      }
    },
  };
}

async function checkout(pool: pg.Pool, ctx: ErrorContext): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (e) {
    throw toDatabaseError(e, ctx, true);
  }
}

/**
 * Give the client back clean: DISCARD ALL resets settings and releases advisory locks; if it cannot (a transaction is
 * open, the link is gone), the client is destroyed instead.
 */
async function release(client: pg.PoolClient): Promise<void> {
  let destroy = false;
  try {
    await client.query('DISCARD ALL');
  } catch {
    destroy = true;
  }
  client.release(destroy);
}

const ignore = (): void => undefined;

export async function connectPg(target: PostgresTarget, options: ConnectOptions): Promise<Connection> {
  const ctx: ErrorContext = {
    url: target.url,
    displayUrl: target.displayUrl,
    endpoint: `${target.host}:${target.port}`,
    hints: POSTGRES_HINTS,
  };
  const pool = new pg.Pool(poolConfig(target, options));
  // An idle client whose server went away: the pool drops it and the next query reconnects.
  pool.on('error', ignore);
  try {
    (await checkout(pool, ctx)).release();
  } catch (e) {
    await pool.end().catch(ignore);
    throw e;
  }
  let closed: Promise<void> | undefined;
  return {
    dialect: 'postgres',
    kind: 'pg',
    displayUrl: target.displayUrl,
    ...queryable(pool, ctx),
    async session<T>(fn: (s: Session) => Promise<T>): Promise<T> {
      const client = await checkout(pool, ctx);
      // A checked-out client has no pool listener: without ours a terminated backend would crash the process.
      let lost: unknown;
      const onError = (e: unknown): void => void (lost ??= e);
      client.on('error', onError);
      const session: Session = {
        ...queryable(client, ctx, () => lost),
        backendPid: async () =>
          (await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? null,
      };
      try {
        return await fn(session);
      } finally {
        await release(client);
        client.off('error', onError);
      }
    },
    close: () => (closed ??= pool.end().catch(ignore)),
  };
}
