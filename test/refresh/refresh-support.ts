/** A database with materialized views for the `refresh` tests, and the CLI run in-process against it. */
import pg from 'pg';
import { cli, type CliResult } from '../cli/cli-support.js';
import { waitFor } from '../runner/seed.js';
import type { TestDatabase } from '../support/databases.js';

/**
 * slow_mv reads slow_rows(), which sleeps `delay.seconds` first: a refresh that takes as long as a test
 * needs. It has a unique index, so it can be refreshed concurrently. plain_mv has none.
 */
export const VIEWS_SQL = `
CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO items SELECT g, g FROM generate_series(1, 500) g;
CREATE TABLE delay (seconds float8 NOT NULL);
INSERT INTO delay VALUES (0);
CREATE FUNCTION slow_rows() RETURNS TABLE (id int, v int) LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_sleep((SELECT seconds FROM delay));
  RETURN QUERY SELECT i.id, i.v FROM items i;
END $$;
CREATE MATERIALIZED VIEW slow_mv AS SELECT * FROM slow_rows();
CREATE UNIQUE INDEX slow_mv_id ON slow_mv (id);
CREATE MATERIALIZED VIEW plain_mv AS SELECT id, v * 2 AS w FROM items;
`;

export function refresh(db: TestDatabase, ...args: string[]): Promise<CliResult> {
  return cli(['refresh', ...args, '--database', db.url!]);
}

export async function client(url: string, applicationName = 'refresh-test'): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: applicationName });
  await c.connect();
  return c;
}

/** The pid of the session running a REFRESH of `view` right now (waits for it). */
export function refreshingPid(db: TestDatabase, view: string): Promise<number> {
  return waitFor(`a REFRESH of ${view} to run`, async () => {
    const rows = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query ILIKE $1 AND pid <> pg_backend_pid()`,
      [`REFRESH MATERIALIZED VIEW%${view}%`],
    );
    return rows[0]?.pid;
  });
}

export interface RecordedRefresh {
  view_name: string;
  mode: string;
  outcome: string;
  rows: string | null;
  duration_ms: string | null;
  error: string | null;
  source: string;
  actor: string | null;
}

export function recorded(db: TestDatabase, view: string): Promise<RecordedRefresh[]> {
  return db.query<RecordedRefresh>(
    'SELECT * FROM schemashift.view_refreshes WHERE view_schema = $1 AND view_name = $2 ORDER BY id',
    ['public', view],
  );
}
