/**
 * A RunContext built by hand for step executor tests: a real Connection (PostgreSQL or PGlite), the
 * state schema, a run row, and a compiled plan with one backfill step.
 */
import { stringify } from 'yaml';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { connect, type Connection } from '../../src/db/index.js';
import type { BackfillStep } from '../../src/operations/types.js';
import { compilePlan, type CompiledPlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import { executeBackfill } from '../../src/runner/backfill.js';
import type { RunContext } from '../../src/runner/context.js';
import type { BackfillProgress, RunnerEvent } from '../../src/runner/events.js';
import { type StateStore, type StepRow } from '../../src/state/store.js';
import { createPostgresDatabase, postgresAdminUrl } from '../support/databases.js';

export interface OpenDatabase {
  conn: Connection;
  /** PostgreSQL only: for separate clients (concurrent writers, lock holders). */
  url: string | null;
  close(): Promise<void>;
}

export interface Engine {
  name: 'postgres' | 'pglite';
  open(): Promise<OpenDatabase>;
}

export const postgresEngine: Engine[] = postgresAdminUrl
  ? [
      {
        name: 'postgres',
        open: async () => {
          const db = await createPostgresDatabase('schemashift_backfill');
          const conn = await connect(db.url!);
          return { conn, url: db.url!, close: async () => (await conn.close(), await db.close()) };
        },
      },
    ]
  : [];

export const backfillEngines: Engine[] = [
  ...postgresEngine,
  {
    name: 'pglite',
    open: async () => {
      const conn = await connect('pglite://memory');
      return { conn, url: null, close: () => conn.close() };
    },
  },
];

export interface PreparedBackfill {
  conn: Connection;
  plan: CompiledPlan;
  step: BackfillStep;
  store: StateStore;
}

/** A plan named `name` whose migrate phase is one backfill with `spec`, recorded as a running run. */
export async function prepareBackfill(
  conn: Connection,
  name: string,
  spec: Record<string, unknown>,
  settings: Record<string, unknown> = {},
): Promise<PreparedBackfill> {
  const yaml = stringify({
    name,
    settings: { lock_timeout: '2s', lock_retries: 3, ...settings },
    phases: { migrate: [{ backfill: spec }] },
  });
  const plan = compilePlan(await parsePlan(`${name}.yaml`, yaml));
  const steps = plan.phases.flatMap((p) => p.steps);
  const step = steps[0]?.step;
  if (step?.kind !== 'backfill') throw new Error('the test plan has no backfill step');
  const store = postgres.state.openStore(conn);
  await store.ensureSchema();
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
  return { conn, plan, step, store };
}

export interface RunOptions {
  signal?: AbortSignal;
  listener?: (event: RunnerEvent) => void;
  onContext?: (ctx: RunContext) => void;
}

/** Run the backfill on its own session, as the runner does; resolves to the events it emitted. */
export async function runBackfill(p: PreparedBackfill, options: RunOptions = {}): Promise<RunnerEvent[]> {
  const events: RunnerEvent[] = [];
  await p.conn.session(async (session) => {
    const ctx: RunContext = {
      conn: p.conn,
      dialect: p.plan.dialect,
      session,
      sessionPid: await session.backendPid(),
      monitor: p.conn.kind === 'pglite' ? null : p.conn,
      store: p.store,
      plan: p.plan,
      actor: { user: 'tester', host: 'localhost', pid: process.pid },
      emit: (event) => {
        events.push(event);
        options.listener?.(event);
      },
      signal: options.signal ?? new AbortController().signal,
    };
    options.onContext?.(ctx);
    await executeBackfill(ctx, p.step);
  });
  return events;
}

/** The first row of a query. */
export async function one<R>(conn: Connection, sql: string): Promise<R> {
  return (await conn.query<R>(sql)).rows[0]!;
}

export function progressOf(events: RunnerEvent[]): BackfillProgress[] {
  return events.flatMap((e) => (e.type === 'progress' ? [e.progress] : []));
}

export async function stepRow(p: PreparedBackfill): Promise<StepRow> {
  const row = (await p.store.getSteps(p.plan.plan.name)).find((s) => s.step_id === p.step.id);
  if (!row) throw new Error(`no step row for ${p.step.id}`);
  return row;
}

/** Resolves once `predicate` holds for an event (checked on every event until `timeoutMs`). */
export function waitForEvent(
  events: () => RunnerEvent[],
  predicate: (e: RunnerEvent) => boolean,
  timeoutMs = 15_000,
): Promise<RunnerEvent> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const found = events().find(predicate);
      if (found) {
        clearInterval(timer);
        resolve(found);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error('the expected event did not come'));
      }
    }, 20);
  });
}
