import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { createInteractiveRenderer } from '../../src/cli/render-interactive.js';
import type { Phase, Step } from '../../src/operations/types.js';
import { compilePlan, type CompiledPlan } from '../../src/plan/compile.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { connect } from '../../src/db/index.js';
import type { RunnerEvent } from '../../src/runner/events.js';
import { runPlan } from '../../src/runner/run-plan.js';
import { captureIo } from '../support/capture-io.js';

let plan: CompiledPlan;

beforeAll(async () => {
  plan = compilePlan(await loadPlanFile('plans/rename-orders-client-id.yaml', process.cwd()));
});

/** The TTY renderer, drawn by listr2's simple renderer into captured output (no terminal in tests). */
function setup(input?: NodeJS.ReadableStream) {
  const io = { ...captureIo(process.cwd(), { SCHEMASHIFT_RENDERER: 'simple' }), interactive: true };
  const renderer = createInteractiveRenderer(plan, io, input ? { input } : {});
  return { io, renderer, output: () => io.stdout() + io.stderr() };
}

function stepsOf(phase: Phase): Step[] {
  return plan.phases.find((p) => p.phase === phase)!.steps.map((s) => s.step);
}

function ran(phase: Phase, step: Step): RunnerEvent[] {
  return [
    { type: 'step-start', phase, step, attempt: 1 },
    { type: 'statement', step, sql: `${step.kind === 'sql' ? step.sql : 'SELECT 1'}\n-- second line` },
    { type: 'step-done', phase, step, ms: 3 },
  ];
}

/** Lets listr2 move on to the tasks that events have settled. */
const tick = () => new Promise((r) => setTimeout(r, 20));

function lineWith(output: string, ...parts: string[]): string | undefined {
  return output.split('\n').find((line) => parts.every((p) => line.includes(p)));
}

describe('interactive renderer (listr2 simple renderer forced)', () => {
  it('draws every phase and step, live detail, and answers prompts at the gate and before contract', async () => {
    const input = new PassThrough();
    const { renderer, output } = setup(input);
    const [backfill, check, ...rest] = stepsOf('migrate');
    const gate = rest.pop()!;
    for (const step of stepsOf('expand')) for (const e of ran('expand', step)) renderer.listener(e);
    renderer.listener({ type: 'step-start', phase: 'migrate', step: backfill!, attempt: 1 });
    renderer.listener({
      type: 'progress',
      step: backfill!,
      progress: { rowsDone: 5000, rowsTotal: 10000, rowsPerSecond: 25000, etaMs: 200, batchSize: 5000 },
    });
    renderer.listener({
      type: 'lock-wait',
      step: backfill!,
      attempt: 2,
      blockers: [
        {
          pid: 42,
          state: 'idle in transaction',
          forMs: 3000,
          query: 'UPDATE orders SET total = 0',
          applicationName: 'app',
        },
      ],
    });
    renderer.listener({ type: 'step-done', phase: 'migrate', step: backfill!, ms: 400 });
    renderer.listener({
      type: 'step-skip',
      phase: 'migrate',
      step: check!,
      reason: 'already in place (catalog check)',
    });
    for (const step of rest) for (const e of ran('migrate', step)) renderer.listener(e);
    renderer.listener({ type: 'step-start', phase: 'migrate', step: gate, attempt: 1 });
    const gateAnswer = renderer.ask!('Deploy the version that reads and writes customer_id only, then continue');
    await tick();
    input.write('y\n');
    expect(await gateAnswer).toBe(true);
    renderer.listener({ type: 'step-done', phase: 'migrate', step: gate, ms: 1 });
    const contractAnswer = renderer.ask!('Start contract for rename-orders-client-id?');
    await tick();
    input.write('y\n');
    expect(await contractAnswer).toBe(true);
    for (const step of stepsOf('contract')) for (const e of ran('contract', step)) renderer.listener(e);
    await renderer.close();

    const out = output();
    for (const step of [...stepsOf('expand'), backfill!, ...rest, gate, ...stepsOf('contract')]) {
      expect(lineWith(out, '✔', `${step.id} — ${step.summary}`), step.id).toBeDefined();
    }
    expect(lineWith(out, check!.id, 'SKIPPED: already in place (catalog check)')).toBeDefined();
    expect(lineWith(out, '5,000/10,000 rows (50%), 25,000 rows/s, ETA')).toBeDefined();
    expect(
      lineWith(
        out,
        'waiting for a lock (attempt 2), blocked by pid 42 (idle in transaction for 3.0s, app): UPDATE orders SET total = 0',
      ),
    ).toBeDefined();
    expect(lineWith(out, 'ADD COLUMN', '…')).toBeDefined();
    expect(lineWith(out, '--')).toBeUndefined();
    expect(lineWith(out, '✔', 'confirm — Start contract for rename-orders-client-id?')).toBeDefined();
    for (const phase of ['expand', 'migrate', 'contract']) expect(lineWith(out, '✔', phase), phase).toBeDefined();
    expect(out).not.toMatch(/\u001b\[[0-9;]*m/);
  });

  it('close() settles steps never reached after a failure, and the phases after it', async () => {
    const { renderer, output } = setup();
    const [first, second] = stepsOf('expand');
    for (const e of ran('expand', first!)) renderer.listener(e);
    renderer.listener({ type: 'step-start', phase: 'expand', step: second!, attempt: 1 });
    renderer.listener({
      type: 'step-failed',
      phase: 'expand',
      step: second!,
      error: 'permission denied for table orders',
    });
    await renderer.close();
    const out = output();
    expect(lineWith(out, second!.id, 'permission denied for table orders')).toBeDefined();
    expect(lineWith(out, stepsOf('expand')[2]!.id, 'SKIPPED: not reached')).toBeDefined();
    expect(lineWith(out, 'migrate', 'SKIPPED: not reached')).toBeDefined();
    expect(lineWith(out, 'contract', 'SKIPPED: not reached')).toBeDefined();
  });

  it('a run resumed mid-plan marks earlier steps as done before; an interrupted step is "stopped"', async () => {
    const { renderer, output } = setup();
    const [backfill] = stepsOf('migrate');
    renderer.listener({ type: 'phase-start', phase: 'migrate' });
    renderer.listener({ type: 'step-start', phase: 'migrate', step: backfill!, attempt: 2 });
    renderer.listener({ type: 'info', message: 'lost the database connection: reconnecting' });
    await renderer.close();
    const out = output();
    for (const step of stepsOf('expand'))
      expect(lineWith(out, step.id, 'SKIPPED: done in an earlier run'), step.id).toBeDefined();
    expect(lineWith(out, backfill!.id, 'SKIPPED: stopped before it finished')).toBeDefined();
    expect(lineWith(out, 'attempt 2')).toBeDefined();
    expect(lineWith(out, 'lost the database connection: reconnecting')).toBeDefined();
  });

  it('a prompt whose input ends (stdin closed, Ctrl-D) is a "no", and the gate step shows it was declined', async () => {
    const input = new PassThrough();
    const { renderer, output } = setup(input);
    const gate = stepsOf('migrate').at(-1)!;
    renderer.listener({ type: 'step-start', phase: 'migrate', step: gate, attempt: 1 });
    const answer = renderer.ask!('Deploy the version that reads and writes customer_id only, then continue');
    await tick();
    input.end();
    expect(await answer).toBe(false);
    await renderer.close();
    const out = output();
    expect(lineWith(out, gate.id, 'SKIPPED: declined')).toBeDefined();
    expect(lineWith(out, '✔', gate.id)).toBeUndefined();
    expect(lineWith(out, 'migrate', 'SKIPPED: stopped before the end of the phase')).toBeDefined();
  });

  it('a gate answered "n" stays declined (not drawn as completed when the run stops)', async () => {
    const input = new PassThrough();
    const { renderer, output } = setup(input);
    const gate = stepsOf('migrate').at(-1)!;
    renderer.listener({ type: 'step-start', phase: 'migrate', step: gate, attempt: 1 });
    const answer = renderer.ask!('Deploy the version that reads and writes customer_id only, then continue');
    await tick();
    input.write('n\n');
    expect(await answer).toBe(false);
    await renderer.close();
    const out = output();
    expect(lineWith(out, gate.id, 'SKIPPED: declined')).toBeDefined();
    expect(lineWith(out, '✔', gate.id)).toBeUndefined();
  });

  it('answers "n" with false; a confirmation before any step (rollback) gets its own list', async () => {
    const input = new PassThrough();
    const { renderer, output } = setup(input);
    const answer = renderer.ask!('Roll back 2 step(s) of rename-orders-client-id?');
    await tick();
    input.write('n\n');
    expect(await answer).toBe(false);
    await renderer.close();
    expect(lineWith(output(), 'confirm — Roll back 2 step(s)', 'SKIPPED: declined')).toBeDefined();
  });

  it('rollback events draw the inverse steps, newest entry first', async () => {
    const input = new PassThrough();
    const { renderer, output } = setup(input);
    const answer = renderer.ask!('Roll back 2 step(s) of rename-orders-client-id?');
    await tick();
    input.write('y\n');
    expect(await answer).toBe(true);
    const inverse = (id: string) => {
      const entry = plan.entries.find((e) => e.entry.id === id)!;
      return 'steps' in entry.inverse ? entry.inverse.steps : [];
    };
    renderer.listener({ type: 'phase-start', phase: 'expand' });
    for (const step of inverse('create_index:idx_orders_customer_id'))
      for (const e of ran('expand', step)) renderer.listener(e);
    await renderer.close();
    const out = output();
    expect(lineWith(out, '✔', 'confirm — Roll back 2 step(s)')).toBeDefined();
    expect(lineWith(out, 'set_not_null:orders.customer_id/undo', 'SKIPPED: nothing to undo')).toBeDefined();
    expect(lineWith(out, '✔', 'create_index:idx_orders_customer_id/undo')).toBeDefined();
    expect(lineWith(out, 'add_column:orders.customer_id/undo', 'SKIPPED: not reached')).toBeDefined();
    expect(lineWith(out, '✔', 'rollback')).toBeDefined();
  });

  it('close() without any event resolves at once, and a throwing listener never reaches the runner', async () => {
    const { renderer } = setup();
    expect(() =>
      renderer.listener({ type: 'progress', step: { id: 'unknown' } as Step, progress: null as never }),
    ).not.toThrow();
    await renderer.close();
    await renderer.close();
  });

  it('a run resumed at contract: the confirmation comes first, earlier phases are drawn as done before', async () => {
    const input = new PassThrough();
    const { renderer, output } = setup(input);
    const answer = renderer.ask!('Start contract for rename-orders-client-id?');
    await tick();
    input.write('y\n');
    expect(await answer).toBe(true);
    renderer.listener({ type: 'phase-start', phase: 'contract' });
    for (const step of stepsOf('contract')) for (const e of ran('contract', step)) renderer.listener(e);
    await renderer.close();
    const out = output();
    expect(lineWith(out, '✔', 'confirm — Start contract')).toBeDefined();
    for (const step of [...stepsOf('expand'), ...stepsOf('migrate')])
      expect(lineWith(out, step.id, 'SKIPPED: done in an earlier run'), step.id).toBeDefined();
    for (const step of stepsOf('contract')) expect(lineWith(out, '✔', step.id), step.id).toBeDefined();
  });

  it('observes a real run on PGlite: prompts at the gate and before contract, every step settled', async () => {
    const conn = await connect('pglite://memory');
    try {
      await conn.exec(`CREATE TABLE orders (id bigint PRIMARY KEY, client_id bigint, total numeric(12,2), status text, created_at timestamptz);
        INSERT INTO orders SELECT g, g % 7 + 1, 1, 'new', now() FROM generate_series(1, 200) g;`);
      const input = new PassThrough();
      const { renderer, output } = setup(input);
      const asked: string[] = [];
      const ask = (message: string) => {
        asked.push(message);
        setTimeout(() => input.write('y\n'), 30);
        return renderer.ask!(message);
      };
      const outcome = await runPlan(conn, plan, {
        mode: 'run',
        acceptDrift: false,
        answers: { yes: false, ask },
        emit: renderer.listener,
        signal: new AbortController().signal,
        command: (verb) => `schemashift ${verb}`,
      });
      await renderer.close();
      expect(outcome).toEqual({ kind: 'done' });
      expect(asked).toHaveLength(2);
      const out = output();
      for (const { step } of plan.phases.flatMap((p) => p.steps))
        expect(lineWith(out, '✔', `${step.id} — ${step.summary}`), step.id).toBeDefined();
      expect(lineWith(out, '200/200 rows (100%)')).toBeDefined();
    } finally {
      await conn.close();
    }
  });
});
