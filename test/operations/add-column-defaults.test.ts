/**
 * add_column defaults that would rewrite the table (issue 9, items 9 and 10): a default through
 * a user function declared VOLATILE, and the serial pseudo-types. Refused at validate time, or
 * by the database before anything executes; the table's filenode never changes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { connect, type Connection } from '../../src/db/index.js';
import type { SqlStep } from '../../src/operations/types.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { runPlan, type RunOutcome } from '../../src/runner/run-plan.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { forward, parseSpec, probe } from '../support/operations.js';

const pg = postgresAdminUrl ? describe : describe.skip;
const add = (column: Record<string, unknown>) => () =>
  parseSpec('add_column', { table: 'orders', column: { name: 'code', type: 'integer', ...column } });

describe('defaults whose volatility only the database knows', () => {
  it.each(['public.always_ten()', 'always_ten()', 'coalesce(app.f(1), 0)', '1 #@# 2', 'public.random()'])(
    '%s is refused without a database, saying why and what to do',
    (dflt) => {
      expect(add({ default: dflt })).toThrow(/only the database knows: treated as volatile[\s\S]*/);
      try {
        add({ default: dflt })();
      } catch (e) {
        const text = JSON.stringify(e);
        expect(text).toContain('SET DEFAULT');
        expect(text).toContain('backfill');
        expect(text).toContain('default_volatility: stable');
      }
    },
  );

  it.each([
    "'x'",
    '0',
    'now()',
    "lower('X') || 'y'",
    "jsonb_build_object('a', 1)",
    "date_trunc('day', now())",
    '-1',
    "'{}'::jsonb",
  ])('%s is known not to be volatile', (dflt) => {
    expect(add({ default: dflt })).not.toThrow();
    expect(
      forward('add_column', { table: 'orders', column: { name: 'code', type: 'integer', default: dflt } })[0],
    ).not.toHaveProperty('sql', expect.stringContaining('DO '));
  });

  it('gen_random_uuid() and nextval() stay refused, even when the plan claims otherwise', () => {
    expect(add({ type: 'uuid', default: 'gen_random_uuid()', default_volatility: 'stable' })).toThrow(
      /gen_random_uuid\(\), which is volatile/,
    );
    expect(add({ default: "nextval('s')", default_volatility: 'immutable' })).toThrow(/nextval\(\), which is volatile/);
  });

  it('with default_volatility the step asks the database first, in the same transaction', () => {
    const [step] = forward('add_column', {
      table: 'orders',
      column: { name: 'code', type: 'integer', default: 'public.always_ten()', default_volatility: 'stable' },
    }) as SqlStep[];
    expect(step!.sql).toMatch(
      /^DO \$schemashift\$[\s\S]*provolatile = 'v'[\s\S]*\$schemashift\$;\nALTER TABLE orders ADD COLUMN code integer DEFAULT \(public\.always_ten\(\)\)$/,
    );
    expect(step!.transactional).toBe(true);
  });
});

describe('serial pseudo-types', () => {
  it.each(['serial', 'bigserial', 'smallserial', 'SERIAL4', 'serial8', '"serial"', 'serial[]'])(
    '%s is refused with the sequence recipe',
    (type) => {
      expect(add({ type })).toThrow(/nextval\(\) default, evaluated for every existing row/);
      try {
        add({ type })();
      } catch (e) {
        expect(JSON.stringify(e)).toMatch(/CREATE SEQUENCE orders_code_seq OWNED BY orders\.code/);
      }
    },
  );
});

pg('on PostgreSQL', () => {
  let db: TestDatabase;
  let conn: Connection;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    conn = await connect(db.url!, { applicationName: 'schemashift test', cwd: process.cwd() });
    await db.exec(`
      CREATE FUNCTION public.always_ten() RETURNS int LANGUAGE sql VOLATILE AS 'SELECT 10';
      CREATE FUNCTION public.stable_ten() RETURNS int LANGUAGE sql STABLE AS 'SELECT 10';
      CREATE FUNCTION public.overloaded() RETURNS int LANGUAGE sql VOLATILE AS 'SELECT 1';
      CREATE FUNCTION public.overloaded(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';
      CREATE FUNCTION public.volatile_plus(int, int) RETURNS int LANGUAGE sql VOLATILE AS 'SELECT $1 + $2';
      CREATE OPERATOR #@# (FUNCTION = public.volatile_plus, LEFTARG = int, RIGHTARG = int);
      CREATE DOMAIN positive AS int CHECK (VALUE > 0);`);
  });
  afterAll(async () => {
    await conn.close();
    await db.close();
  });
  beforeEach(async () => {
    await db.exec(
      'DROP TABLE IF EXISTS orders; CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 100)',
    );
  });

  const filenode = async () =>
    (await db.query<{ f: string }>("SELECT pg_relation_filenode('orders')::text AS f"))[0]!.f;
  const columns = async () =>
    (
      await db.query<{ attname: string }>(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
      )
    ).map((r) => r.attname);

  async function run(dflt: string): Promise<RunOutcome> {
    const yaml = stringify({
      name: `vd-${Math.random().toString(36).slice(2, 8)}`,
      phases: {
        expand: [
          {
            add_column: {
              table: 'orders',
              column: { name: 'code', type: 'integer', default: dflt, default_volatility: 'stable' },
            },
          },
        ],
      },
    });
    const plan = compilePlan(await parsePlan('vd.yaml', yaml));
    return runPlan(conn, plan, {
      mode: 'run',
      acceptDrift: false,
      answers: { yes: true },
      emit: () => undefined,
      signal: new AbortController().signal,
      command: (verb) => `schemashift ${verb}`,
    });
  }

  it.each(['public.always_ten()', 'always_ten()', 'public.overloaded(1)', '1 #@# 2'])(
    'run refuses %s (VOLATILE in pg_proc) before the table is touched',
    async (dflt) => {
      const before = await filenode();
      expect(await run(dflt)).toMatchObject({
        kind: 'failed',
        error: expect.stringMatching(/calls a VOLATILE function: adding the column would rewrite the whole table/),
      });
      expect(await filenode()).toBe(before);
      expect(await columns()).toEqual(['id']);
    },
  );

  it('run adds a column whose default pg_proc declares STABLE, without a rewrite', async () => {
    const before = await filenode();
    expect(await run('public.stable_ten()')).toEqual({ kind: 'done' });
    expect(await filenode()).toBe(before);
    expect(await db.query('SELECT count(*)::int AS n FROM orders WHERE code = 10')).toEqual([{ n: 100 }]);
  });

  it.each([
    'int4',
    'integer',
    'character varying(20)',
    'varchar(20)',
    'text[]',
    'positive',
    'timestamp with time zone',
    '"char"',
    'numeric(12,2)',
  ])('the catalog probe understands %s, and does not fail on a type that does not exist yet', async (type) => {
    const [step] = forward('add_column', { table: 'orders', column: { name: 'v', type } }) as SqlStep[];
    const missing = forward('add_column', {
      table: 'orders',
      column: { name: 'v', type: 'no_such_type' },
    })[0] as SqlStep;
    expect(await probe(db, missing)).toBe(false);
    expect(await probe(db, step!)).toBe(false);
    await db.exec(step!.sql);
    expect(await probe(db, step!)).toBe(true);
  });
});
