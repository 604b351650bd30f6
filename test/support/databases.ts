/**
 * Real databases for integration tests: a fresh uniquely named database on the PostgreSQL server
 * found by global-setup (dropped afterwards), and an in-memory PGlite. Both behind one tiny shape.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  kind: 'postgres' | 'pglite';
  /** Connection URL (postgres only) for code under test that opens its own connections. */
  url?: string;
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Run a multi-statement script (no parameters). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export const postgresAdminUrl: string | null = inject('postgresAdminUrl');
export const postgresSkipReason: string | null = inject('postgresSkipReason');

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createPostgresDatabase(prefix = 'schemashift_test'): Promise<TestDatabase> {
  if (!postgresAdminUrl) throw new Error(`no PostgreSQL for tests: ${postgresSkipReason}`);
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(postgresAdminUrl, name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    kind: 'postgres',
    url,
    query: async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[],
    exec: async (sql) => void (await client.query(sql)),
    close: async () => {
      await client.end();
      const cleanup = new pg.Client({ connectionString: postgresAdminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

export async function createPgliteDatabase(): Promise<TestDatabase> {
  const db = await PGlite.create();
  return {
    kind: 'pglite',
    query: async (sql, params) => (await db.query(sql, params as unknown[])).rows as never[],
    exec: async (sql) => void (await db.exec(sql)),
    close: () => db.close(),
  };
}

/** Both engines, for `describe.each`: PostgreSQL is left out (and the skip was announced) when none answers. */
export const engines: { name: 'postgres' | 'pglite'; create: () => Promise<TestDatabase> }[] = [
  ...(postgresAdminUrl ? [{ name: 'postgres' as const, create: () => createPostgresDatabase() }] : []),
  { name: 'pglite' as const, create: createPgliteDatabase },
];
