/**
 * `validate --database`: db-matview-big-source, a materialized view built WITH DATA from a big table
 * inside a step's transaction (create_materialized_view, or raw CREATE MATERIALIZED VIEW in a sql
 * step). "Big" comes from the live catalog (reltuples after ANALYZE): a 3,000-row table and
 * --big-table-rows 2000 stand in for the default million.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

type JsonFinding = { rule: string; line: number; message: string; help: string };

const plan = (steps: string) => `name: mv\nphases:\n  expand:\n${steps}`;
const create = (query: string, extra = '') =>
  plan(`    - create_materialized_view: { name: totals, query: "${query}"${extra} }\n`);
const raw = (up: string) =>
  plan(`    - sql:\n        up: |\n          ${up}\n        down: DROP MATERIALIZED VIEW totals\n`);

describe.skipIf(!postgresAdminUrl)('validate --database: db-matview-big-source', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    await db.exec(`CREATE TABLE orders (id int PRIMARY KEY, customer int NOT NULL, amount int NOT NULL);
      INSERT INTO orders SELECT g, g % 50, g FROM generate_series(1, 3000) g;
      CREATE TABLE customers (id int PRIMARY KEY, name text);
      INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 50) g;
      ANALYZE orders; ANALYZE customers;`);
    dir = await mkdtemp(join(tmpdir(), 'schemashift-mv-'));
    await mkdir(join(dir, 'plans'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await db.close();
  });

  async function findings(text: string, rows = '2000'): Promise<{ code: number; findings: JsonFinding[] }> {
    await writeFile(join(dir, 'plans', 'mv.yaml'), text);
    const io = captureIo(dir);
    const args = ['validate', '--database', db.url!, 'plans/mv.yaml', '--format', 'json', '--big-table-rows', rows];
    const code = await main(args, io);
    const doc = JSON.parse(io.stdout()) as { plans: { findings: JsonFinding[] }[] };
    return { code, findings: doc.plans.flatMap((p) => p.findings).filter((f) => f.rule === 'db-matview-big-source') };
  }

  it('create_materialized_view WITH DATA from a big table: a warning naming its size and the way out', async () => {
    const run = await findings(create('SELECT customer, sum(amount) AS total FROM orders GROUP BY customer'));
    expect(run.findings).toEqual([
      expect.objectContaining({
        line: 4,
        message: expect.stringMatching(
          /^materialized view totals is built WITH DATA from ~3000 rows of orders \(\d+(\.\d)? kB\) inside the step's transaction: expect ~1 s \(at ~100 MB\/s\) for the scan alone, and every lock the step holds is held that long/,
        ),
        help: expect.stringContaining('create it empty (`with_data: false`'),
      }),
    ]);
  });

  it('a raw CREATE MATERIALIZED VIEW in a sql step: the same warning, at the statement', async () => {
    const run = await findings(
      raw(
        'CREATE MATERIALIZED VIEW totals AS SELECT c.name, count(*) AS n FROM customers c JOIN orders o ON o.customer = c.id GROUP BY c.name;',
      ),
    );
    expect(run.findings).toEqual([
      expect.objectContaining({ line: 6, message: expect.stringContaining('from ~3000 rows of orders') }),
    ]);
    expect(run.findings[0]!.message).not.toContain('of customers');
  });

  it.each([
    [
      'with_data: false',
      create('SELECT customer, sum(amount) AS total FROM orders GROUP BY customer', ', with_data: false'),
    ],
    ['WITH NO DATA in raw SQL', raw('CREATE MATERIALIZED VIEW totals AS SELECT customer FROM orders WITH NO DATA;')],
    ['a small source', create('SELECT id, name FROM customers')],
    ['CREATE TABLE AS (not a view)', raw('CREATE TABLE totals AS SELECT customer FROM orders;')],
  ])('%s: nothing', async (_, text) => {
    expect((await findings(text)).findings).toEqual([]);
  });

  it('the default threshold (1M rows or 1 GB) leaves a 3,000-row table alone', async () => {
    expect((await findings(create('SELECT customer FROM orders'), '1000000')).findings).toEqual([]);
  });
});
