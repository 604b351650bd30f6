/**
 * `after:` on a real PostgreSQL: a run whose `after:` closes a cycle through the recorded runs is refused
 * (exit 2, the cycle named, nothing recorded); the wait for the order lock names its holder, stops on
 * Ctrl-C (exit 130) and takes over a holder whose runner is gone.
 */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { RUNNER_LOCK_CLASS } from '../../src/dialects/postgres/runner-lock.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { AfterCycleError } from '../../src/runner/plan-cycle.js';
import { ORDER_LOCK_NAME, OrderWaitInterruptedError } from '../../src/runner/plan-order.js';
import { planLockKey } from '../../src/runner/runner-lock.js';
import { runPlan, type RunOptions } from '../../src/runner/run-plan.js';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.js';

const addColumn = (name: string, column: string, after = '') => `name: ${name}
${after}phases:
  expand:
    - add_column: { table: users, column: { name: ${column}, type: text } }
`;

const compiled = async (yaml: string) => compilePlan(await parsePlan('plan.yaml', yaml));

const options = (patch: Partial<RunOptions> = {}): RunOptions => ({
  mode: 'run',
  acceptDrift: true,
  answers: { yes: true },
  emit: () => undefined,
  signal: new AbortController().signal,
  command: (verb) => `schemashift ${verb} plan.yaml`,
  ...patch,
});

describe('after: cycles and the order lock', () => {
  let db: TestDatabase;
  let conn: Connection;
  beforeEach(async () => {
    db = await createPostgresDatabase('schemashift_after_cycle');
    await db.exec('CREATE TABLE users (id bigint PRIMARY KEY)');
    conn = await connect(db.url!);
  });
  afterEach(async () => {
    await conn.close();
    await db.close();
  });

  const runsOf = async (plan: string) =>
    db.query('SELECT status, plan_hash FROM schemashift.runs WHERE plan_name = $1', [plan]);

  it('refuses an after: item whose plan waits for this one, directly: exit 2, the cycle named', async () => {
    expect((await runPlan(conn, await compiled(addColumn('a', 'a1')), options())).kind).toBe('done');
    const b = addColumn('b', 'b1', 'after: [{ plan: a, phase: expand }]\n');
    expect((await runPlan(conn, await compiled(b), options())).kind).toBe('done');
    const before = await runsOf('a');
    const edited = addColumn('a', 'a1', 'after: [b]\n');
    const refused = await runPlan(conn, await compiled(edited), options()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AfterCycleError);
    expect((refused as AfterCycleError).exitCode).toBe(2);
    expect((refused as Error).message).toContain(
      'plan a waits for plan b (`after: [b]`), and the run recorded for b waits for a in turn (its `after:`): ' +
        'a → b → a.',
    );
    expect((refused as Error).message).toContain('nothing was run');
    expect(await runsOf('a')).toEqual(before);
  });

  it('refuses a cycle through several plans, naming each', async () => {
    expect((await runPlan(conn, await compiled(addColumn('a', 'a1')), options())).kind).toBe('done');
    expect((await runPlan(conn, await compiled(addColumn('b', 'b1', 'after: [a]\n')), options())).kind).toBe('done');
    expect((await runPlan(conn, await compiled(addColumn('c', 'c1', 'after: [b]\n')), options())).kind).toBe('done');
    const edited = addColumn('a', 'a1', 'after: [{ plan: c, phase: expand }]\n');
    const refused = await runPlan(conn, await compiled(edited), options()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AfterCycleError);
    expect((refused as Error).message).toContain(
      'the runs recorded for c, b lead back to a through their `after:`: a → c → b → a.',
    );
    expect((refused as Error).message).toContain('`after: [{ plan: c, phase: expand }]`');
  });

  const holdOrderLock = async (applicationName: string) => {
    const holder = new pg.Client({ connectionString: db.url!, application_name: applicationName });
    holder.on('error', () => undefined);
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1, $2)', [RUNNER_LOCK_CLASS, planLockKey(ORDER_LOCK_NAME)]);
    return holder;
  };

  it('Ctrl-C while waiting for the order lock: exit 130, the holder named, nothing recorded', async () => {
    expect((await runPlan(conn, await compiled(addColumn('a', 'a1')), options())).kind).toBe('done');
    const holder = await holdOrderLock(`schemashift otherhost 4242 x`);
    try {
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 400);
      const started = Date.now();
      const b = addColumn('b', 'b1', 'after: [a]\n');
      const refused = await runPlan(conn, await compiled(b), options({ signal: stop.signal })).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(refused).toBeInstanceOf(OrderWaitInterruptedError);
      expect((refused as OrderWaitInterruptedError).exitCode).toBe(130);
      expect((refused as Error).message).toContain('held by host otherhost, pid 4242');
      expect(await runsOf('b')).toEqual([]);
    } finally {
      await holder.end();
    }
  });

  it('takes over the order lock from a runner that no longer exists on this host', async () => {
    expect((await runPlan(conn, await compiled(addColumn('a', 'a1')), options())).kind).toBe('done');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const holder = await holdOrderLock(`schemashift ${hostname()} ${gone} x`);
    try {
      const b = addColumn('b', 'b1', 'after: [a]\n');
      const started = Date.now();
      expect((await runPlan(conn, await compiled(b), options())).kind).toBe('done');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await holder.end().catch(() => undefined);
    }
  });
});
