/**
 * flag_rollout executed by the runner (in process, PostgreSQL and PGlite): stages, holds, guards,
 * Ctrl-C and resume, a flag changed by hand, rollback, and what `status` shows.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printStatus } from '../../src/cli/status-command.js';
import { rolloutOf } from '../../src/flags/definition.js';
import { JsonFileFlagStore } from '../../src/flags/json-file-store.js';
import { TableFlagStore } from '../../src/flags/table-store.js';
import { withFlagLocation } from '../../src/flags/store.js';
import { compilePlan, type CompiledPlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import type { RunnerEvent } from '../../src/runner/events.js';
import { rollbackPlan } from '../../src/runner/rollback.js';
import { runPlan, type RunOutcome } from '../../src/runner/run-plan.js';
import { type StateStore } from '../../src/state/store.js';
import { captureIo } from '../support/capture-io.js';
import { backfillEngines, waitForEvent, type OpenDatabase } from './support.js';
import { parseFlagsJson } from '../support/flags-json.js';

const dir = mkdtempSync(join(tmpdir(), 'schemashift-rollout-'));

async function compile(name: string, rollout: Record<string, unknown>, flagsFile?: string): Promise<CompiledPlan> {
  const plan = await parsePlan(
    join(dir, `${name}.yaml`),
    stringify({ name, phases: { migrate: [{ id: 'roll', flag_rollout: rollout }] } }),
  );
  return compilePlan(withFlagLocation(plan, dir, flagsFile));
}

interface Run {
  events: RunnerEvent[];
  outcome: Promise<RunOutcome>;
  abort: () => void;
}

function start(db: OpenDatabase, compiled: CompiledPlan): Run {
  const events: RunnerEvent[] = [];
  const controller = new AbortController();
  const outcome = runPlan(db.conn, compiled, {
    mode: 'run',
    acceptDrift: false,
    answers: { yes: true },
    emit: (e) => void events.push(e),
    signal: controller.signal,
    command: (verb) => `schemashift ${verb}`,
  });
  return { events, outcome, abort: () => controller.abort() };
}

const info = (events: RunnerEvent[]) => events.flatMap((e) => (e.type === 'info' ? [e.message] : []));
const percentInFile = async (file: string, flag: string) =>
  rolloutOf(await new JsonFileFlagStore(file).get(flag)).percent;

describe.each(backfillEngines)('flag_rollout ($name)', (engine) => {
  let db: OpenDatabase;
  let store: StateStore;
  beforeAll(async () => {
    db = await engine.open();
    store = postgres.state.openStore(db.conn);
  });
  afterAll(async () => db?.close());

  const eventsOf = async (plan: string, kind: string) =>
    (await store.events(plan)).filter((e) => e.kind === kind) as { message: string; data: Record<string, unknown> }[];
  const stepOf = async (plan: string) => (await store.getSteps(plan))[0]!;

  it('moves the flag through its stages in a JSON file (--flags-file); the rollback sets it to 0% there', async () => {
    const file = join(dir, `flags-${engine.name}.json`);
    const compiled = await compile(`stages-${engine.name}`, { flag: 'UseNew', stages: [10, 50, 100] }, file);
    const run = start(db, compiled);
    expect(await run.outcome).toEqual({ kind: 'done' });
    expect(await percentInFile(file, 'UseNew')).toBe(100);
    const stages = await eventsOf(compiled.plan.name, 'flag-stage');
    expect(stages.map((e) => e.data.percent)).toEqual([10, 50, 100]);
    expect(stages[1]!.message).toMatch(
      /^flag UseNew at 50% \(stage 2 of 3\) in the file .*flags-\w+\.json \(was 10%, targeting\)$/,
    );
    expect(await eventsOf(compiled.plan.name, 'flag-done')).toHaveLength(1);
    expect(await stepOf(compiled.plan.name)).toMatchObject({
      status: 'done',
      checkpoint: { flag: 'UseNew', store: { file }, stage: 2, percent: 100 },
    });
    expect(info(run.events)).toContain('flag UseNew at 50% (stage 2 of 3)');

    // The plan without --flags-file would use the table: the rollback still writes where the rollout did.
    const plain = await compile(`stages-${engine.name}`, { flag: 'UseNew', stages: [10, 50, 100] });
    const rolled = await rollbackPlan(db.conn, plain, {
      answers: { yes: true },
      emit: () => undefined,
      signal: new AbortController().signal,
      command: (v) => v,
    });
    expect(rolled).toEqual({ kind: 'rolled-back', undone: ['roll/undo'], kept: [] });
    expect(await percentInFile(file, 'UseNew')).toBe(0);
    expect(parseFlagsJson(readFileSync(file, 'utf8')).feature_management.feature_flags[0].enabled).toBe(false);
    expect(
      await new TableFlagStore(db.conn, 'schemashift.feature_flags', postgres.state).get('UseNew'),
    ).toBeUndefined();
  });

  it('a guard above its max sets the flag to 0% and fails the step; status shows why; a run after the fix starts over', async () => {
    const name = `guard-${engine.name}`;
    await db.conn.exec('CREATE TABLE guard_offset (n int NOT NULL); INSERT INTO guard_offset VALUES (0)');
    // Two checks per stage with no hold (before raising it, then once at it): the 4th check returns 1.
    // Guards run READ ONLY, so the guard counts the stages reached instead of advancing a sequence.
    const sql = `SELECT count(*) - 1 - (SELECT n FROM guard_offset) FROM schemashift.events WHERE plan_name = '${name}' AND kind = 'flag-stage'`;
    const compiled = await compile(name, { flag: 'Guarded', stages: [10, 50, 100], guard: { sql, max: 0 } });
    const outcome = await start(db, compiled).outcome;
    const reason = `guard returned 1 > 0 at stage 50%: ${sql}`;
    expect(outcome).toEqual({ kind: 'failed', stepId: 'roll', error: reason });
    const flag = await new TableFlagStore(db.conn, 'schemashift.feature_flags', postgres.state).get('Guarded');
    expect(flag).toMatchObject({
      enabled: false,
      conditions: {
        client_filters: [{ name: 'Microsoft.Targeting', parameters: { Audience: { DefaultRolloutPercentage: 0 } } }],
      },
    });
    expect(await stepOf(name)).toMatchObject({ status: 'failed', last_error: reason, checkpoint: { stage: null } });
    expect((await eventsOf(name, 'guard-failed'))[0]!.message).toBe(
      `${reason}; flag Guarded set back to 0% in the table schemashift.feature_flags`,
    );

    const io = captureIo(dir);
    await printStatus(db.conn, { plan: { file: compiled.plan.file, name }, json: false }, io);
    expect(io.stdout()).toContain(`flag Guarded at 0% — ${reason}`);

    await db.conn.exec('UPDATE guard_offset SET n = 1000');
    expect(await start(db, compiled).outcome).toEqual({ kind: 'done' });
    expect((await eventsOf(name, 'flag-stage')).map((e) => e.data.percent)).toEqual([10, 50, 10, 50, 100]);
  });

  it('Ctrl-C during a hold stops the run; the next run resumes the same hold', async () => {
    const file = join(dir, `resume-${engine.name}.json`);
    const compiled = await compile(`resume-${engine.name}`, { flag: 'Held', stages: [20, 100], hold: '2500ms' }, file);
    const first = start(db, compiled);
    await waitForEvent(
      () => first.events,
      (e) => e.type === 'info' && e.message.startsWith('flag Held at 20%'),
    );
    first.abort();
    const stopped = await first.outcome;
    expect(stopped).toMatchObject({
      kind: 'interrupted',
      at: expect.stringMatching(/^while holding flag Held at 20% \(stage 1 of 2\)/),
    });
    const [entered] = await eventsOf(compiled.plan.name, 'flag-stage');
    const holdStartedAt = entered!.data.holdStartedAt as string;
    expect(await stepOf(compiled.plan.name)).toMatchObject({
      status: 'interrupted',
      checkpoint: { stage: 0, holdStartedAt },
    });
    expect(await percentInFile(file, 'Held')).toBe(20);

    expect(await start(db, compiled).outcome).toEqual({ kind: 'done' });
    const [resumed] = await eventsOf(compiled.plan.name, 'flag-resume');
    expect(resumed!.data.holdStartedAt).toBe(holdStartedAt);
    const next = (await eventsOf(compiled.plan.name, 'flag-stage'))[1]!;
    const heldMs = Date.parse(next.data.holdStartedAt as string) - Date.parse(holdStartedAt);
    console.log(
      `${engine.name}: stage 20% held ${heldMs}ms in total across the interrupted and the resumed run (hold 2500ms)`,
    );
    expect(heldMs).toBeGreaterThanOrEqual(2500);
  });

  it('a flag changed by hand during the hold stops the rollout and is left as the person set it', async () => {
    const file = join(dir, `by-hand-${engine.name}.json`);
    const compiled = await compile(`by-hand-${engine.name}`, { flag: 'Manual', stages: [10, 100], hold: '3s' }, file);
    const run = start(db, compiled);
    await waitForEvent(
      () => run.events,
      (e) => e.type === 'info' && e.message.startsWith('flag Manual at 10%'),
    );
    await new JsonFileFlagStore(file).setPercentage('Manual', 5, 'targeting', 'a person');
    const outcome = await run.outcome;
    expect(outcome).toMatchObject({
      kind: 'failed',
      error: expect.stringMatching(
        /^flag Manual is at 5% in the file .*, but this rollout set it to 10%: someone changed it/,
      ),
    });
    expect(await percentInFile(file, 'Manual')).toBe(5);
  });
});
