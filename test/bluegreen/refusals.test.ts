/**
 * What blue/green refuses before it creates anything: a green without wal_level = logical, a
 * same-named publication that is not the plan's, a table without a key, a green table with rows, a
 * missing URL variable (exit 2, nothing ran), SQL Server, and plans in the wrong order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, folderWith } from '../cli/cli-support.js';
import { logicalClusterUnavailable } from '../support/logical-cluster.js';
import { DB, planText, replicationObjects, startPair, type Pair } from './bluegreen-support.js';

const unavailable = logicalClusterUnavailable();
if (unavailable) console.warn(`blue/green refusal tests skipped: ${unavailable}`);

const tableExists = async (pair: Pair, side: 'blue' | 'green', table: string) =>
  (await pair[side].sql<{ t: string | null }>(DB, `SELECT to_regclass($1)::text AS t`, [table]))[0]?.t !== null;

describe.skipIf(unavailable !== null)('blue/green refusals on real clusters', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(planText('bg_refuse'));
  }, 120_000);
  afterAll(async () => pair?.stop());

  it('a missing GREEN_URL stops the run with exit 2 before anything runs', async () => {
    const result = await cli(['run', 'plan.yaml', '--yes', '--database', pair.blue.url(DB)], {
      cwd: pair.dir,
      env: { BLUE_REPLICATION_URL: pair.env.BLUE_REPLICATION_URL },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('$GREEN_URL is not set');
    expect(await replicationObjects(pair.blue)).toEqual([]);
    expect(await tableExists(pair, 'green', 'orders')).toBe(false);
  });

  it('schema: copy without a runnable pg_dump is refused before anything is created', async () => {
    const result = await cli(['run', 'plan.yaml', '--yes', '--database', pair.blue.url(DB)], {
      cwd: pair.dir,
      env: { ...pair.env, SCHEMASHIFT_PG_DUMP: '/nonexistent/pg_dump' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).toContain(
      'schema: copy needs pg_dump, and /nonexistent/pg_dump could not be run',
    );
    expect(await replicationObjects(pair.blue)).toEqual([]);
    expect(await tableExists(pair, 'green', 'orders')).toBe(false);
  });

  it('a same-named publication that is not the plan’s is refused; nothing is created on either side', async () => {
    await pair.blue.sql(DB, 'CREATE PUBLICATION ss_fwd_bg_refuse FOR TABLE customers');
    const result = await pair.run(['run', '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).toMatch(
      /publication ss_fwd_bg_refuse on blue exists and is not this plan's \(it publishes public\.customers\)/,
    );
    expect(await replicationObjects(pair.blue)).toEqual(['publication ss_fwd_bg_refuse']);
    expect(await replicationObjects(pair.green)).toEqual([]);
    expect(await tableExists(pair, 'green', 'orders')).toBe(false);
    await pair.blue.sql(DB, 'DROP PUBLICATION ss_fwd_bg_refuse');
  });

  it('a green table that already has rows is refused (the initial copy would duplicate them)', async () => {
    await pair.green.sql(DB, 'CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL)');
    await pair.green.sql(DB, `INSERT INTO customers VALUES (1, 'old')`);
    const result = await pair.run(['run', '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).toContain('customers on green already has rows');
    expect(await replicationObjects(pair.blue)).toEqual([]);
    expect(await tableExists(pair, 'green', 'orders')).toBe(false);
    await pair.green.sql(DB, 'DROP TABLE customers');
  });

  it('all: true with schema: existing needs every table on green; then it replicates what it listed', async () => {
    const plan = planText('bg_all')
      .replace('tables: [orders, customers]', 'all: true')
      .replace(
        'blue: { url_env: BLUE_REPLICATION_URL }',
        'blue: { url_env: BLUE_REPLICATION_URL }\n        schema: existing',
      );
    const dir = folderWith({ 'plan.yaml': plan });
    const run = (args: string[]) =>
      cli([...args, 'plan.yaml', '--yes', '--database', pair.blue.url(DB)], { cwd: dir, env: pair.env });
    const missing = await run(['advance']);
    expect(missing.code).toBe(2);
    expect(missing.stderr + missing.stdout).toContain(
      'public.customers, public.orders is not on green (schema: existing)',
    );
    await pair.green.sql(
      DB,
      `CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);
       CREATE TABLE orders (id int PRIMARY KEY, customer_id bigint, amount int NOT NULL, note text)`,
    );
    const done = await run(['advance']);
    expect(done.code, done.stdout + done.stderr).toBe(0);
    const published = await pair.blue.sql<{ t: string }>(
      DB,
      `SELECT tablename::text AS t FROM pg_publication_tables WHERE pubname = 'ss_fwd_bg_all' ORDER BY 1`,
    );
    expect(published.map((r) => r.t)).toEqual(['customers', 'orders']);
    const back = await run(['rollback']);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(await replicationObjects(pair.blue)).toEqual([]);
    expect(await replicationObjects(pair.green)).toEqual([]);
    await pair.green.sql(DB, 'DROP TABLE orders, customers');
  }, 120_000);

  it('a table without a primary key or replica identity is refused, naming it', async () => {
    await pair.blue.sql(DB, 'CREATE TABLE nokey (x int)');
    const dir = folderWith({ 'plan.yaml': planText('bg_nokey').replace('[orders, customers]', '[orders, nokey]') });
    const result = await cli(['run', 'plan.yaml', '--yes', '--database', pair.blue.url(DB)], {
      cwd: dir,
      env: pair.env,
    });
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).toMatch(/nokey has no primary key or replica identity/);
    expect(await replicationObjects(pair.blue)).toEqual([]);
  });
});

describe.skipIf(unavailable !== null)('blue/green refused on a green without wal_level = logical', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(planText('bg_replica'), 'replica');
  }, 120_000);
  afterAll(async () => pair?.stop());

  it('replicate refuses with exit 2 and says to set wal_level = logical; nothing is created', async () => {
    const result = await pair.run(['run', '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).toContain(
      'green: wal_level is replica: set wal_level = logical and restart green',
    );
    expect(await replicationObjects(pair.blue)).toEqual([]);
    expect(await tableExists(pair, 'green', 'orders')).toBe(false);
  });
});

describe('blue/green plans checked when loaded', () => {
  it('SQL Server refuses every blue/green step at validate (exit 2)', async () => {
    const plan = planText('bg_mssql').replace('phases:', 'dialect: mssql\nphases:');
    const result = await cli(['validate', 'plan.yaml'], { cwd: folderWith({ 'plan.yaml': plan }) });
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).toContain('mssql cannot replicate: SQL Server has no logical replication');
  });

  it('catch_up without replicate, and two switches, are refused with their lines', async () => {
    const plan = `name: bg_order
phases:
  migrate:
    - catch_up: {}
    - switch: {}
    - switch: {}
`;
    const result = await cli(['validate', 'plan.yaml'], { cwd: folderWith({ 'plan.yaml': plan }) });
    expect(result.code).toBe(2);
    const text = result.stderr + result.stdout;
    expect(text).toMatch(/plan\.yaml:4:\d+.*catch_up needs a replicate before it/);
    expect(text).toMatch(/plan\.yaml:6:\d+.*a plan has at most one switch/);
  });
});

describe.skipIf(unavailable !== null)('blue/green: an apply error on green fails catch_up', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(planText('bg_conflict'));
  }, 120_000);
  afterAll(async () => pair?.stop());

  it('a row green cannot apply (a duplicate key written on green) fails catch_up naming the subscription', async () => {
    const expand = await pair.run(['advance', '--yes']);
    expect(expand.code, expand.stdout + expand.stderr).toBe(0);
    const next = (await pair.blue.sql<{ id: number }>(DB, 'SELECT max(id) + 1 AS id FROM customers'))[0]?.id;
    await pair.green.sql(DB, `INSERT INTO customers (id, name) VALUES (${next}, 'written on green')`);
    await pair.blue.sql(DB, `INSERT INTO customers (name) VALUES ('written on blue')`);
    const result = await pair.run(['run']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/subscription ss_fwd_bg_conflict on green reports \d+ new apply or copy error/);
    expect(result.stdout).toContain("see green's server log");
  }, 180_000);
});
