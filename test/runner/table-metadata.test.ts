/**
 * The table metadata operations through the runner, on PostgreSQL and PGlite: a run changes the
 * catalog, a rollback puts back exactly what was there; an effect already in place before the plan
 * is refused on a first attempt (or adopted, and then left by rollback); a drifted value stops
 * the step with nothing changed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { compilePlan, type CompiledPlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { OwnershipError } from '../../src/runner/ownership.js';
import { rollbackPlan } from '../../src/runner/rollback.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { one } from './support.js';

const command = (verb: string, extra?: string) => `schemashift ${verb} plan.yaml${extra ? ` ${extra}` : ''}`;
const options = { answers: { yes: true }, emit: () => undefined, signal: new AbortController().signal, command };

async function compile(yaml: string): Promise<CompiledPlan> {
  return compilePlan(await parsePlan('plan.yaml', yaml));
}
const run = (conn: Connection, plan: CompiledPlan) =>
  runPlan(conn, plan, { ...options, mode: 'run', acceptDrift: false, phase: 'expand' });
const rollback = (conn: Connection, plan: CompiledPlan) => rollbackPlan(conn, plan, options);

const SETUP = `CREATE TABLE orders (id int PRIMARY KEY, number int NOT NULL, status text DEFAULT 'new',
  created timestamptz, total int CONSTRAINT orders_total_check CHECK (total >= 0));
  CREATE UNIQUE INDEX orders_number_key ON orders (number);
  COMMENT ON COLUMN orders.status IS 'old'`;

const PLAN = `name: meta
phases:
  expand:
    - set_default: { table: orders, column: status, default: "'pending'", previous: "'new'" }
    - set_default: { table: orders, column: created, default: "now()", previous: null }
    - set_comment: { table: orders, column: status, comment: "it's new", previous: old }
    - set_replica_identity: { table: orders, identity: index, index: orders_number_key, previous: default }
    - rename_constraint: { table: orders, from: orders_total_check, to: orders_total_not_negative }
`;

const CATALOG = `SELECT (SELECT string_agg(a.attname || '=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-'), ', '
    ORDER BY a.attname) FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = 'orders'::regclass AND a.attname IN ('status', 'created')) AS defaults,
  col_description('orders'::regclass, 3) AS comment,
  (SELECT relreplident::text FROM pg_class WHERE oid = 'orders'::regclass) AS identity,
  (SELECT string_agg(conname, ', ' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'orders'::regclass
    AND contype = 'c') AS checks`;

const BEFORE = {
  defaults: "created=-, status='new'::text",
  comment: 'old',
  identity: 'd',
  checks: 'orders_total_check',
};

/** A scratch PostgreSQL database, or none: the runner then works on an in-memory PGlite. */
const engines: { name: string; open: () => Promise<TestDatabase | null> }[] = [
  ...(postgresAdminUrl ? [{ name: 'postgres', open: () => createPostgresDatabase('schemashift_meta') }] : []),
  { name: 'pglite', open: () => Promise.resolve(null) },
];

describe.each(engines)('table metadata through the runner on $name', ({ open }) => {
  let db: TestDatabase | null;
  let conn: Connection;
  beforeEach(async () => {
    db = await open();
    conn = await connect(db?.url ?? 'pglite://memory');
    await conn.session((s) => s.exec(SETUP));
  });
  afterEach(async () => {
    await conn.close();
    await db?.close();
  });

  it('run changes the catalog; rollback puts back exactly what was there', async () => {
    const plan = await compile(PLAN);
    expect(await one(conn, CATALOG)).toEqual(BEFORE);
    expect(await run(conn, plan)).toEqual({ kind: 'done' });
    expect(await one(conn, CATALOG)).toEqual({
      defaults: "created=now(), status='pending'::text",
      comment: "it's new",
      identity: 'i',
      checks: 'orders_total_not_negative',
    });
    expect(await rollback(conn, plan)).toMatchObject({ kind: 'rolled-back' });
    expect(await one(conn, CATALOG)).toEqual(BEFORE);
  });

  it("a default already the plan's before it ran is refused on the first attempt; adopted, rollback leaves it", async () => {
    await conn.session((s) => s.exec('ALTER TABLE orders ALTER COLUMN created SET DEFAULT now()'));
    const yaml = `name: m\nphases:\n  expand:\n    - set_default: { table: orders, column: created, default: "now()", previous: null }\n`;
    const error = await run(conn, await compile(yaml)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OwnershipError);
    expect((error as Error).message).toContain('already in place and was not created by this plan');
    const adopting = await compile(`${yaml}      if_exists: adopt\n`);
    expect(await run(conn, adopting)).toEqual({ kind: 'done' });
    expect(await rollback(conn, adopting)).toMatchObject({ kind: 'rolled-back', kept: ['set_default:orders.created'] });
    expect(await one(conn, CATALOG)).toMatchObject({ defaults: "created=now(), status='new'::text" });
  });

  it('a drifted default stops the run with nothing changed; rename onto an existing name is refused', async () => {
    await conn.session((s) => s.exec(`ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'other'`));
    const outcome = await run(conn, await compile(PLAN));
    expect(outcome).toMatchObject({ kind: 'failed', stepId: 'set_default:orders.status' });
    expect(outcome.kind === 'failed' && outcome.error).toContain(
      "the default of orders.status is 'other'::text, but this step expects 'new'::text before it sets 'pending'::text",
    );
    expect(await one(conn, CATALOG)).toEqual({ ...BEFORE, defaults: "created=-, status='other'::text" });
    const taken = `name: r\nphases:\n  expand:\n    - rename_constraint: { table: orders, from: orders_total_check, to: orders_pkey }\n`;
    const refused = await run(conn, await compile(taken)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OwnershipError);
    expect((refused as Error).message).toContain('constraint orders_pkey on orders already exists');
  });

  it.each([
    ['drop_default', `drop_default: { table: orders, column: statuss, default: "'new'" }`],
    ['set_comment', 'set_comment: { table: orders, column: statuss, comment: null, previous: old }'],
  ])('%s of a misspelled column is not "already in place": the step fails naming the column', async (_, step) => {
    const plan = await compile(`name: m\nphases:\n  expand:\n    - ${step}\n`);
    const outcome = await run(conn, plan).catch((e: unknown) => e);
    expect(outcome).toMatchObject({ kind: 'failed' });
    expect((outcome as { error: string }).error).toMatch(/statuss/);
    expect((outcome as { error: string }).error).not.toMatch(/already in place/);
    expect(await one(conn, CATALOG)).toEqual(BEFORE);
  });
});
