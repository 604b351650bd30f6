/**
 * `schemashift test` with real PostgreSQL: the structure read from a live database (--schema-from),
 * and scratch databases on a server (--database) that are gone afterwards — after success, failure
 * and Ctrl-C alike.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { ORDERS_SEED, ORDERS_WITH_NULL_CLIENTS_SEED, SLOW_BACKFILL_PLAN, writePlan } from './fixtures/plans.js';

const SOURCE_SCHEMA = `
  CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'delivered');
  CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(120) NOT NULL UNIQUE,
    uid uuid NOT NULL,
    code char(3) NOT NULL,
    score numeric(4,0) NOT NULL,
    ratio numeric(3,2),
    tags text[],
    active boolean NOT NULL DEFAULT true,
    referred_by bigint REFERENCES customers (id),
    meta json, ip inet, wait interval, opens time, avatar bytea, weight float8, rank int2
  );
  CREATE TABLE orders (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    total numeric(12,2) NOT NULL,
    total_with_tax numeric GENERATED ALWAYS AS (total * 1.2) STORED,
    status order_status NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    placed date NOT NULL,
    note jsonb,
    UNIQUE (customer_id, placed)
  );
  CREATE INDEX orders_created_at_idx ON orders (created_at);
  CREATE MATERIALIZED VIEW daily_sales AS SELECT placed AS day, sum(total) AS total_sales FROM orders GROUP BY placed;
  CREATE UNIQUE INDEX daily_sales_day_key ON daily_sales (day);
  INSERT INTO customers (email, uid, code, score) VALUES ('a@example.com', gen_random_uuid(), 'abc', 1);
`;

async function rehearse(args: string[]) {
  const io = captureIo();
  const started = Date.now();
  const code = await main(['test', ...args], io);
  console.log(`schemashift test ${args.join(' ')}: exit ${code} in ${Date.now() - started} ms`);
  return { code, out: io.stdout(), err: io.stderr() };
}

const scratchNames = (stderr: string) => [
  ...new Set([...stderr.matchAll(/(schemashift_rehearse_[a-z0-9_]+)/g)].map((m) => m[1] as string)),
];

describe.skipIf(!postgresAdminUrl)('schemashift test with real PostgreSQL', () => {
  let source: TestDatabase;
  let admin: TestDatabase;
  const adminUrl = postgresAdminUrl ?? '';

  beforeAll(async () => {
    source = await createPostgresDatabase('schemashift_test_source');
    await source.exec(SOURCE_SCHEMA);
    admin = await createPostgresDatabase('schemashift_test_admin');
  });
  afterAll(async () => {
    await source?.close();
    await admin?.close();
  });

  const existing = async (names: string[]) =>
    (await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1)', [names])).map(
      (r) => r.datname,
    );

  it('--schema-from: recreates orders + customers (FK, keys, enum, identity, serial, generated column) with generated rows, and rehearses on PGlite', async () => {
    const { code, out } = await rehearse([
      'plans/add-not-null-column.yaml',
      '--schema-from',
      source.url!,
      '--rows',
      '300',
    ]);
    expect(code).toBe(0);
    expect(out).toContain('data: structure of customers, orders read from');
    expect(out).toContain('(catalog, not pg_dump), 300 generated rows per table');
    expect(out).toMatch(/migrate +backfill:orders\.total_cents +✔ 300 rows = 300 matching/);
    expect(out).toContain('✔ rollback after expand:');
    expect(out).toContain('✔ rollback after migrate:');
    expect(out).toContain('✔ rehearsal passed');
    // Read only: nothing of the rehearsal reached the source.
    expect(
      await source.query(
        `SELECT to_regnamespace('schemashift') AS state, (SELECT count(*)::int FROM customers) AS customers, (SELECT count(*)::int FROM orders) AS orders`,
      ),
    ).toEqual([{ state: null, customers: 1, orders: 0 }]);
  });

  it('--schema-from follows a materialized view to the tables it reads, and rehearses on scratch databases', async () => {
    const { code, out } = await rehearse([
      'plans/replace-daily-sales-view.yaml',
      '--schema-from',
      source.url!,
      '--rows',
      '200',
      '--database',
      admin.url!,
    ]);
    expect(code).toBe(0);
    expect(out).toContain('data: structure of customers, orders, daily_sales read from');
    expect(out).toMatch(/expand +replace_materialized_view:daily_sales\/swap +✔ probe: in place/);
    expect(out).toContain('✔ rollback after expand: 2 step(s) undone; schema and rows equal the original');
  });

  it('--database: the rehearsal runs on three scratch databases of that server, all dropped afterwards', async () => {
    const { code, out, err } = await rehearse([
      'plans/rename-orders-client-id.yaml',
      '--seed',
      ORDERS_SEED,
      '--database',
      adminUrl,
    ]);
    expect(code).toBe(0);
    expect(out).toContain('on scratch databases (schemashift_rehearse_…, dropped afterwards) on the server of');
    const names = scratchNames(err);
    expect(names).toHaveLength(3);
    expect(names.map((n) => n.split('_')[2])).toEqual(['run', 'expand', 'migrate']);
    expect(await existing(names)).toEqual([]);
  });

  it('--database: a failing rehearsal drops its scratch database too', async () => {
    const { code, err } = await rehearse([
      'plans/rename-orders-client-id.yaml',
      '--seed',
      ORDERS_WITH_NULL_CLIENTS_SEED,
      '--database',
      adminUrl,
    ]);
    expect(code).toBe(1);
    const names = scratchNames(err);
    expect(names).toHaveLength(1);
    expect(await existing(names)).toEqual([]);
  });

  /** The CLI as its own process, so that it can be sent SIGINT; resolves once `ready` shows on stderr. */
  function startRehearsal(args: string[], ready: RegExp) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/rehearse/run-cli.ts', 'test', ...args], {
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const seen = new Promise<void>((resolve) =>
      child.stderr.on('data', (d) => ((stderr += d), ready.test(stderr) && resolve())),
    );
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return { child, seen, done, output: () => ({ stdout, stderr }) };
  }

  it.each([
    ['once: stops after the current batch', 1],
    ['twice: quits at once', 2],
  ])('Ctrl-C %s, and the scratch database is dropped (exit 130)', async (_, times) => {
    // The first progress line comes after batch 1; batch 2 (4 s) is running when the signal lands, long enough for
    // the second signal to land before it ends even on a loaded machine.
    const run = startRehearsal(
      [writePlan(SLOW_BACKFILL_PLAN), '--seed', ORDERS_SEED, '--database', adminUrl],
      /backfill:orders\.total_cents: 1\//,
    );
    await Promise.race([run.seen, run.done]);
    const names = scratchNames(run.output().stderr);
    expect(names).toHaveLength(1);
    expect(await existing(names)).toEqual(names);
    run.child.kill('SIGINT');
    if (times === 2) {
      while (!run.output().stderr.includes('Ctrl-C: stopping')) await new Promise((r) => setTimeout(r, 20));
      run.child.kill('SIGINT');
    }
    expect(await run.done).toBe(130);
    const { stdout, stderr } = run.output();
    expect(stderr).toContain(
      times === 1
        ? 'Ctrl-C: stopping after the current statement'
        : 'Ctrl-C again: dropping the scratch databases, then quitting',
    );
    if (times === 1) expect(stdout).toContain('rehearsal interrupted after');
    expect(await existing(names)).toEqual([]);
  });
});
