/**
 * The benchmark's databases on the local PostgreSQL. A seed database per row count holds `orders`
 * (primary key, vacuumed, frozen, analyzed) and schemashift's state tables; every contender runs on
 * its own copy of it (CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY), dropped right after. The
 * copy was measured against the former per-table copy (CREATE TABLE + INSERT … ORDER BY + primary
 * key + VACUUM (FREEZE, ANALYZE) + CHECKPOINT) at 1M rows: 0.47 s vs 3.45 s, and it keeps the frozen
 * pages and the statistics, so every contender starts equal. Names start with `schemashift_benchdb_`
 * so that a killed run's databases are dropped at the next start (`benchdb`: a bench of an older
 * revision, which drops `schemashift_bench_…` databases without a session, leaves the seeds alone).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TABLE = 'orders';

export interface Copy {
  name: string;
  url: string;
  /** A client on the copy, for setup and the check of every row. */
  client: pg.Client;
  /** CREATE DATABASE … TEMPLATE plus the CHECKPOINT after it. */
  copyMs: number;
  drop(): Promise<void>;
}

export interface BenchServer {
  prefix: string;
  adminUrl: string;
  /** The seed database of `rows` rows (customer_id NULL, or already filled as a backfill leaves it). */
  seed(rows: number, filled: boolean, prepare: (url: string) => Promise<void>): Promise<string>;
  copy(seed: string): Promise<Copy>;
  /** Server settings worth recording beside the figures. */
  facts(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function open(url: string, applicationName = 'schemashift-bench'): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: applicationName });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/**
 * Bench databases a killed earlier run left behind, dropped at start: a run's admin session carries
 * its prefix as application_name for the whole run, so another run's databases are left alone.
 */
export async function dropStale(adminUrl: string): Promise<string[]> {
  const admin = await open(adminUrl);
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database d WHERE datname LIKE 'schemashift\\_bench%'
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name LIKE 'schemashift\\_benchdb\\_%'
                           AND starts_with(d.datname, a.application_name))
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname AND a.backend_start > now() - interval '1 hour')`,
    );
    for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
    return rows.map((r) => r.datname);
  } finally {
    await admin.end();
  }
}

/** `orders` as in the example plan (test/runner/seed.ts), plus the new nullable column the backfill fills. */
async function fillSeed(c: pg.Client, rows: number, filled: boolean): Promise<void> {
  await c.query(
    `CREATE TABLE ${TABLE} (id bigint NOT NULL, client_id bigint, total numeric(12,2), status text, created_at timestamptz, customer_id bigint)`,
  );
  await c.query(
    `INSERT INTO ${TABLE} (id, client_id, total, status, created_at, customer_id)
     SELECT g, (g * 7919) % 50000 + 1, ((g % 1000) / 10.0)::numeric(12,2), CASE WHEN g % 10 = 0 THEN 'pending' ELSE 'paid' END,
       timestamptz '2025-01-01 00:00:00+00' + g * interval '1 minute', ${filled ? '(g * 7919) % 50000 + 1' : 'NULL'}
     FROM generate_series(1::bigint, $1::bigint) AS g`,
    [rows],
  );
  await c.query(`ALTER TABLE ${TABLE} ADD PRIMARY KEY (id)`);
  await c.query(`VACUUM (FREEZE, ANALYZE) ${TABLE}`);
}

export async function benchServer(adminUrl: string): Promise<BenchServer> {
  const prefix = `schemashift_benchdb_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  const admin = await open(adminUrl, prefix);
  const created: string[] = [];
  let copies = 0;
  return {
    prefix,
    adminUrl,
    async seed(rows, filled, prepare) {
      const name = `${prefix}_seed_${rows}${filled ? '_filled' : ''}`;
      if (created.includes(name)) return name;
      await admin.query(`CREATE DATABASE ${name}`);
      created.push(name);
      const c = await open(withDatabase(adminUrl, name));
      try {
        await fillSeed(c, rows, filled);
      } finally {
        await c.end();
      }
      await prepare(withDatabase(adminUrl, name));
      return name;
    },
    async copy(seed) {
      const name = `${prefix}_c${++copies}`;
      const t = performance.now();
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${seed} STRATEGY FILE_COPY`);
      created.push(name);
      await admin.query('CHECKPOINT');
      const copyMs = performance.now() - t;
      const url = withDatabase(adminUrl, name);
      const client = await open(url);
      return {
        name,
        url,
        client,
        copyMs,
        async drop() {
          await client.end().catch(() => undefined);
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          created.splice(created.indexOf(name), 1);
        },
      };
    },
    async facts() {
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
      const { rows } = await admin.query<{ name: string; setting: string }>(
        'SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name',
        [names],
      );
      return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
    },
    async close() {
      for (const name of created.splice(0).reverse())
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    },
  };
}

/** Rows whose new column is wrong: 0 after every contender. */
export async function wrongRows(c: pg.Client): Promise<number> {
  const { rows } = await c.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${TABLE} WHERE customer_id IS DISTINCT FROM client_id`,
  );
  return Number(rows[0]?.n);
}
