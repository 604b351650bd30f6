/**
 * A column DEFAULT in CREATE TABLE / ADD COLUMN only takes a restricted expression (b_expr): without
 * parentheses `DEFAULT 'x' COLLATE "C"` would give the COLUMN the collation "C". The default is
 * rendered in parentheses, so the plan's text stays the default (the server prints it as it prints
 * any such default: pg_get_expr parenthesizes a COLLATE itself, and adds nothing around `'x'`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { connect, type Connection } from '../../src/db/index.js';
import type { SqlStep } from '../../src/operations/types.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { applySql, forward, probe } from '../support/operations.js';

const DEFAULT = `'x' COLLATE "C"`;

describe('a default is one expression in the statement', () => {
  it('add_column and create_table render DEFAULT (expression)', () => {
    const [add] = forward('add_column', {
      table: 'orders',
      column: { name: 'b', type: 'text', default: DEFAULT },
    }) as SqlStep[];
    expect(add!.sql).toBe(`ALTER TABLE orders ADD COLUMN b text DEFAULT ('x' COLLATE "C")`);
    const [create] = forward('create_table', {
      name: 't',
      columns: [{ name: 'b', type: 'text', default: DEFAULT }],
    }) as SqlStep[];
    expect(create!.sql).toContain(`  b text DEFAULT ('x' COLLATE "C")\n`);
  });
});

describe.skipIf(!postgresAdminUrl)('on PostgreSQL', () => {
  let db: TestDatabase;
  let conn: Connection;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    conn = await connect(db.url!, { applicationName: 'schemashift test', cwd: process.cwd() });
  });
  afterAll(async () => {
    await conn.close();
    await db.close();
  });
  beforeEach(async () => {
    await db.exec('DROP TABLE IF EXISTS orders, t; DROP SCHEMA IF EXISTS schemashift CASCADE');
    await db.exec('CREATE TABLE orders (id int PRIMARY KEY)');
  });

  /** The column's collation (null: its type's default) and its default as the server prints it. */
  const column = async (table: string) =>
    (
      await db.query<{ collation: string | null; dflt: string | null }>(
        `SELECT (SELECT collname::text FROM pg_collation WHERE oid = a.attcollation AND a.attcollation <> 100)
           AS collation, pg_get_expr(d.adbin, d.adrelid) AS dflt
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attrelid = '${table}'::regclass AND a.attname = 'b'`,
      )
    )[0];

  it('add_column through the runner: the collation stays the default one; the probe says done after', async () => {
    const spec = { table: 'orders', column: { name: 'b', type: 'text', default: DEFAULT } };
    const plan = compilePlan(
      await parsePlan('p.yaml', stringify({ name: 'p', phases: { expand: [{ add_column: spec }] } })),
    );
    const [step] = forward('add_column', spec) as SqlStep[];
    expect(await probe(db, step!)).toBe(false);
    const outcome = await runPlan(conn, plan, {
      mode: 'run',
      acceptDrift: false,
      answers: { yes: true },
      emit: () => undefined,
      signal: new AbortController().signal,
      command: (verb) => `schemashift ${verb}`,
    });
    expect(outcome).toEqual({ kind: 'done' });
    expect(await column('orders')).toEqual({ collation: null, dflt: `('x'::text COLLATE "C")` });
    expect(await probe(db, step!)).toBe(true);
  });

  it('create_table: the collation stays the default one; the probe says done after', async () => {
    const steps = forward('create_table', { name: 't', columns: [{ name: 'b', type: 'text', default: DEFAULT }] });
    expect(await probe(db, steps[0] as SqlStep)).toBe(false);
    await applySql(db, steps);
    expect(await column('t')).toEqual({ collation: null, dflt: `('x'::text COLLATE "C")` });
    expect(await probe(db, steps[0] as SqlStep)).toBe(true);
  });

  it.each(["'x'", '0', '-1', 'now()', "lower('X') || 'y'", "'{}'::jsonb::text"])(
    'the server prints %s the same with or without the parentheses (what the probes compare)',
    async (dflt) => {
      await db.exec(`CREATE TABLE t (b text DEFAULT ${dflt}, c text DEFAULT (${dflt}))`);
      const [row] = await db.query<{ b: string; c: string }>(
        `SELECT max(pg_get_expr(d.adbin, d.adrelid)) FILTER (WHERE a.attname = 'b') AS b,
                max(pg_get_expr(d.adbin, d.adrelid)) FILTER (WHERE a.attname = 'c') AS c
         FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
         WHERE d.adrelid = 't'::regclass`,
      );
      expect(row!.b).toEqual(expect.any(String));
      expect(row!.c).toBe(row!.b);
    },
  );
});
