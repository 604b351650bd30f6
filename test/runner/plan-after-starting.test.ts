/**
 * `after:` and a plan that has no step rows (yet): on a real PostgreSQL, a run of A that is starting (its
 * state written in one transaction) or that has a run row without steps has finished nothing, so B waits; and
 * a refused re-run of A leaves A's state (a rolled-back run and its step rows) as it was.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PlanError } from '../../src/errors.js';
import { WaitingForPlanError } from '../../src/runner/plan-order.js';
import { rollbackPlan } from '../../src/runner/rollback.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { ADD_PHONE, addEmail, compiled, runOptions, usersDatabase } from './after-support.js';

const ADD_EMAIL = addEmail();

const WIDEN_LOGIN = `name: widen-login
phases:
  expand:
    - change_type: { table: users, column: legacy_login, type: "varchar(200)" }
`;

const options = runOptions;

const settle = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p.catch((e: unknown) => e), new Promise((r) => setTimeout(() => r('still running'), ms))]);

describe('after: a plan without step rows has finished nothing', () => {
  const t = usersDatabase('schemashift_after_start');

  it('B is refused while A is recording its run (the steps table locked mid-start)', async () => {
    await runPlan(t.other, await compiled(ADD_PHONE), options()).catch(() => undefined); // creates the state tables
    const blocker = new pg.Client({ connectionString: t.db.url! });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK schemashift.steps IN EXCLUSIVE MODE');
    const a = runPlan(t.conn, await compiled(ADD_EMAIL), options('advance'));
    let b: Promise<unknown> = Promise.resolve();
    try {
      await new Promise((r) => setTimeout(r, 700)); // A is blocked in its start
      b = runPlan(t.other, await compiled(ADD_PHONE), options());
      const refused = await settle(b, 3000);
      expect(refused).toBeInstanceOf(WaitingForPlanError);
      expect(await t.db.query("SELECT 1 FROM schemashift.steps WHERE plan_name = 'add-phone'")).toEqual([]);
    } finally {
      await blocker.query('COMMIT');
      await blocker.end();
      await b.catch(() => undefined);
    }
    expect((await a).kind).toBe('phase-done');
    expect((await runPlan(t.other, await compiled(ADD_PHONE), options())).kind).toBe('done');
  });

  it('B is refused when A has a run row and no step rows; the message says A is starting', async () => {
    expect((await runPlan(t.conn, await compiled(ADD_EMAIL), options('advance'))).kind).toBe('phase-done');
    await t.db.exec("DELETE FROM schemashift.steps WHERE plan_name = 'add-email'");
    const refused = await runPlan(t.other, await compiled(ADD_PHONE), options()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WaitingForPlanError);
    expect((refused as Error).message).toContain('add-email is starting (no step of it is recorded yet)');
    await t.db.exec("UPDATE schemashift.runs SET status = 'done' WHERE plan_name = 'add-email'");
    expect(await runPlan(t.other, await compiled(ADD_PHONE), options()).catch((e: unknown) => e)).toBeInstanceOf(
      WaitingForPlanError,
    );
  });

  it('a refused re-run of a rolled-back plan leaves it rolled back with its step rows', async () => {
    expect((await runPlan(t.conn, await compiled(WIDEN_LOGIN), options('advance'))).kind).toBe('phase-done');
    expect((await rollbackPlan(t.conn, await compiled(WIDEN_LOGIN), options())).kind).toBe('rolled-back');
    const before = await t.db.query("SELECT step_id, status FROM schemashift.steps WHERE plan_name = 'widen-login'");
    expect(before.length).toBeGreaterThan(0);
    await t.db.exec('CREATE VIEW logins AS SELECT legacy_login FROM users');
    const refused = await runPlan(t.conn, await compiled(WIDEN_LOGIN), options()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PlanError);
    expect(await t.db.query("SELECT status FROM schemashift.runs WHERE plan_name = 'widen-login'")).toEqual([
      { status: 'rolled_back' },
    ]);
    expect(await t.db.query("SELECT step_id, status FROM schemashift.steps WHERE plan_name = 'widen-login'")).toEqual(
      before,
    );
  });
});
