/**
 * Each source document's materialized-view workflow, as shipped in plans/ and templates/, run end to
 * end on a real PostgreSQL through the CLI:
 * - the Alembic seed: plans/create-daily-usage-view.yaml, then a concurrent refresh, then rollback;
 * - the Go seed: plans/replace-daily-sales-view.yaml through contract with a view reading daily_sales,
 *   then the Kubernetes CronJob written by `new refresh-cronjob`, its container command run as is;
 * - the Rails + dblink seed: plans/second-users-over-stats-db.yaml over a second database, refreshed.
 * (The pg_cron example, plans/schedule-daily-sales-refresh.yaml, needs a server with pg_cron loaded:
 * test/operations/schedule-refresh-cron.test.ts runs it on a cluster of its own.)
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli, emptyDir } from '../cli/cli-support.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const PLANS = resolve(__dirname, '../../plans');

const SHOP = `
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric(12, 2) NOT NULL,
  created_at timestamptz NOT NULL);
INSERT INTO orders SELECT g, g % 7, g, timestamptz '2026-11-01' + g * interval '3 hours' FROM generate_series(1, 500) g;
CREATE MATERIALIZED VIEW daily_sales AS SELECT created_at::date AS day, sum(total) AS total_sales FROM orders GROUP BY 1;
CREATE UNIQUE INDEX daily_sales_day_key ON daily_sales (day);
CREATE VIEW daily_report AS SELECT day, total_sales FROM daily_sales WHERE total_sales > 0;
COMMENT ON VIEW daily_report IS 'read by the dashboard';
`;

/** The command of the CronJob's only container, from the YAML `new refresh-cronjob` wrote. */
function cronJobCommand(file: string): string[] {
  const doc = parse(readFileSync(file, 'utf8')) as {
    spec: { jobTemplate: { spec: { template: { spec: { containers: { command: string[] }[] } } } } };
  };
  const containers = doc.spec.jobTemplate.spec.template.spec.containers;
  expect(containers).toHaveLength(1);
  return containers[0]!.command;
}

describe.skipIf(!postgresAdminUrl)('the seeds’ materialized-view examples, end to end (real PostgreSQL)', () => {
  let db: TestDatabase;
  let stats: TestDatabase;
  const count = async (sql: string) => Number((await db.query<{ n: string }>(sql))[0]?.n);

  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_mv_examples');
    stats = await createPostgresDatabase('schemashift_mv_stats');
    await db.exec(SHOP);
    await stats.exec(`CREATE TABLE users (id uuid PRIMARY KEY, name text NOT NULL);
      INSERT INTO users VALUES ('00000000-0000-0000-0000-000000000001', 'ana'), ('00000000-0000-0000-0000-000000000002', 'bo');`);
  });
  afterAll(async () => {
    await db?.close();
    await stats?.close();
  });

  it('Alembic: daily_usage_matview created empty, indexed, refreshed; refreshed concurrently; rolled back', async () => {
    const plan = join(PLANS, 'create-daily-usage-view.yaml');
    const run = await cli(['run', plan, '--yes', '--database', db.url!]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await count('SELECT count(*) AS n FROM daily_usage_matview')).toBeGreaterThan(0);

    await db.exec(`INSERT INTO orders VALUES (1001, 99, 5, '2026-12-01')`);
    const refresh = await cli(['refresh', 'daily_usage_matview', '--concurrently', 'always', '--database', db.url!]);
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
    expect(refresh.stdout).toContain('refreshed concurrently');
    expect(await count('SELECT count(*) AS n FROM daily_usage_matview WHERE customer_id = 99')).toBe(1);

    const back = await cli(['rollback', plan, '--yes', '--database', db.url!]);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM pg_class WHERE relname = 'daily_usage_matview'`)).toBe(0);
  });

  it('Go: daily_sales replaced through contract, its reader carried over; the CronJob’s command refreshes it', async () => {
    const run = await cli(['run', join(PLANS, 'replace-daily-sales-view.yaml'), '--yes', '--database', db.url!]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // The new definition (an order count) is what daily_sales holds, and daily_report reads it, not __old.
    expect(await count('SELECT sum(orders) AS n FROM daily_sales')).toBe(
      await count('SELECT count(*) AS n FROM orders'),
    );
    expect(await count(`SELECT count(*) AS n FROM pg_class WHERE relname = 'daily_sales__old'`)).toBe(0);
    const reads = await db.query<{ ref: string }>(
      `SELECT DISTINCT d.refobjid::regclass::text AS ref FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
       WHERE r.ev_class = 'daily_report'::regclass AND d.refobjid <> 'daily_report'::regclass`,
    );
    expect(reads.map((r) => r.ref)).toEqual(['daily_sales']);
    expect((await db.query<{ c: string }>(`SELECT obj_description('daily_report'::regclass) AS c`))[0]?.c).toBe(
      'read by the dashboard',
    );

    const dir = emptyDir('schemashift-cronjob-');
    const made = await cli(['new', 'refresh-cronjob', '--view', 'daily_sales', '--out', 'k8s'], { cwd: dir });
    expect(made.code, made.stdout + made.stderr).toBe(0);
    const command = cronJobCommand(join(dir, 'k8s', 'schemashift-refresh-daily-sales.yaml'));
    expect(command.slice(0, 2)).toEqual(['schemashift', 'refresh']);
    // The pod gets DATABASE_URL from its Secret; here the same variable points at the test database.
    const tick = await cli(command.slice(1), { env: { DATABASE_URL: db.url!, CI: 'true' } });
    expect(tick.code, tick.stdout + tick.stderr).toBe(0);
    const doc = JSON.parse(tick.stdout) as { refreshes: { view: string; outcome: string; mode: string }[] };
    expect(doc.refreshes).toEqual([
      expect.objectContaining({ view: 'public.daily_sales', outcome: 'ok', mode: 'concurrently' }),
    ]);
    expect(
      await count(
        `SELECT count(*) AS n FROM schemashift.view_refreshes WHERE view_name = 'daily_sales' AND source = 'cli'`,
      ),
    ).toBe(1);
  });

  it('Rails + dblink: second_users over the stats database, refreshed after a remote insert', async () => {
    const env = { STATS_DATABASE_URL: stats.url! };
    const plan = join(PLANS, 'second-users-over-stats-db.yaml');
    const run = await cli(['run', plan, '--yes', '--database', db.url!], { env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await count('SELECT count(*) AS n FROM second_users')).toBe(2);

    await stats.exec(`INSERT INTO users VALUES ('00000000-0000-0000-0000-000000000003', 'cy')`);
    const refresh = await cli(['refresh', 'second_users', '--database', db.url!]);
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
    expect(await count('SELECT count(*) AS n FROM second_users')).toBe(3);
    // The view names the foreign tables, never a connection string.
    const definition = (await db.query<{ d: string }>(`SELECT pg_get_viewdef('second_users'::regclass) AS d`))[0]?.d;
    expect(definition).toContain('stats_db_remote.users');
    expect(definition).not.toMatch(/host=|password|dbname/i);

    const back = await cli(['rollback', plan, '--yes', '--database', db.url!], { env });
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM pg_foreign_server WHERE srvname = 'stats_db'`)).toBe(0);
  });
});
