/**
 * The benchmark's own database on the local PostgreSQL: created fresh, dropped at the end (also on
 * Ctrl-C), with a seed table of orders from which every contender gets an identical fresh copy.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface BenchDatabase {
  name: string;
  url: string;
  admin: pg.Client;
  /** A client on the bench database, for setup and measurements. */
  client: pg.Client;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function open(url: string, applicationName: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: applicationName });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const admin = await open(adminUrl, 'schemashift-bench');
  const name = `schemashift_bench_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(adminUrl, name);
  const client = await open(url, 'schemashift-bench');
  let dropped = false;
  return {
    name,
    url,
    admin,
    client,
    async drop() {
      if (dropped) return;
      dropped = true;
      await client.end().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end().catch(() => undefined);
    },
  };
}

/** Bench databases a killed earlier run left behind (older than an hour), dropped at start. */
export async function dropStale(adminUrl: string): Promise<string[]> {
  const admin = await open(adminUrl, 'schemashift-bench');
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'schemashift\\_bench\\_%'
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = pg_database.datname AND a.backend_start > now() - interval '1 hour')`,
    );
    for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
    return rows.map((r) => r.datname);
  } finally {
    await admin.end();
  }
}

/** `orders` as in the example plan (test/runner/seed.ts), plus the new nullable column the backfill fills. */
export async function createSeed(c: pg.Client, seed: string, rows: number): Promise<void> {
  await c.query(`DROP TABLE IF EXISTS ${seed}`);
  await c.query(`CREATE UNLOGGED TABLE ${seed} AS SELECT g::bigint AS id, (g::bigint * 7919) % 50000 + 1 AS client_id, ((g % 1000) / 10.0)::numeric(12,2) AS total,
      CASE WHEN g % 10 = 0 THEN 'pending' ELSE 'paid' END AS status, timestamptz '2025-01-01 00:00:00+00' + g * interval '1 minute' AS created_at
    FROM generate_series(1, ${rows}) AS g`);
}

/**
 * A fresh copy of the seed (with `filled`, its new column already filled): same rows in the same physical order, no free space in its pages, all
 * visible and frozen, statistics gathered, then a checkpoint, so that every contender starts equal
 * (the same full-page writes after the checkpoint, no hint bits to set).
 */
export async function freshTable(c: pg.Client, seed: string, table: string, filled = false): Promise<void> {
  await c.query(`DROP TABLE IF EXISTS ${table}`);
  await c.query(
    `CREATE TABLE ${table} (id bigint NOT NULL, client_id bigint, total numeric(12,2), status text, created_at timestamptz, customer_id bigint)`,
  );
  // `filled`: as a backfill leaves it (customer_id = client_id), for the verify to walk.
  await c.query(
    `INSERT INTO ${table} (id, client_id, total, status, created_at, customer_id) SELECT id, client_id, total, status, created_at, ${filled ? 'client_id' : 'NULL'} FROM ${seed} ORDER BY id`,
  );
  await c.query(`ALTER TABLE ${table} ADD PRIMARY KEY (id)`);
  await c.query(`VACUUM (FREEZE, ANALYZE) ${table}`);
  await c.query('CHECKPOINT');
}

export async function dropTable(c: pg.Client, table: string): Promise<void> {
  await c.query(`DROP TABLE IF EXISTS ${table}`);
}

/** Rows whose new column is wrong: 0 after every contender. */
export async function wrongRows(c: pg.Client, table: string): Promise<number> {
  const { rows } = await c.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${table} WHERE customer_id IS DISTINCT FROM client_id`,
  );
  return Number(rows[0]?.n);
}

export async function serverFacts(c: pg.Client): Promise<Record<string, string>> {
  const names = [
    'server_version',
    'shared_buffers',
    'synchronous_commit',
    'fsync',
    'wal_level',
    'max_wal_size',
    'checkpoint_timeout',
    'autovacuum',
  ];
  const { rows } = await c.query<{ name: string; setting: string }>(
    'SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name',
    [names],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
}
