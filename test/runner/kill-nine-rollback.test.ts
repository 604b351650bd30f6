/**
 * A rollback is resumable at every instant: the CLI killed with SIGKILL at 20 instants spread over
 * its rollback, each time followed by another rollback, ends with the schema and rows from before
 * the run, and the plan rolled back. Each round runs the plan again first (a rolled-back plan
 * starts over), so the 20 kills each interrupt a whole rollback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { compilePlan, type CompiledPlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { rollbackPlan } from '../../src/runner/rollback.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { runCli, startCli, writePlan } from './cli-process.js';
import { sleep } from './seed.js';
import { snapshotSchema, tableDigest } from './snapshot.js';

const KILLS = 20;
/** Kills that must land while the run is rolling_back, and the most kills tried to get them. */
const MID_ROLLBACK_KILLS = 10;
const MAX_KILLS = 40;

// Many small undo steps of every kind: columns (one kept in step by a trigger), indexes built
// concurrently, constraints, a NOT NULL; the backfill writes a column the plan adds (reversible).
const YAML = `name: kill-rollback
phases:
  expand:
    - add_column: { table: accounts, column: { name: handle, type: text }, sync_from: { column: email, expression: "lower(email)" } }
    - add_column: { table: accounts, column: { name: score, type: integer } }
    - add_column: { table: accounts, column: { name: tier, type: text, default: "'basic'" } }
    - create_index: { table: accounts, name: accounts_handle_idx, columns: [handle] }
    - create_index: { table: accounts, name: accounts_score_idx, columns: [score] }
    - add_check: { table: accounts, name: accounts_score_positive, expression: "score >= 0" }
    - add_foreign_key: { table: accounts, name: accounts_referrer_fkey, columns: [referrer], references: { table: accounts, columns: [id] } }
  migrate:
    - backfill: { table: accounts, set: { score: "length(email)" }, batch: { size: 5000 } }
    - set_not_null: { table: accounts, column: score }
`;

const command = (verb: string, extra?: string) => `schemashift ${verb} plan.yaml${extra ? ` ${extra}` : ''}`;
const quiet = { emit: () => undefined, signal: new AbortController().signal, command };

/** Expand and migrate; contract (which removes the sync trigger) would end the way back. */
async function runUpToContract(conn: Connection, plan: CompiledPlan): Promise<void> {
  for (const phase of ['expand', 'migrate'] as const) {
    expect(
      await runPlan(conn, plan, { mode: 'run', phase, acceptDrift: false, answers: { yes: true }, ...quiet }),
    ).toMatchObject({ kind: 'phase-done', phase });
  }
}

async function runStatus(db: TestDatabase): Promise<string | undefined> {
  const rows = await db.query<{ status: string }>('SELECT status FROM schemashift.runs').catch(() => []);
  return rows[0]?.status;
}

/** Until the CLI has marked the run rolling_back (or exited); ms waited. */
async function rollingBack(db: TestDatabase, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !exited() && (await runStatus(db)) !== 'rolling_back') await sleep(1);
}

describe.skipIf(!postgresAdminUrl)('kill -9 during rollback (real PostgreSQL)', () => {
  let db: TestDatabase;
  let conn: Connection;
  let plan: CompiledPlan;
  let file: string;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_kill_rb');
    await db.exec(`CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, referrer bigint);
      INSERT INTO accounts SELECT g, 'User' || g || '@Example.com', NULLIF(g / 2, 0) FROM generate_series(1, 2000) g;`);
    conn = await connect(db.url!);
    file = writePlan(YAML);
    plan = compilePlan(await parsePlan(file, YAML));
  });
  afterAll(async () => {
    await conn?.close();
    await db?.close();
  });

  it(`${KILLS} to ${MAX_KILLS} kills spread over the rollback (${MID_ROLLBACK_KILLS} at least mid-rollback), each followed by another rollback: the schema and rows from before the run`, async () => {
    const schemaBefore = await snapshotSchema(db);
    const rowsBefore = await tableDigest(db, 'accounts');

    // Uninterrupted rollbacks through the CLI, to know how long a rollback lasts: the shortest of three, so that a
    // reference slowed by other work on a shared machine does not push the kills past the rollback's end.
    let span = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      await runUpToContract(conn, plan);
      const reference = startCli(['rollback', file, '--yes', '--database', db.url!]);
      let exited = false;
      void reference.done.then(() => (exited = true));
      await rollingBack(db, () => exited);
      const started = Date.now();
      const clean = await reference.done;
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);
      span = Math.min(span, Math.max(20, Date.now() - started));
      expect(await snapshotSchema(db)).toEqual(schemaBefore);
    }

    const landed: string[] = [];
    const midRollback = () => landed.filter((l) => l.includes('killed(rolling_back')).length;
    // The machine's load changes how long a rollback lasts: a kill that came after the rollback had
    // finished shortens the span the next kills spread over (halfway toward its delay), and more kills
    // follow (up to MAX_KILLS) until MID_ROLLBACK_KILLS of them have landed mid-rollback.
    for (let i = 0; i < MAX_KILLS && (i < KILLS || midRollback() < MID_ROLLBACK_KILLS); i++) {
      await runUpToContract(conn, plan);
      const rollback = startCli(['rollback', file, '--yes', '--database', db.url!]);
      let done = false;
      void rollback.done.then(() => (done = true));
      await rollingBack(db, () => done);
      const delay = Math.round(((i % KILLS) / KILLS) * span);
      await sleep(delay);
      rollback.child.kill('SIGKILL');
      const result = await rollback.done;
      const undoneEntries = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM schemashift.events WHERE kind = 'undone' AND id > (SELECT max(id) FROM schemashift.events WHERE kind = 'run-start')",
      );
      const statusAtKill = await runStatus(db);
      landed.push(
        `${delay}ms:${result.signal === 'SIGKILL' ? `killed(${statusAtKill}, ${undoneEntries[0]?.n ?? 0} entries undone)` : `finished(${result.code})`}`,
      );
      // Halfway toward the delay that came too late, so that one fast rollback does not pin every later kill early.
      if (result.signal !== 'SIGKILL' || statusAtKill === 'rolled_back')
        span = Math.max(20, Math.min(span, Math.round((span + delay) / 2)));

      const again = await rollbackPlan(conn, plan, { answers: { yes: true }, ...quiet });
      expect(['rolled-back', 'nothing'], landed.join(' ')).toContain(again.kind);
      expect(await runStatus(db), landed.join(' ')).toBe('rolled_back');
      expect(await snapshotSchema(db), landed.join(' ')).toEqual(schemaBefore);
      expect(await tableDigest(db, 'accounts'), landed.join(' ')).toEqual(rowsBefore);
    }
    console.log(`kill -9 during rollback (a rollback lasts ~${span} ms): ${landed.join(' ')}`);
    expect(midRollback(), landed.join(' ')).toBeGreaterThanOrEqual(MID_ROLLBACK_KILLS);
  }, 300_000);
});

/** The CLI's own rollback of a rolled-back plan says so and changes nothing. */
describe.skipIf(!postgresAdminUrl)('rollback twice through the CLI', () => {
  it('the second rollback finds nothing to roll back (exit 0)', async () => {
    const db = await createPostgresDatabase('schemashift_rb_twice');
    try {
      await db.exec('CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, referrer bigint)');
      const file = writePlan(YAML);
      for (const phase of ['expand', 'migrate'])
        expect((await runCli(['run', file, '--phase', phase, '--yes', '--database', db.url!])).code).toBe(0);
      const first = await runCli(['rollback', file, '--yes', '--database', db.url!]);
      expect(first.stdout).toMatch(/^rolled back: \d+ undo step\(s\) ran/m);
      const second = await runCli(['rollback', file, '--yes', '--database', db.url!]);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('nothing to roll back for kill-rollback');
    } finally {
      await db.close();
    }
  }, 60_000);
});
