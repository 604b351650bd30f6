/**
 * The state says exactly what happened: `run --phase expand` leaves the plan unfinished; a
 * rollback is resumable (also when killed after its last undo, before its final status) and
 * resets the plan for a fresh run; only steps that ran are shown undone; the prompt counts what it
 * then undoes; an in-place backfill of an existing column is irreversible and stops rollback.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { printStatus } from '../../src/cli/status-command.js';
import { connect, type Connection } from '../../src/db/index.js';
import { compilePlan, isReversible, type CompiledPlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import type { RunnerEvent } from '../../src/runner/events.js';
import { rollbackPlan } from '../../src/runner/rollback.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { one } from './support.js';

const command = (verb: string, extra?: string) => `schemashift ${verb} plan.yaml${extra ? ` ${extra}` : ''}`;

const PLAN = `name: three
phases:
  expand:
    - add_column: { table: accounts, column: { name: score, type: integer } }
    - create_index: { table: accounts, name: accounts_score_idx, columns: [score] }
  migrate:
    - backfill: { table: accounts, set: { score: "length(email)" } }
  contract:
    - drop_column: { table: accounts, column: legacy }
`;

async function compile(yaml: string): Promise<CompiledPlan> {
  return compilePlan(await parsePlan('plan.yaml', yaml));
}

function run(
  conn: Connection,
  plan: CompiledPlan,
  opts: { phase?: 'expand' | 'migrate' | 'contract'; events?: RunnerEvent[] } = {},
) {
  const { events = [], ...extra } = opts;
  return runPlan(conn, plan, {
    mode: 'run',
    acceptDrift: false,
    answers: { yes: true },
    emit: (e) => events.push(e),
    signal: new AbortController().signal,
    command,
    ...extra,
  });
}

function rollback(conn: Connection, plan: CompiledPlan, ask?: (message: string) => Promise<boolean>) {
  return rollbackPlan(conn, plan, {
    answers: ask ? { yes: false, ask } : { yes: true },
    emit: () => undefined,
    signal: new AbortController().signal,
    command,
  });
}

async function statusText(conn: Connection): Promise<string> {
  const io = captureIo(process.cwd());
  await printStatus(conn, { json: false }, io);
  return io.stdout();
}

describe.skipIf(!postgresAdminUrl)('run and rollback state (real PostgreSQL)', () => {
  let db: TestDatabase;
  let conn: Connection;
  beforeEach(async () => {
    db = await createPostgresDatabase('schemashift_rbstate');
    await db.exec(`CREATE TABLE accounts (id bigint PRIMARY KEY, email text, legacy text);
      INSERT INTO accounts SELECT g, 'u' || g || '@x.io', 'l' || g FROM generate_series(1, 500) g;`);
    conn = await connect(db.url!);
  });
  afterEach(async () => {
    await conn.close();
    await db.close();
  });

  it('run --phase expand: the plan is not done while migrate and contract are pending', async () => {
    const plan = await compile(PLAN);
    expect(await run(conn, plan, { phase: 'expand' })).toEqual({
      kind: 'phase-done',
      phase: 'expand',
      next: 'schemashift run plan.yaml --phase migrate',
    });
    const state = await one<{ status: string; finished_at: Date | null }>(
      conn,
      'SELECT status, finished_at FROM schemashift.runs',
    );
    expect(state).toEqual({ status: 'at_gate', finished_at: null });
    expect(await statusText(conn)).not.toMatch(/three {2}done/);
  });

  it('the prompt counts and lists what it undoes; contract steps that never ran are not shown undone; status says rolled back', async () => {
    const plan = await compile(PLAN);
    await run(conn, plan, { phase: 'expand' });
    let asked = '';
    const outcome = await rollback(conn, plan, (message) => Promise.resolve(((asked = message), true)));
    expect(outcome).toEqual({
      kind: 'rolled-back',
      undone: ['create_index:accounts_score_idx/undo', 'add_column:accounts.score/undo'],
      kept: [],
    });
    expect(asked).toBe(
      'Roll back 2 step(s) of three?\n  - drop column accounts.score\n  - drop index accounts_score_idx',
    );
    const rows = (
      await conn.query<{ step_id: string; status: string }>(
        'SELECT step_id, status FROM schemashift.steps ORDER BY ordinal',
      )
    ).rows;
    expect(rows).toEqual([
      { step_id: 'add_column:accounts.score', status: 'undone' },
      { step_id: 'create_index:accounts_score_idx', status: 'undone' },
      { step_id: 'backfill:accounts.score', status: 'pending' },
      { step_id: 'drop_column:accounts.legacy', status: 'pending' },
    ]);
    expect(await statusText(conn)).toContain('three  rolled back');
  });

  it('killed after the last undo, before the final status: the next rollback finishes it; run refuses meanwhile', async () => {
    const plan = await compile(PLAN);
    await run(conn, plan, { phase: 'expand' });
    await rollback(conn, plan);
    // Exactly the state of a rollback killed between recording its last undo and its final update.
    await conn.exec("UPDATE schemashift.runs SET status = 'rolling_back'");
    await expect(run(conn, plan)).rejects.toThrow(
      'plan three is being rolled back: an earlier rollback was interrupted',
    );
    expect(await rollback(conn, plan)).toEqual({ kind: 'rolled-back', undone: [], kept: [] });
    expect(await one(conn, 'SELECT status FROM schemashift.runs')).toEqual({ status: 'rolled_back' });
    expect(await rollback(conn, plan)).toEqual({ kind: 'nothing' });
  });

  it('after a full rollback the plan can be edited and run again: no drift, no "(attempt 2)"', async () => {
    await run(conn, await compile(PLAN), { phase: 'expand' });
    await rollback(conn, await compile(PLAN));
    const edited = await compile(PLAN.replace('type: integer', 'type: bigint'));
    const events: RunnerEvent[] = [];
    expect(await run(conn, edited, { phase: 'expand', events })).toMatchObject({ kind: 'phase-done' });
    const attempts = events.flatMap((e) => (e.type === 'step-start' ? [e.attempt] : []));
    expect(attempts).toEqual([1, 1]);
    expect(
      await one(
        conn,
        "SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'score'",
      ),
    ).toEqual({ type: 'bigint' });
  });

  it('contract confirmed but its first step refused (a drop of nothing): nothing of contract ran, so rollback still works', async () => {
    const plan = await compile(PLAN.replace('column: legacy', 'column: no_such_column'));
    await expect(run(conn, plan)).rejects.toThrow('column accounts.no_such_column does not exist');
    expect(await one(conn, 'SELECT contract_started FROM schemashift.runs')).toEqual({ contract_started: true });
    expect(await rollback(conn, plan)).toMatchObject({
      kind: 'rolled-back',
      undone: ['create_index:accounts_score_idx/undo', 'add_column:accounts.score/undo'],
    });
  });

  it('an in-place backfill of a column the plan did not add is irreversible: rollback refuses up front, nothing undone', async () => {
    const plan = await compile(`name: lower
phases:
  expand:
    - add_column: { table: accounts, column: { name: score, type: integer } }
  migrate:
    - backfill: { table: accounts, set: { email: "upper(email)" } }
    - backfill: { table: accounts, set: { score: "length(email)" } }
`);
    const [, inPlace, added] = plan.entries;
    expect(inPlace!.inverse).toEqual({
      irreversible: expect.stringContaining(
        'the backfill overwrites values of accounts.email, which this plan did not add: a rollback cannot restore them',
      ),
    });
    expect(isReversible(added!.inverse)).toBe(true);
    expect(await run(conn, plan)).toEqual({ kind: 'done' });
    const outcome = await rollback(conn, plan);
    expect(outcome).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining(
        'backfill:accounts.email (line 6): the backfill overwrites values of accounts.email',
      ),
    });
    expect(
      await one(
        conn,
        "SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'score' AND NOT attisdropped",
      ),
    ).toEqual({ n: 1 });
    expect(await one(conn, 'SELECT status FROM schemashift.runs')).toEqual({ status: 'done' });
  });
});
