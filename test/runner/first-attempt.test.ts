/**
 * "Started before" means "the statement may have been sent": a transactional step is recorded done
 * in the transaction of its statement, so a step left running/failed by a kill, a lost connection
 * or an error while its ownership was being checked goes through the first-attempt rules again; and
 * a rollback runs an undo only for what may have taken effect (a raw `sql` whose `up` failed has
 * nothing to undo, so its `down` must not run).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Connection, type Session } from '../../src/db/index.js';
import { compilePlan, type CompiledPlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import type { RunnerEvent } from '../../src/runner/events.js';
import { OwnershipError } from '../../src/runner/ownership.js';
import { rollbackPlan } from '../../src/runner/rollback.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { one } from './support.js';

const command = (verb: string, extra?: string) => `schemashift ${verb} plan.yaml${extra ? ` ${extra}` : ''}`;
const compile = async (yaml: string): Promise<CompiledPlan> => compilePlan(await parsePlan('plan.yaml', yaml));
const run = (conn: Connection, plan: CompiledPlan, events: RunnerEvent[] = [], extra: { phase?: 'migrate' } = {}) =>
  runPlan(conn, plan, {
    mode: 'run',
    acceptDrift: false,
    answers: { yes: true },
    emit: (e) => events.push(e),
    signal: new AbortController().signal,
    command,
    ...extra,
  });
const rollback = (conn: Connection, plan: CompiledPlan) =>
  rollbackPlan(conn, plan, {
    answers: { yes: true },
    emit: () => undefined,
    signal: new AbortController().signal,
    command,
  });

const ADD_NICKNAME = `name: nick
phases:
  expand:
    - add_column: { table: accounts, column: { name: nickname, type: text } }
`;

async function nicknames(conn: Connection): Promise<number> {
  return Number((await one<{ n: string }>(conn, 'SELECT count(nickname) AS n FROM accounts')).n);
}

/** Step rows as a first attempt killed before it sent anything leaves them: running, attempts 1. */
async function killedFirstAttempt(conn: Connection, plan: CompiledPlan): Promise<void> {
  await expect(run(conn, plan, [], { phase: 'migrate' })).rejects.toThrow('still has pending steps');
  await conn.exec(
    `UPDATE schemashift.steps SET status = 'running', attempts = 1, started_at = now() WHERE plan_name = '${plan.plan.name}'`,
  );
}

/**
 * The connection, except that its first session's backend is terminated right after the runner
 * marked a step running (attempts + 1), i.e. while that step's ownership is being checked.
 */
function losingConnectionMidCheck(conn: Connection): Connection & { dropped: () => boolean } {
  let armed = true;
  let marked = false;
  const wrap = (s: Session): Session => ({
    backendPid: () => s.backendPid(),
    exec: (sql) => s.exec(sql),
    query: async (sql, params) => {
      if (armed && marked) {
        armed = false;
        const pid = await s.backendPid();
        await conn.query('SELECT pg_terminate_backend($1)', [pid]);
        for (
          let i = 0;
          i < 50 && (await conn.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rows.length > 0;
          i++
        )
          await new Promise((r) => setTimeout(r, 20));
      }
      return s.query(sql, params);
    },
  });
  return {
    dialect: conn.dialect,
    kind: conn.kind,
    displayUrl: conn.displayUrl,
    query: (sql, params) => {
      // The state store writes through the connection, the step's statements through the session.
      if (armed && /attempts = attempts \+ 1/.test(sql)) marked = true;
      return conn.query(sql, params);
    },
    exec: (sql) => conn.exec(sql),
    close: () => conn.close(),
    session: (fn) => conn.session((s) => fn(wrap(s))),
    dropped: () => !armed,
  };
}

describe.skipIf(!postgresAdminUrl)(
  'a first attempt that sent nothing is still a first attempt (real PostgreSQL)',
  () => {
    let db: TestDatabase;
    let conn: Connection;
    beforeEach(async () => {
      db = await createPostgresDatabase('schemashift_first');
      await db.exec(`CREATE TABLE accounts (id bigint PRIMARY KEY, nickname text);
      INSERT INTO accounts SELECT g, 'nick' || g FROM generate_series(1, 1000) g;
      CREATE TABLE settings (key text PRIMARY KEY, value text);
      INSERT INTO settings VALUES ('mode', 'production');`);
      conn = await connect(db.url!);
    });
    afterEach(async () => {
      await conn.close();
      await db.close();
    });

    it('killed during the ownership check of a pre-existing column: the next run refuses it, and rollback drops nothing', async () => {
      const plan = await compile(ADD_NICKNAME);
      await killedFirstAttempt(conn, plan);
      const events: RunnerEvent[] = [];
      const error = await run(conn, plan, events).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OwnershipError);
      expect((error as Error).message).toContain(
        'column accounts.nickname already exists and was not created by this plan',
      );
      expect(events.some((e) => e.type === 'step-skip')).toBe(false);
      const outcome = await rollback(conn, plan);
      expect(outcome).toMatchObject({ undone: [] });
      expect(await nicknames(conn)).toBe(1000);
    });

    it('a lost connection during the ownership check, then the automatic reconnect: refused, the column and its values stay', async () => {
      const plan = await compile(ADD_NICKNAME);
      const flaky = losingConnectionMidCheck(conn);
      const events: RunnerEvent[] = [];
      const error = await run(flaky, plan, events).catch((e: unknown) => e);
      expect(flaky.dropped()).toBe(true);
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'info', message: expect.stringContaining('lost the database connection') }),
      );
      expect(error).toBeInstanceOf(OwnershipError);
      // As the lost attempt left it: the refusal restores the row it found after reconnecting.
      expect(await one(conn, 'SELECT status, attempts FROM schemashift.steps')).toEqual({
        status: 'running',
        attempts: 1,
      });
      expect(await rollback(conn, plan)).toMatchObject({ undone: [] });
      expect(await nicknames(conn)).toBe(1000);
    });

    it('killed during the check of a drop of a missing column: the typo is still refused', async () => {
      const plan = await compile(`name: typo
phases:
  contract:
    - drop_column: { table: accounts, column: nick_name }
`);
      // Stops at the contract confirmation: the step row exists, pending.
      const gate = await runPlan(conn, plan, {
        mode: 'run',
        acceptDrift: false,
        answers: { yes: false },
        emit: () => undefined,
        signal: new AbortController().signal,
        command,
      });
      expect(gate.kind).toBe('gate');
      await conn.exec(`UPDATE schemashift.steps SET status = 'running', attempts = 1 WHERE plan_name = 'typo'`);
      const error = await run(conn, plan).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OwnershipError);
      expect((error as Error).message).toContain('column accounts.nick_name does not exist');
    });

    it('a CONCURRENTLY build killed before it was marked sent does not claim an index that was already there', async () => {
      await conn.exec('CREATE INDEX accounts_nickname_idx ON accounts (nickname)');
      const plan = await compile(`name: idx
phases:
  expand:
    - create_index: { table: accounts, name: accounts_nickname_idx, columns: [nickname] }
`);
      await killedFirstAttempt(conn, plan);
      expect(((await run(conn, plan).catch((e: unknown) => e)) as Error).message).toContain(
        'index accounts_nickname_idx on accounts already exists and was not created by this plan',
      );
      await rollback(conn, plan);
      expect(await one(conn, "SELECT to_regclass('accounts_nickname_idx') IS NOT NULL AS kept")).toEqual({
        kept: true,
      });
    });

    it('rollback does not run the `down` of a raw sql step whose transactional `up` failed (the pre-existing row stays)', async () => {
      const plan = await compile(`name: mode
phases:
  expand:
    - sql:
        up: "INSERT INTO settings (key, value) VALUES ('mode', 'maintenance')"
        down: "DELETE FROM settings WHERE key = 'mode'"
`);
      expect(await run(conn, plan)).toMatchObject({ kind: 'failed' });
      expect(await one(conn, 'SELECT status FROM schemashift.steps')).toEqual({ status: 'failed' });
      expect(await rollback(conn, plan)).toMatchObject({ kind: 'rolled-back', undone: [] });
      expect(await one(conn, "SELECT value FROM settings WHERE key = 'mode'")).toEqual({ value: 'production' });
    });

    it('the `down` of a raw sql step whose `up` committed still runs', async () => {
      const plan = await compile(`name: flag
phases:
  expand:
    - sql:
        up: "INSERT INTO settings (key, value) VALUES ('flag', 'on')"
        down: "DELETE FROM settings WHERE key = 'flag'"
`);
      expect(await run(conn, plan)).toEqual({ kind: 'done' });
      expect(await rollback(conn, plan)).toMatchObject({ kind: 'rolled-back', undone: ['sql:settings/undo'] });
      expect(await one(conn, "SELECT count(*)::int AS n FROM settings WHERE key = 'flag'")).toEqual({ n: 0 });
    });
  },
);
