/**
 * Embedded PostgreSQL (PGlite). One instance is one backend, so a session cannot get a connection
 * of its own: instead, while a session runs, work from outside its callback waits for it (see
 * Connection.session). bigint (int8) values come back as strings, as node-postgres returns them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import { PGlite, types } from '@electric-sql/pglite';
import type { Connection, QueryResult, Queryable, Session } from '../../db/connection.js';
import { toDatabaseError, type ErrorContext } from '../../db/driver-errors.js';
import { lockPgliteDirectory } from './pglite-dir-lock.js';
import type { PgliteTarget } from '../../db/url.js';
import { POSTGRES_HINTS } from './driver-hints.js';

/** A lock that work inside the holder's own async flow passes through (so nested calls cannot deadlock). */
class SessionGate {
  private readonly flow = new AsyncLocalStorage<symbol>();
  private holder: symbol | null = null;
  private tail: Promise<void> = Promise.resolve();

  get inside(): boolean {
    return this.holder !== null && this.flow.getStore() === this.holder;
  }

  /**
   * Run `fn` holding the gate (or at once when this flow already holds it). `outermost` tells fn whether it took the
   * gate.
   */
  async run<T>(fn: (outermost: boolean) => Promise<T>): Promise<T> {
    if (this.inside) return fn(false);
    const previous = this.tail;
    let open!: () => void;
    this.tail = new Promise((resolve) => (open = resolve));
    await previous;
    const token = Symbol('pglite-session');
    this.holder = token;
    try {
      return await this.flow.run(token, () => fn(true));
    } finally {
      this.holder = null;
      open();
    }
  }
}

function rowCountOf(r: { rows: unknown[]; rowCount?: number; affectedRows?: number }): number {
  return r.rowCount ?? (r.affectedRows || r.rows.length);
}

function queryable(db: PGlite, gate: SessionGate, ctx: ErrorContext): Queryable {
  const guarded = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await gate.run(fn);
    } catch (e) {
      throw toDatabaseError(e, ctx);
    }
  };
  return {
    query: <R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> =>
      guarded(async () => {
        const r = await db.query<R>(sql, params);
        return { rows: r.rows, rowCount: rowCountOf(r) };
      }),
    exec: (sql: string) => guarded(async () => void (await db.exec(sql))),
  };
}

/** Leave the backend as a fresh pg connection would be: no open transaction, default settings, no advisory locks. */
async function resetSession(db: PGlite): Promise<void> {
  if (db.isInTransaction()) await db.exec('ROLLBACK');
  await db.exec('RESET ALL; SELECT pg_advisory_unlock_all()');
}

async function open(target: PgliteTarget, ctx: ErrorContext): Promise<PGlite> {
  try {
    if (target.dataDir !== null) await mkdir(target.dataDir, { recursive: true });
    return await PGlite.create(target.dataDir ?? undefined, { parsers: { [types.INT8]: (value: string) => value } });
  } catch (e) {
    const mapped = toDatabaseError(e, ctx, true);
    throw Object.assign(mapped, { message: `cannot open ${ctx.displayUrl}: ${mapped.message}` });
  }
}

export async function connectPglite(target: PgliteTarget): Promise<Connection> {
  const ctx: ErrorContext = {
    url: target.url,
    displayUrl: target.displayUrl,
    endpoint: target.dataDir ?? 'memory',
    hints: POSTGRES_HINTS,
  };
  let unlock = (): void => undefined;
  if (target.dataDir !== null) {
    await mkdir(target.dataDir, { recursive: true }).catch((e: unknown) => {
      const mapped = toDatabaseError(e, ctx, true);
      throw Object.assign(mapped, { message: `cannot open ${ctx.displayUrl}: ${mapped.message}` });
    });
    unlock = lockPgliteDirectory(target.dataDir);
  }
  let db: PGlite;
  try {
    db = await open(target, ctx);
  } catch (e) {
    unlock();
    throw e;
  }
  const gate = new SessionGate();
  const shared = queryable(db, gate, ctx);
  let closed: Promise<void> | undefined;
  return {
    dialect: 'postgres',
    kind: 'pglite',
    displayUrl: target.displayUrl,
    ...shared,
    session: <T>(fn: (s: Session) => Promise<T>): Promise<T> =>
      gate.run(async (outermost) => {
        const session: Session = {
          ...shared,
          backendPid: async () =>
            (await shared.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? null,
        };
        try {
          return await fn(session);
        } finally {
          if (outermost) await resetSession(db).catch(() => undefined);
        }
      }),
    close: () =>
      (closed ??= gate
        .run(() => db.close())
        .catch(() => undefined)
        .finally(unlock)),
  };
}
