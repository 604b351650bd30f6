import type { TestDatabase } from '../support/databases.js';

/** The table plans/rename-orders-client-id.yaml changes, with deterministic rows. */
export async function seedOrders(db: TestDatabase, rows: number): Promise<void> {
  await db.exec(`
    CREATE TABLE orders (id bigint PRIMARY KEY, client_id bigint, total numeric(12,2), status text, created_at timestamptz);
    INSERT INTO orders SELECT g, (g * 7919) % 50000 + 1, (g % 1000) / 10.0, CASE WHEN g % 10 = 0 THEN 'pending' ELSE 'paid' END,
      timestamptz '2025-01-01 00:00:00+00' + g * interval '1 minute' FROM generate_series(1, ${rows}) AS g;
    ANALYZE orders;`);
}

/** The application process that holds the plan's advisory lock (the runner's own session). */
export async function runnerSessionPid(db: TestDatabase): Promise<number | undefined> {
  const rows = await db.query<{ pid: number }>(
    `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'schemashift %' AND a.datname = current_database()`,
  );
  return rows[0]?.pid;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
