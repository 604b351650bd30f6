/**
 * `after:` under concurrency on a real PostgreSQL: a plan cannot slip past one it waits for while that
 * one's runner is still mid-phase; the order check waits for the order lock; and a rollback of A racing
 * a run of B (after A) never both succeed.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/db/index.js';
import { RUNNER_LOCK_CLASS } from '../../src/dialects/postgres/runner-lock.js';
import { DependentStartedError, ORDER_LOCK_NAME, WaitingForPlanError } from '../../src/runner/plan-order.js';
import { rollbackPlan } from '../../src/runner/rollback.js';
import { planLockKey } from '../../src/runner/runner-lock.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { ADD_PHONE, addEmail, compiled, runOptions, usersDatabase } from './after-support.js';

const ADD_EMAIL = addEmail('{ lock_timeout: 100ms, lock_retries: 100 }');

const options = runOptions;

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('after: under concurrency', () => {
  const t = usersDatabase('schemashift_after_race');

  /** The step's status; undefined until the runner has created the state tables and the row. */
  const stepStatus = async (plan: string, step: string) => {
    const [exists] = await t.db.query<{ ok: boolean }>("SELECT to_regclass('schemashift.steps') IS NOT NULL AS ok");
    if (!exists?.ok) return undefined;
    const rows = await t.db.query<{ status: string }>(
      'SELECT status FROM schemashift.steps WHERE plan_name = $1 AND step_id = $2',
      [plan, step],
    );
    return rows[0]?.status;
  };

  it('B is refused while A is running its expand (lock-blocked), and runs once A has finished it', async () => {
    const blocker = new pg.Client({ connectionString: t.db.url! });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE users IN ACCESS SHARE MODE');
    const a = runPlan(t.conn, await compiled(ADD_EMAIL), options('advance'));
    try {
      await until(async () => (await stepStatus('add-email', 'add_column:users.email')) === 'running');
      const refused = await runPlan(t.other, await compiled(ADD_PHONE), options()).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(WaitingForPlanError);
      expect((refused as Error).message).toContain(
        'add-email is in expand (running, 0 of 2 step(s) done), next step add_column:users.email',
      );
      expect(await t.db.query("SELECT 1 FROM schemashift.runs WHERE plan_name = 'add-phone'")).toEqual([]);
    } finally {
      await blocker.query('COMMIT');
      await blocker.end();
    }
    expect((await a).kind).toBe('phase-done');
    expect((await runPlan(t.other, await compiled(ADD_PHONE), options())).kind).toBe('done');
  });

  it('the order check waits for the order lock: B records nothing while another runner holds it', async () => {
    await runPlan(t.conn, await compiled(ADD_EMAIL), options('advance'));
    const holder = new pg.Client({ connectionString: t.db.url! });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1, $2)', [RUNNER_LOCK_CLASS, planLockKey(ORDER_LOCK_NAME)]);
    const b = runPlan(t.other, await compiled(ADD_PHONE), options());
    try {
      await new Promise((r) => setTimeout(r, 600));
      expect(await t.db.query("SELECT 1 FROM schemashift.runs WHERE plan_name = 'add-phone'")).toEqual([]);
    } finally {
      await holder.end();
    }
    expect((await b).kind).toBe('done');
  });

  it('a rollback of A racing a run of B (after A): never both', async () => {
    for (let round = 0; round < 4; round++) {
      await t.db.exec('DROP SCHEMA IF EXISTS schemashift CASCADE; ALTER TABLE users DROP COLUMN IF EXISTS phone');
      await t.db.exec('ALTER TABLE users DROP COLUMN IF EXISTS email');
      await runPlan(t.conn, await compiled(ADD_EMAIL), options('advance'));
      const [rollback, run] = await Promise.allSettled([
        rollbackPlan(t.conn, await compiled(ADD_EMAIL), { ...options(), answers: { yes: true } }),
        runPlan(t.other, await compiled(ADD_PHONE), options()),
      ]);
      const rolledBack = rollback.status === 'fulfilled' && rollback.value.kind === 'rolled-back';
      const ran = run.status === 'fulfilled' && run.value.kind === 'done';
      expect(rolledBack !== ran, `round ${round}: rolled back ${rolledBack}, B ran ${ran}`).toBe(true);
      if (!rolledBack) expect(rollback.status === 'rejected' && rollback.reason).toBeInstanceOf(DependentStartedError);
      if (!ran) expect(run.status === 'rejected' && run.reason).toBeInstanceOf(WaitingForPlanError);
    }
  });
});

describe('after: on the embedded PGlite (one backend: the order lock is taken and released on it)', () => {
  it('B is refused before A ran, runs after A finished expand; rollback of A is then refused', async () => {
    const conn = await connect('pglite://memory');
    try {
      await conn.session((s) => s.exec('CREATE TABLE users (id bigint PRIMARY KEY, legacy_login text)'));
      const refused = await runPlan(conn, await compiled(ADD_PHONE), options()).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(WaitingForPlanError);
      expect((await runPlan(conn, await compiled(ADD_EMAIL), options('advance'))).kind).toBe('phase-done');
      expect((await runPlan(conn, await compiled(ADD_PHONE), options())).kind).toBe('done');
      const rollback = await rollbackPlan(conn, await compiled(ADD_EMAIL), options()).catch((e: unknown) => e);
      expect(rollback).toBeInstanceOf(DependentStartedError);
    } finally {
      await conn.close();
    }
  });
});
