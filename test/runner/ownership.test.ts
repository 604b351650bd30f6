/**
 * Rollback undoes only what this plan created: an object already there is refused on a first
 * attempt, or adopted (`if_exists: adopt`) when it matches and then never dropped by rollback; a
 * drop of something missing is refused on a first attempt; an effect found in place after an
 * earlier attempt started is this plan's (a lost record), and rollback undoes it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { printStatus } from '../../src/cli/status-command.js';
import { connect, type Connection } from '../../src/db/index.js';
import { PlanError } from '../../src/errors.js';
import { UsageError } from '../../src/errors.js';
import { compilePlan, type CompiledPlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import type { RunnerEvent } from '../../src/runner/events.js';
import { OwnershipError } from '../../src/runner/ownership.js';
import { rollbackPlan } from '../../src/runner/rollback.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { captureIo } from '../support/capture-io.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { one } from './support.js';

const command = (verb: string, extra?: string) => `schemashift ${verb} plan.yaml${extra ? ` ${extra}` : ''}`;

async function compile(yaml: string): Promise<CompiledPlan> {
  return compilePlan(await parsePlan('plan.yaml', yaml));
}

function run(
  conn: Connection,
  plan: CompiledPlan,
  events: RunnerEvent[] = [],
  extra: { phase?: 'expand' | 'migrate' | 'contract' } = {},
) {
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

function rollback(conn: Connection, plan: CompiledPlan, events: RunnerEvent[] = []) {
  return rollbackPlan(conn, plan, {
    answers: { yes: true },
    emit: (e) => events.push(e),
    signal: new AbortController().signal,
    command,
  });
}

const ADD_NICKNAME = (type = 'text', adopt = false) => `name: nick
phases:
  expand:
    - add_column: { table: accounts, column: { name: nickname, type: ${type} } }${adopt ? '\n      if_exists: adopt' : ''}
`;

async function nicknames(conn: Connection): Promise<number> {
  return Number((await one<{ n: string }>(conn, 'SELECT count(nickname) AS n FROM accounts')).n);
}

describe.skipIf(!postgresAdminUrl)('ownership: rollback undoes only what this plan created (real PostgreSQL)', () => {
  let db: TestDatabase;
  let conn: Connection;
  beforeEach(async () => {
    db = await createPostgresDatabase('schemashift_owner');
    await db.exec(`CREATE TABLE accounts (id bigint PRIMARY KEY, email text, nickname text);
      INSERT INTO accounts SELECT g, 'u' || g || '@x.io', 'nick' || g FROM generate_series(1, 1000) g;
      CREATE INDEX accounts_email_idx ON accounts (email);`);
    conn = await connect(db.url!);
  });
  afterEach(async () => {
    await conn.close();
    await db.close();
  });

  it('an existing column is refused on the first attempt (exit 2), nothing executed; rollback has nothing to drop', async () => {
    const plan = await compile(ADD_NICKNAME());
    const error = await run(conn, plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OwnershipError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      'column accounts.nickname already exists and was not created by this plan (add_column:accounts.nickname, line 4)',
    );
    expect((error as UsageError).hint).toContain('if_exists: adopt');
    const row = await one<{ status: string; attempts: number }>(conn, 'SELECT status, attempts FROM schemashift.steps');
    expect(row).toEqual({ status: 'pending', attempts: 0 });
    expect(await rollback(conn, plan)).toEqual({ kind: 'nothing' });
    expect(await nicknames(conn)).toBe(1000);
  });

  it('through the CLI: run exits 2 naming the column and the way to adopt it; the column and its values stay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schemashift-owner-'));
    writeFileSync(join(dir, 'nick.yaml'), ADD_NICKNAME());
    const io = captureIo(dir);
    expect(await main(['run', 'nick.yaml', '--yes', '--database', db.url!], io)).toBe(2);
    expect(io.stderr()).toContain(
      'column accounts.nickname already exists and was not created by this plan (add_column:accounts.nickname, line 4)',
    );
    expect(io.stderr()).toContain('if_exists: adopt');
    expect(await nicknames(conn)).toBe(1000);
  });

  it('if_exists: adopt takes over a matching column; rollback leaves it and its 1,000 values, and says so', async () => {
    const plan = await compile(ADD_NICKNAME('text', true));
    const events: RunnerEvent[] = [];
    expect(await run(conn, plan, events)).toEqual({ kind: 'done' });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'step-skip', reason: expect.stringContaining('adopted') }),
    );
    expect(await one(conn, 'SELECT adopted FROM schemashift.steps')).toEqual({ adopted: true });
    const undoEvents: RunnerEvent[] = [];
    const outcome = await rollback(conn, plan, undoEvents);
    expect(outcome).toEqual({ kind: 'rolled-back', undone: [], kept: ['add_column:accounts.nickname'] });
    expect(undoEvents.some((e) => e.type === 'statement')).toBe(false);
    expect(undoEvents).toContainEqual({
      type: 'info',
      message: 'add column accounts.nickname text: left in place (adopted: it was there before this plan)',
    });
    expect(await nicknames(conn)).toBe(1000);
    expect(
      (
        await conn.query<{ kind: string }>(
          "SELECT kind FROM schemashift.events WHERE kind IN ('adopted', 'kept') ORDER BY id",
        )
      ).rows.map((r) => r.kind),
    ).toEqual(['adopted', 'kept']);
    const io = captureIo(process.cwd());
    await printStatus(conn, { json: false }, io);
    expect(io.stdout()).toContain('≡ add_column:accounts.nickname');
    expect(io.stdout()).toContain('adopted: was there before this plan, left in place by the rollback');
  });

  it('adopting a column whose definition differs is refused, listing the differences', async () => {
    const plan = await compile(ADD_NICKNAME('integer', true));
    const error = (await run(conn, plan).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(OwnershipError);
    expect(error.message).toBe(
      'column accounts.nickname already exists but differs from the plan (add_column:accounts.nickname, line 4), so it is not adopted:\n  - type is text, the plan says integer',
    );
  });

  it('an existing index: refused without adopt; adopted when it matches (rollback keeps it); refused when its columns differ', async () => {
    const yaml = (columns: string, adopt: boolean) => `name: idx
phases:
  expand:
    - create_index: { table: accounts, name: accounts_email_idx, columns: [${columns}] }${adopt ? '\n      if_exists: adopt' : ''}
`;
    expect(
      ((await run(conn, await compile(yaml('email', false))).catch((e: unknown) => e)) as Error).message,
    ).toContain('index accounts_email_idx on accounts already exists and was not created by this plan');
    const differs = (await run(conn, await compile(yaml('nickname', true))).catch((e: unknown) => e)) as Error;
    expect(differs.message).toContain('keys are (email), the plan says (nickname)');
    const plan = await compile(yaml('email', true));
    expect(await run(conn, plan)).toEqual({ kind: 'done' });
    expect(await rollback(conn, plan)).toMatchObject({
      kind: 'rolled-back',
      undone: [],
      kept: ['create_index:accounts_email_idx'],
    });
    expect(await one(conn, "SELECT to_regclass('accounts_email_idx') IS NOT NULL AS kept")).toEqual({ kept: true });
  });

  it('drop_column of a column that does not exist is refused on the first attempt (a typo), the real column stays', async () => {
    const plan = await compile(`name: typo
phases:
  contract:
    - drop_column: { table: accounts, column: no_such_column }
`);
    const error = (await run(conn, plan).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(OwnershipError);
    expect(error.message).toBe(
      'column accounts.no_such_column does not exist, so drop_column:accounts.no_such_column has nothing to remove (drop_column:accounts.no_such_column, line 4)',
    );
  });

  it("a CONCURRENTLY build marked sent whose index is in place is this plan's own (record lost to a crash): done, and rollback undoes it", async () => {
    const plan = await compile(`name: crash
phases:
  expand:
    - create_index: { table: accounts, name: accounts_nickname_idx, columns: [nickname] }
`);
    // Records the run's step rows without running any (expand is pending, so --phase migrate is refused).
    await expect(run(conn, plan, [], { phase: 'migrate' })).rejects.toThrow('phase expand still has pending steps');
    // The state of a runner killed after its CREATE INDEX CONCURRENTLY finished but before the step was recorded done.
    await conn.exec(
      `UPDATE schemashift.steps SET status = 'running', attempts = 1, checkpoint = '{"sent": true}' WHERE plan_name = 'crash'`,
    );
    await conn.exec('CREATE INDEX CONCURRENTLY accounts_nickname_idx ON accounts (nickname)');
    const events: RunnerEvent[] = [];
    expect(await run(conn, plan, events)).toEqual({ kind: 'done' });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'step-skip', reason: 'already in place (catalog check)' }),
    );
    expect(await rollback(conn, plan)).toMatchObject({
      kind: 'rolled-back',
      undone: ['create_index:accounts_nickname_idx/undo'],
      kept: [],
    });
    expect(await one(conn, "SELECT to_regclass('accounts_nickname_idx') IS NULL AS gone")).toEqual({ gone: true });
  });
});

describe('if_exists in a plan', () => {
  it('is `adopt` or `error`, beside the operation or inside it; anything else is a plan error with its position', async () => {
    const beside = await compile(ADD_NICKNAME('text', true));
    expect(beside.plan.entries[0]?.adopt).toBe(true);
    const inside = await parsePlan(
      'plan.yaml',
      'name: x\nphases:\n  expand:\n    - add_column: { table: t, column: { name: c, type: text }, if_exists: adopt }\n',
    );
    expect(inside.entries[0]?.adopt).toBe(true);
    const error = await parsePlan(
      'plan.yaml',
      'name: x\nphases:\n  expand:\n    - add_column: { table: t, column: { name: c, type: text } }\n      if_exists: keep\n',
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanError);
    expect((error as PlanError).message).toMatch(/plan\.yaml:5:\d+/);
    // Saying it changes the step (its hash), so a run in progress sees the change as drift.
    expect(beside.plan.entries[0]?.hash).not.toBe((await compile(ADD_NICKNAME('text', false))).plan.entries[0]?.hash);
  });
});
