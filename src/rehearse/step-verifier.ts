/**
 * Checks each step's effect while the real runner executes the plan. The runner's events are
 * synchronous, so the checks are queued and run by a thin wrapper around the connection just before
 * the runner's next statement — after the step committed, before anything else changes the database
 * (on PGlite, inside the runner's own session). Per step:
 * - a SQL step's catalog probe must say its effect is in place;
 * - a backfill's rows done must equal the rows that matched it when it started;
 * - a check passed, a gate was confirmed (the rehearsal answers yes).
 */
import type { Connection, Queryable, QueryResult, Session } from '../db/connection.js';
import type { Phase, Step } from '../operations/types.js';
import type { CompiledPlan } from '../plan/compile.js';
import type { RunnerEvent } from '../runner/events.js';

export interface StepResult {
  phase: Phase;
  step: string;
  kind: Step['kind'];
  summary: string;
  result: 'ok' | 'already' | 'failed' | 'not-run';
  /** How long the runner took; null when it did not run the step. */
  ms: number | null;
  detail: string;
  error?: string;
}

type Job = (db: Queryable) => Promise<void>;

const count = (n: number) => n.toLocaleString('en-US');

export class StepVerifier {
  private readonly results = new Map<string, StepResult>();
  private readonly matching = new Map<string, number>();
  private pending: Job[] = [];
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly compiled: CompiledPlan) {}

  /** Give this to the runner with the renderer's listener. */
  readonly listener = (event: RunnerEvent): void => {
    if (event.type === 'step-start' && event.step.kind === 'backfill')
      this.queue(event.step, (db) => this.countMatching(db, event.step));
    else if (event.type === 'step-done') this.done(event.phase, event.step, event.ms);
    else if (event.type === 'step-skip')
      this.set(event.phase, event.step, { result: 'already', ms: 0, detail: event.reason });
    else if (event.type === 'step-failed')
      this.set(event.phase, event.step, { result: 'failed', ms: null, detail: 'failed', error: event.error });
  };

  /** Run the queued checks on `db`; concurrent callers wait for the same work. */
  flush(db: Queryable): Promise<void> {
    if (this.pending.length === 0) return this.running;
    const jobs = this.pending.splice(0);
    this.running = this.running.then(async () => {
      for (const job of jobs) await job(db);
    });
    return this.running;
  }

  /** The connection to hand to the runner: every statement first runs the checks queued before it. */
  wrap(conn: Connection): Connection {
    const guarded = (db: Queryable): Queryable => ({
      query: async <R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> => {
        await this.flush(db);
        return db.query<R>(sql, params);
      },
      exec: async (sql: string) => {
        await this.flush(db);
        await db.exec(sql);
      },
    });
    return {
      dialect: conn.dialect,
      kind: conn.kind,
      displayUrl: conn.displayUrl,
      ...guarded(conn),
      session: <T>(fn: (s: Session) => Promise<T>) =>
        conn.session((s) => fn({ ...guarded(s), backendPid: () => s.backendPid() })),
      close: () => conn.close(),
    };
  }

  /** Every step of the plan in run order; those the run never reached are `not-run`. */
  steps(): StepResult[] {
    return this.compiled.phases.flatMap((p) =>
      p.steps.map(
        ({ step }) =>
          this.results.get(step.id) ?? {
            phase: p.phase,
            step: step.id,
            kind: step.kind,
            summary: step.summary,
            result: 'not-run',
            ms: null,
            detail: 'not run',
          },
      ),
    );
  }

  private set(
    phase: Phase,
    step: Step,
    fields: Pick<StepResult, 'result' | 'ms' | 'detail'> & { error?: string },
  ): void {
    this.results.set(step.id, { phase, step: step.id, kind: step.kind, summary: step.summary, ...fields });
  }

  private queue(step: Step, job: Job): void {
    this.pending.push(async (db) => {
      try {
        await job(db);
      } catch (e) {
        const result = this.results.get(step.id);
        if (result)
          Object.assign(result, {
            result: 'failed',
            detail: 'its effect could not be checked',
            error: (e as Error).message,
          });
      }
    });
  }

  private done(phase: Phase, step: Step, ms: number): void {
    switch (step.kind) {
      case 'sql':
        this.set(phase, step, { result: 'ok', ms, detail: step.probe ? 'probe pending' : 'ran (no probe)' });
        if (step.probe) this.queue(step, (db) => this.checkProbe(db, step.id, step.probe as string));
        return;
      case 'backfill':
        this.set(phase, step, { result: 'ok', ms, detail: 'rows pending' });
        this.queue(step, (db) => this.checkRows(db, step.id));
        return;
      case 'verify':
        return this.set(phase, step, { result: 'ok', ms, detail: 'verified: no row differs' });
      case 'check':
        return this.set(phase, step, { result: 'ok', ms, detail: `check passed (= ${JSON.stringify(step.expect)})` });
      case 'gate':
        return this.set(phase, step, { result: 'ok', ms, detail: 'confirmed (the rehearsal answers yes)' });
      case 'flag_rollout':
      case 'replication':
        return this.set(phase, step, { result: 'ok', ms, detail: 'ran' });
    }
  }

  private fail(stepId: string, detail: string, error: string): void {
    const result = this.results.get(stepId);
    if (result) Object.assign(result, { result: 'failed', detail, error });
  }

  private async checkProbe(db: Queryable, stepId: string, probe: string): Promise<void> {
    const { rows } = await db.query<Record<string, unknown>>(probe);
    const yes = Object.values(rows[0] ?? {})[0] === true;
    if (yes) Object.assign(this.results.get(stepId) ?? {}, { detail: 'probe: in place' });
    else
      this.fail(
        stepId,
        'probe: NOT in place',
        `the step ran without error, but its catalog probe says its effect is not in place: ${probe}`,
      );
  }

  private async countMatching(db: Queryable, step: Step): Promise<void> {
    if (step.kind !== 'backfill') return;
    const d = this.compiled.dialect;
    this.matching.set(step.id, await d.introspect.rehearsal.countRows(db, d.qualified(step.table), step.where));
  }

  private async checkRows(db: Queryable, stepId: string): Promise<void> {
    const done = await this.compiled.dialect.introspect.rehearsal.rowsDone(db, this.compiled.plan.name, stepId);
    const expected = this.matching.get(stepId);
    if (expected === undefined || done === expected)
      Object.assign(this.results.get(stepId) ?? {}, {
        detail: `${count(done)} rows = ${expected === undefined ? '?' : count(expected)} matching`,
      });
    else
      this.fail(
        stepId,
        `${count(done)} rows ≠ ${count(expected)} matching`,
        `the backfill updated ${count(done)} rows, but ${count(expected)} rows matched it when it started`,
      );
  }
}
