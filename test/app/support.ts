/**
 * Application-side databases for test/app: the SqlClient an application would pass (a pg.Pool on
 * real PostgreSQL, the PGlite instance itself), with schemashift's state schema in place.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { SqlClient } from '../../src/app/index.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { createPostgresDatabase, postgresAdminUrl } from '../support/databases.js';

export interface AppDatabase {
  client: SqlClient;
  /** Runs a statement (with parameters) and returns its rows. */
  sql<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

async function postgresApp(): Promise<AppDatabase> {
  const db = await createPostgresDatabase('schemashift_app');
  await postgres.state
    .openStore({
      query: async (s, p) => ({ rows: await db.query(s, p), rowCount: 0 }) as never,
      exec: db.exec.bind(db),
    })
    .ensureSchema();
  const pool = new pg.Pool({ connectionString: db.url!, max: 4 });
  return {
    client: pool,
    sql: async <R>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as R[],
    close: async () => {
      await pool.end();
      await db.close();
    },
  };
}

async function pgliteApp(): Promise<AppDatabase> {
  const db = await PGlite.create();
  await postgres.state
    .openStore({
      query: async (s, p) => ({ rows: (await db.query(s, p)).rows, rowCount: 0 }) as never,
      exec: async (s) => void (await db.exec(s)),
    })
    .ensureSchema();
  return {
    client: db,
    sql: async (text, params) => (await db.query(text, params)).rows as never[],
    close: () => db.close(),
  };
}

export const appEngines: { name: string; create: () => Promise<AppDatabase> }[] = [
  ...(postgresAdminUrl ? [{ name: 'postgres (pg.Pool)', create: postgresApp }] : []),
  { name: 'pglite', create: pgliteApp },
];

export { postgresApp };

/** A deterministic random source in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Poll until `check` is true (or fail after `ms`); for background refreshes, never a timing assertion. */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms}ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
