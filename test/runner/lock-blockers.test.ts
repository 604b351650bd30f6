/**
 * Every lock wait names its blockers, however short lock_timeout is: a session holds a lock on the
 * table in an open transaction, and every attempt of the step (each retry and the final failure)
 * names that session's pid, 20 times out of 20, at lock_timeout 50, 100 and 200 ms.
 */
import pg from 'pg';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import type { SqlStep } from '../../src/operations/types.js';
import { compilePlan, type CompiledPlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { conflictingModes } from '../../src/dialects/postgres/activity-locks.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { holdersOf, LockWaitError, pollIntervalMs, watchLockWait } from '../../src/runner/blockers.js';
import type { RunContext } from '../../src/runner/context.js';
import type { RunnerEvent } from '../../src/runner/events.js';
import { executeSqlStep } from '../../src/runner/execute-sql-step.js';
import { TableFlagStore } from '../../src/flags/table-store.js';
import { rollbackPlan } from '../../src/runner/rollback.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { type StateStore } from '../../src/state/store.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { runCli, writePlan } from './cli-process.js';
import { waitFor } from './seed.js';
import { prepareBackfill, runBackfill, waitForEvent } from './support.js';

const REPEATS = 20;

async function holderOn(url: string, lockSql: string): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: url, application_name: 'lock-holder' });
  await client.connect();
  await client.query('BEGIN');
  await client.query(lockSql);
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  return { client, pid };
}

async function addColumnPlan(
  store: StateStore,
  table: string,
  lockTimeout: string,
): Promise<{ plan: CompiledPlan; step: SqlStep }> {
  const name = `blockers-${table}`;
  const yaml = stringify({
    name,
    settings: { lock_timeout: lockTimeout, lock_retries: 2 },
    phases: { expand: [{ add_column: { table, column: { name: 'note', type: 'text' } } }] },
  });
  const plan = compilePlan(await parsePlan(`${name}.yaml`, yaml));
  const steps = plan.phases.flatMap((p) => p.steps);
  const step = steps[0]!.step;
  if (step.kind !== 'sql') throw new Error('expected a sql step');
  const definitions = steps.map((s, ordinal) => ({
    step_id: s.step.id,
    ordinal,
    phase: s.step.phase,
    kind: s.step.kind,
    summary: s.step.summary,
    entry_id: s.entry.id,
    entry_hash: s.entry.hash,
  }));
  await store.beginRun(
    { name, file: plan.plan.file, hash: plan.plan.hash },
    { user: 'tester', host: 'localhost', pid: process.pid },
    definitions,
  );
  return { plan, step };
}

/** One run of the step on its own session, as the runner does: the events it emitted and what it threw. */
async function runStepOnce(
  conn: Connection,
  store: StateStore,
  plan: CompiledPlan,
  step: SqlStep,
): Promise<{ events: RunnerEvent[]; error: unknown }> {
  const events: RunnerEvent[] = [];
  let error: unknown;
  await conn.session(async (session) => {
    const ctx: RunContext = {
      conn,
      dialect: plan.dialect,
      session,
      sessionPid: await session.backendPid(),
      monitor: conn,
      store,
      plan,
      actor: { user: 'tester', host: 'localhost', pid: process.pid },
      emit: (e) => events.push(e),
      signal: new AbortController().signal,
    };
    await executeSqlStep(ctx, step).catch((e: unknown) => (error = e));
  });
  return { events, error };
}

describe('lock wait helpers', () => {
  it('polls four times per lock_timeout, between 10 and 200 ms, then every 200 ms once the wait is over', () => {
    expect([50, 100, 200, 2000, 0, 20].map((ms) => pollIntervalMs(ms))).toEqual([12, 25, 50, 200, 200, 10]);
    expect(pollIntervalMs(50, 60)).toBe(200);
  });

  it('knows which table locks conflict (PostgreSQL table 13.2)', () => {
    expect(conflictingModes('ACCESS EXCLUSIVE')).toHaveLength(8);
    expect(conflictingModes('ROW EXCLUSIVE')).toEqual([
      'ShareLock',
      'ShareRowExclusiveLock',
      'ExclusiveLock',
      'AccessExclusiveLock',
    ]);
    expect(conflictingModes('SHARE UPDATE EXCLUSIVE')).not.toContain('RowExclusiveLock');
    expect(conflictingModes('ACCESS SHARE')).toEqual(['AccessExclusiveLock']);
    expect(conflictingModes('none')).toEqual([]);
  });
});

describe.skipIf(!postgresAdminUrl)('blockers named on real PostgreSQL', () => {
  let db: TestDatabase;
  let conn: Connection;
  let store: StateStore;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_blockers');
    conn = await connect(db.url!);
    store = postgres.state.openStore(conn);
    await store.ensureSchema();
  });
  afterAll(async () => {
    await conn?.close();
    await db?.close();
  });

  const cases = [50, 100, 200].flatMap((ms) => [
    { ms, mode: 'ACCESS SHARE', lockSql: (t: string) => `SELECT count(*) FROM ${t}` },
    { ms, mode: 'ROW EXCLUSIVE', lockSql: (t: string) => `UPDATE ${t} SET v = v WHERE id = 1` },
  ]);

  it(`names the holder in every attempt of every run (${REPEATS} runs each at lock_timeout ${cases.map((c) => `${c.ms}ms/${c.mode}`).join(', ')})`, async () => {
    const results = await Promise.all(
      cases.map(async ({ ms, mode, lockSql }, i) => {
        const table = `held_${i}`;
        await db.exec(
          `CREATE TABLE ${table} (id int PRIMARY KEY, v int); INSERT INTO ${table} SELECT g, g FROM generate_series(1, 10) g`,
        );
        const { plan, step } = await addColumnPlan(store, table, `${ms}ms`);
        const holder = await holderOn(db.url!, lockSql(table));
        let named = 0;
        let watched = 0;
        const misses: string[] = [];
        try {
          for (let run = 0; run < REPEATS; run++) {
            const { events, error } = await runStepOnce(conn, store, plan, step);
            const retries = events.flatMap((e) => (e.type === 'retry' ? [e] : []));
            watched += events.filter((e) => e.type === 'lock-wait').length;
            // lock_retries 2: two retries, then the third attempt's failure.
            const attempts = [
              ...retries.map((r) => r.blockers.map((b) => b.pid)),
              error instanceof LockWaitError ? error.blockers.map((b) => b.pid) : [],
            ];
            const ok =
              retries.length === 2 &&
              error instanceof LockWaitError &&
              attempts.every((pids) => pids.includes(holder.pid)) &&
              (error as Error).message.includes(`pid ${holder.pid}`);
            if (ok) named++;
            else misses.push(`run ${run}: ${retries.length} retries, ${JSON.stringify(attempts)}, ${String(error)}`);
          }
        } finally {
          await holder.client.query('ROLLBACK');
          await holder.client.end();
        }
        return { ms, mode, named, watched, misses, step, plan, holderPid: holder.pid };
      }),
    );
    for (const r of results) {
      console.log(
        `lock_timeout ${r.ms}ms, holder in ${r.mode}: blocker named in ${r.named}/${REPEATS} runs (every attempt); ${r.watched} of ${3 * REPEATS} attempts seen waiting by the watcher, the rest looked up when they timed out`,
      );
      expect(r.misses, `lock_timeout ${r.ms}ms, ${r.mode}`).toEqual([]);
      expect(r.named).toBe(REPEATS);
    }
    // The retry events written to the state name the holder too, and the step row says what it waits on.
    const r = results.find((x) => x.ms === 50)!;
    const retries = await db.query<{ message: string }>(
      `SELECT message FROM schemashift.events WHERE plan_name = $1 AND kind = 'retry'`,
      [r.plan.plan.name],
    );
    expect(retries).toHaveLength(2 * REPEATS);
    expect(retries.every((e) => e.message.includes(`pid ${r.holderPid}`) && e.message.includes('lock-holder'))).toBe(
      true,
    );
    const row = await db.query<{ waiting_on: string }>(
      `SELECT waiting_on FROM schemashift.steps WHERE plan_name = $1`,
      [r.plan.plan.name],
    );
    expect(row[0]!.waiting_on).toContain(`pid ${r.holderPid}`);
  }, 120_000);

  it('names the holder of a row a backfill batch needs, in every retry and in the failure', async () => {
    await db.exec(
      'CREATE TABLE rows_held (id int PRIMARY KEY, v int); INSERT INTO rows_held SELECT g, g FROM generate_series(1, 50) g',
    );
    const holder = await holderOn(db.url!, 'UPDATE rows_held SET v = 0 WHERE id = 3');
    try {
      for (let run = 0; run < 5; run++) {
        const p = await prepareBackfill(
          conn,
          `blockers-bf-${run}`,
          { table: 'rows_held', set: { v: 'id * 2' }, batch: { size: 10, delay: 0 } },
          { lock_timeout: '50ms', lock_retries: 2 },
        );
        const events: RunnerEvent[] = [];
        const error = await runBackfill(p, { listener: (e) => events.push(e) }).then(
          () => undefined,
          (e: unknown) => e,
        );
        const retries = events.flatMap((e) => (e.type === 'retry' ? [e] : []));
        expect(retries).toHaveLength(2);
        for (const r of retries) expect(r.blockers.map((b) => b.pid)).toContain(holder.pid);
        expect(error).toBeInstanceOf(LockWaitError);
        expect((error as Error).message).toContain(`pid ${holder.pid}`);
      }
    } finally {
      await holder.client.query('ROLLBACK');
      await holder.client.end();
    }
  }, 60_000);

  it('the CLI at lock_timeout 200ms names the holder in every retry line and in the failure, in text and in JSON', async () => {
    await db.exec('CREATE TABLE cli_held (id int PRIMARY KEY, v int)');
    const holder = await holderOn(db.url!, 'SELECT count(*) FROM cli_held');
    try {
      for (let run = 0; run < 3; run++) {
        const plan = writePlan(
          `name: cli-blockers-${run}\nsettings: { lock_timeout: 200ms, lock_retries: 2 }\nphases:\n  expand:\n    - add_column: { table: cli_held, column: { name: note, type: text } }\n`,
        );
        const json = run === 2;
        const result = await runCli(['run', plan, '--yes', '--database', db.url!, ...(json ? ['--json'] : [])]);
        expect(result.code, result.stdout + result.stderr).toBe(1);
        if (json) {
          const events = result.stdout
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as { type: string; blockers?: { pid: number }[]; error?: string });
          const retries = events.filter((e) => e.type === 'retry');
          expect(retries).toHaveLength(2);
          for (const r of retries) expect(r.blockers!.map((b) => b.pid)).toContain(holder.pid);
          expect(events.find((e) => e.type === 'step-failed')?.error).toContain(`pid ${holder.pid}`);
        } else {
          const retryLines = result.stdout.split('\n').filter((l) => /retry \d+ in/.test(l));
          expect(retryLines, result.stdout).toHaveLength(2);
          for (const line of retryLines) expect(line).toContain(`blocked by pid ${holder.pid}`);
          expect(result.stdout.split('\n').find((l) => l.startsWith('✖'))).toContain(`pid ${holder.pid}`);
        }
      }
    } finally {
      await holder.client.query('ROLLBACK');
      await holder.client.end();
    }
  }, 60_000);

  it('names the session holding the flag row a flag rollout writes', async () => {
    await new TableFlagStore(conn, 'schemashift.feature_flags', postgres.state).setPercentage(
      'HeldFlag',
      0,
      'targeting',
      'test',
    );
    const holder = await holderOn(db.url!, "SELECT * FROM schemashift.feature_flags WHERE id = 'HeldFlag' FOR UPDATE");
    const plan = compilePlan(
      await parsePlan(
        'flag-held.yaml',
        stringify({
          name: 'flag-held',
          phases: { migrate: [{ id: 'roll', flag_rollout: { flag: 'HeldFlag', stages: [10] } }] },
        }),
      ),
    );
    const events: RunnerEvent[] = [];
    const outcome = runPlan(conn, plan, {
      mode: 'run',
      acceptDrift: false,
      answers: { yes: true },
      emit: (e) => void events.push(e),
      signal: new AbortController().signal,
      command: (v) => v,
    });
    try {
      const wait = await waitForEvent(
        () => events,
        (e) => e.type === 'lock-wait',
      );
      expect(wait.type === 'lock-wait' && wait.blockers.map((b) => b.pid)).toContain(holder.pid);
      const waitingOn = async () =>
        (
          await db.query<{ w: string | null }>(
            "SELECT waiting_on AS w FROM schemashift.steps WHERE plan_name = 'flag-held'",
          )
        )[0]?.w ?? undefined;
      expect(await waitFor('the step row to say what it waits on', waitingOn)).toContain(`pid ${holder.pid}`);
    } finally {
      await holder.client.query('ROLLBACK');
      await holder.client.end();
    }
    expect(await outcome).toEqual({ kind: 'done' });
  });

  it("names the holder when a rollback's inverse step waits for its lock", async () => {
    await db.exec('CREATE TABLE undo_held (id int PRIMARY KEY)');
    const yaml = stringify({
      name: 'undo-held',
      settings: { lock_timeout: '50ms', lock_retries: 1 },
      phases: { expand: [{ add_column: { table: 'undo_held', column: { name: 'note', type: 'text' } } }] },
    });
    const plan = compilePlan(await parsePlan('undo-held.yaml', yaml));
    const options = { answers: { yes: true }, signal: new AbortController().signal, command: (v: string) => v };
    expect(await runPlan(conn, plan, { ...options, mode: 'run', acceptDrift: false, emit: () => undefined })).toEqual({
      kind: 'done',
    });
    const holder = await holderOn(db.url!, 'SELECT count(*) FROM undo_held');
    const events: RunnerEvent[] = [];
    try {
      await expect(rollbackPlan(conn, plan, { ...options, emit: (e) => void events.push(e) })).rejects.toThrow(
        `pid ${holder.pid}`,
      );
    } finally {
      await holder.client.query('ROLLBACK');
      await holder.client.end();
    }
    const retries = events.flatMap((e) => (e.type === 'retry' ? [e] : []));
    expect(retries).toHaveLength(1);
    expect(retries[0]!.blockers.map((b) => b.pid)).toContain(holder.pid);
  });

  it('when the watcher saw nothing, looks up who holds a conflicting lock after the timeout (the waiter no longer waits)', async () => {
    await db.exec('CREATE TABLE unseen (id int PRIMARY KEY, v int); INSERT INTO unseen VALUES (1, 1)');
    const holder = await holderOn(db.url!, 'SELECT count(*) FROM unseen');
    try {
      await conn.session(async (session) => {
        const own = (await session.backendPid())!;
        // No pid to watch: the attempt is as unseen as one whose wait ended between two polls.
        const watch = {
          db: conn,
          dialect: postgres,
          pid: null,
          lockTimeoutMs: 50,
          target: { relations: ['unseen'], level: 'ACCESS EXCLUSIVE' as const, ownPids: [own] },
          report: () => undefined,
        };
        const error = await watchLockWait(watch, () =>
          session.exec("BEGIN; SET LOCAL lock_timeout = '50ms'; ALTER TABLE unseen ADD COLUMN w int"),
        ).then(
          () => undefined,
          (e: unknown) => e,
        );
        await session.exec('ROLLBACK');
        expect(error).toBeInstanceOf(LockWaitError);
        expect((error as LockWaitError).blockers).toMatchObject([
          { pid: holder.pid, applicationName: 'lock-holder', lock: 'AccessShareLock on unseen' },
        ]);
        expect((error as Error).message).toMatch(
          new RegExp(
            `^canceling statement due to lock timeout.*; blocked by pid ${holder.pid} \\(idle in transaction for \\d+\\.\\ds, lock-holder, holds AccessShareLock on unseen\\): SELECT pg_backend_pid`,
            's',
          ),
        );
      });
    } finally {
      await holder.client.query('ROLLBACK');
      await holder.client.end();
    }
  });

  it('looks up conflicting holders first; for a row wait, the sessions with a lock open on the table', async () => {
    await db.exec('CREATE TABLE looked_up (id int PRIMARY KEY, v int); INSERT INTO looked_up VALUES (1, 1)');
    const target = (level: 'ACCESS EXCLUSIVE' | 'ROW EXCLUSIVE', own: number[] = []) => ({
      relations: ['public.looked_up'],
      level,
      ownPids: own,
    });
    const pids = async (t: ReturnType<typeof target>) =>
      (await holdersOf(conn, postgres.activity, t)).map((b) => b.pid).sort();
    const reader = await holderOn(db.url!, 'SELECT count(*) FROM looked_up');
    const sharer = await holderOn(db.url!, 'LOCK TABLE looked_up IN SHARE MODE');
    let writer: Awaited<ReturnType<typeof holderOn>> | undefined;
    try {
      expect(await pids(target('ACCESS EXCLUSIVE'))).toEqual([reader.pid, sharer.pid].sort());
      // A row writer is blocked by the SHARE lock, not by the reader.
      expect(await pids(target('ROW EXCLUSIVE'))).toEqual([sharer.pid]);
      await sharer.client.query('ROLLBACK');
      writer = await holderOn(db.url!, 'UPDATE looked_up SET v = 2 WHERE id = 1');
      // No conflicting table lock: the sessions holding a lock on it in an open transaction (the row's writer among them).
      expect(await pids(target('ROW EXCLUSIVE'))).toEqual([reader.pid, writer.pid].sort());
      // Our own backends are never named.
      expect(await pids(target('ROW EXCLUSIVE', [reader.pid, writer.pid]))).toEqual([]);
    } finally {
      for (const h of [reader, sharer, writer]) {
        await h?.client.query('ROLLBACK');
        await h?.client.end();
      }
    }
  });
});
