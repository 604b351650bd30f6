/**
 * `demo [--rows N] [--database URL]`: seed `orders` with N rows and run
 * plans/rename-orders-client-id.yaml end to end (interactive tree and prompts on a TTY), then show
 * the status and prove the result: every row's customer_id is its original client_id, client_id gone.
 */
import { fileURLToPath } from 'node:url';
import type { Connection } from '../db/connection.js';
import { UsageError } from '../errors.js';
import { compilePlan } from '../plan/compile.js';
import { loadPlanFile } from '../plan/load.js';
import { runPlan, type RunOutcome } from '../runner/run-plan.js';
import { runnerApplicationName } from '../runner/runner-lock.js';
import { openDatabase } from './database.js';
import { paint, type Io } from './io.js';
import { lineRenderer } from './render-lines.js';
import { createRenderer, type RunRenderer } from './renderer.js';
import { interruptSignal } from './interrupt.js';
import { commandFor, exitCodeOf, PROMPT_INTERRUPTED } from './run-command.js';
import { printStatus } from './status-command.js';

export const DEMO_PLAN = 'plans/rename-orders-client-id.yaml';
/** The package root, from src/cli or dist/cli alike, so the demo works from any working directory. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Deterministic and spread out, so the check can recompute every original value. */
const CLIENT_ID = '(id * 7919) % 50000 + 1';

export interface DemoOptions {
  rows?: string;
  database?: string;
}

function parseRows(value: string | undefined): number {
  const rows = value === undefined ? 100_000 : Number(value);
  if (!Number.isInteger(rows) || rows < 1 || rows > 10_000_000) {
    throw new UsageError(
      `--rows ${value}: expected a whole number of rows between 1 and 10000000`,
      'e.g. `schemashift demo --rows 100000`',
    );
  }
  return rows;
}

async function seed(conn: Connection, rows: number): Promise<void> {
  const { rows: existing } = await conn.query<{ found: string | null }>(`SELECT to_regclass('orders')::text AS found`);
  if (existing[0]?.found) {
    throw new UsageError(
      `${conn.displayUrl} already has a table orders: the demo creates and changes its own`,
      'run the demo on an empty database (the default, pglite://memory, needs nothing)',
    );
  }
  await conn.exec(
    `
    CREATE TABLE orders (id bigint PRIMARY KEY, client_id bigint, total numeric(12,2), status text, ` +
      `created_at timestamptz);
    INSERT INTO orders (id, client_id, total, status, created_at)
      SELECT id, ${CLIENT_ID}, ((id * 37) % 100000) / 100.0, (ARRAY['new','paid','shipped','delivered'])[id ` +
      `% 4 + 1], now() - id * interval '1 minute'
      FROM generate_series(1::bigint, ${rows}) AS id;
    ANALYZE orders;
  `,
  );
}

/** The proof line: every row kept its client, under the new name, and the old column is gone. */
async function checkResult(conn: Connection, io: Io): Promise<boolean> {
  const { rows: counts } = await conn.query<{ total: string; kept: string }>(
    `SELECT count(*) AS total, count(*) FILTER (WHERE customer_id = ${CLIENT_ID}) AS kept FROM orders`,
  );
  const { rows: columns } = await conn.query<{ n: string }>(
    `SELECT count(*) AS n FROM information_schema.columns WHERE table_schema = current_schema() AND ` +
      `table_name = 'orders' AND column_name = 'client_id'`,
  );
  const total = Number(counts[0]?.total ?? 0);
  const kept = Number(counts[0]?.kept ?? 0);
  const gone = Number(columns[0]?.n ?? 1) === 0;
  const ok = kept === total && total > 0 && gone;
  const p = paint(io.color);
  const line =
    `check: ${kept.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows have ` +
    `customer_id = their original client_id; column client_id ${gone ? 'is gone' : 'still exists'}`;
  io.out(`${ok ? p.green(`✔ ${line}`) : p.red(`✖ ${line}`)}\n`);
  return ok;
}

async function demoRenderer(
  plan: Parameters<typeof createRenderer>[0],
  io: Io,
): Promise<{ renderer: RunRenderer; yes: boolean }> {
  if (io.interactive) return { renderer: await createRenderer(plan, io, { json: false }), yes: false };
  io.out('non-interactive: confirming gates automatically (the demo only)\n');
  return { renderer: { listener: lineRenderer(io, paint(io.color)), close: () => Promise.resolve() }, yes: true };
}

function outcomeLine(outcome: RunOutcome): string {
  switch (outcome.kind) {
    case 'done':
      return 'plan done: expand → migrate → contract, with no downtime';
    case 'gate':
      return `demo stopped at a confirmation you declined: ${outcome.message}`;
    case 'failed':
      return `step ${outcome.stepId} failed: ${outcome.error}`;
    case 'interrupted':
      return `interrupted ${outcome.at}`;
    case 'phase-done':
      return `phase ${outcome.phase} done`;
  }
}

export async function demoCommand(opts: DemoOptions, io: Io): Promise<number> {
  const started = Date.now();
  const rows = parseRows(opts.rows);
  const compiled = compilePlan(await loadPlanFile(DEMO_PLAN, PACKAGE_ROOT));
  const conn = await openDatabase(opts.database ?? 'pglite://memory', io, runnerApplicationName(compiled.plan.name));
  const { signal, dispose } = interruptSignal(io);
  try {
    await seed(conn, rows);
    io.out(
      `demo: created table orders with ${rows.toLocaleString('en-US')} rows on ${conn.displayUrl}; now ` +
        `running ${DEMO_PLAN} (${compiled.plan.description ?? compiled.plan.name}) through expand → migrate ` +
        `→ contract\n`,
    );
    const { renderer, yes } = await demoRenderer(compiled, io);
    let outcome: RunOutcome;
    try {
      const answers = { yes, ...(renderer.ask ? { ask: renderer.ask } : {}) };
      outcome = await runPlan(conn, compiled, {
        mode: 'run',
        acceptDrift: false,
        answers,
        emit: renderer.listener,
        signal,
        command: commandFor(DEMO_PLAN),
      });
    } finally {
      await renderer.close();
    }
    if (renderer.promptInterrupted?.()) {
      io.err(`schemashift: ${PROMPT_INTERRUPTED}\n`);
      return 130;
    }
    const p = paint(io.color);
    io.out(`${p.bold(outcomeLine(outcome))}\n\n`);
    await printStatus(conn, { plan: { file: DEMO_PLAN, name: compiled.plan.name }, json: false }, io);
    if (outcome.kind !== 'done') return exitCodeOf(outcome);
    const ok = await checkResult(conn, io);
    io.out(p.dim(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)}s\n`));
    return ok ? 0 : 1;
  } finally {
    await conn.close();
    dispose();
  }
}
