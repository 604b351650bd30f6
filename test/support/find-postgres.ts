/**
 * Which PostgreSQL the integration tests talk to, in this order: SCHEMASHIFT_TEST_DATABASE_URL,
 * the local server on 127.0.0.1:5432, a testcontainers PostgreSQL when a Docker engine answers.
 * When none is found the real-PostgreSQL suites are skipped (PGlite suites still run) and one loud
 * line says so.
 */
import pg from 'pg';

export interface FoundPostgres {
  /** Admin URL on a database that exists (used to create and drop per-test databases). */
  url: string;
  source: 'env' | 'local' | 'testcontainers';
  stop?: () => Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function findPostgres(): Promise<FoundPostgres | { skipped: string }> {
  const fromEnv = process.env.SCHEMASHIFT_TEST_DATABASE_URL;
  if (fromEnv) {
    if (await answers(fromEnv)) return { url: fromEnv, source: 'env' };
    return { skipped: 'SCHEMASHIFT_TEST_DATABASE_URL is set but does not answer' };
  }
  for (const url of [
    'postgres://postgres@127.0.0.1:5432/postgres',
    `postgres://${process.env.USER ?? 'root'}@127.0.0.1:5432/postgres`,
  ]) {
    if (await answers(url)) return { url, source: 'local' };
  }
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:15').start();
    return {
      url: container.getConnectionUri(),
      source: 'testcontainers',
      stop: async () => void (await container.stop()),
    };
  } catch (e) {
    return {
      skipped: `no PostgreSQL on 127.0.0.1:5432 and no Docker engine for testcontainers (${(e as Error).message.split('\n')[0]})`,
    };
  }
}
