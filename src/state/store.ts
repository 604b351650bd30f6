/**
 * Reads and writes schemashift's state in the target database. Every write that must be atomic
 * with the work it records (a transactional DDL step, a backfill batch) takes the Queryable of
 * that transaction.
 */
import type { Queryable } from '../db/connection.js';
import { STATE_MIGRATIONS } from './migrations.js';

export type RunStatus = 'running' | 'at_gate' | 'interrupted' | 'failed' | 'done' | 'rolling_back' | 'rolled_back';
export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'interrupted' | 'undone';

export interface RunRow {
  plan_name: string;
  plan_file: string;
  plan_hash: string;
  status: RunStatus;
  phase: string | null;
  contract_started: boolean;
  started_by_user: string;
  started_by_host: string;
  started_by_pid: number;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  paused: boolean;
  pause_requested_by: string | null;
}

export interface StepRow {
  plan_name: string;
  step_id: string;
  ordinal: number;
  phase: string;
  kind: string;
  summary: string;
  entry_id: string;
  entry_hash: string;
  status: StepStatus;
  attempts: number;
  checkpoint: Record<string, unknown> | null;
  rows_done: string | number;
  rows_total: string | number | null;
  started_at: Date | null;
  finished_at: Date | null;
  last_error: string | null;
  waiting_on: string | null;
  /** The step found its object already in place and took it over: a rollback leaves it. */
  adopted: boolean;
}

/** What the plan says a step row should be (the rest of StepRow is run state). */
export type StepDefinition = Pick<StepRow, 'step_id' | 'ordinal' | 'phase' | 'kind' | 'summary' | 'entry_id' | 'entry_hash'>;

export interface Actor {
  user: string;
  host: string;
  pid: number;
}

/** A stable 32-bit key for advisory locks, the same in every process. */
export const STATE_LOCK_KEY = 0x5c4e3a01;

export class StateStore {
  constructor(private readonly db: Queryable) {}

  async exists(): Promise<boolean> {
    const { rows } = await this.db.query<{ ok: boolean }>("SELECT to_regclass('schemashift.runs') IS NOT NULL AS ok");
    return rows[0]?.ok === true;
  }

  /** Create or upgrade the state tables; safe when several runners start at once. */
  async ensureSchema(): Promise<void> {
    await this.db.exec('BEGIN');
    try {
      await this.db.query('SELECT pg_advisory_xact_lock($1)', [STATE_LOCK_KEY]);
      await this.db.exec('CREATE SCHEMA IF NOT EXISTS schemashift; CREATE TABLE IF NOT EXISTS schemashift.state_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const { rows } = await this.db.query<{ v: number | null }>('SELECT max(version) AS v FROM schemashift.state_version');
      const current = rows[0]?.v ?? 0;
      for (const migration of STATE_MIGRATIONS.filter((m) => m.version > current)) {
        await this.db.exec(migration.sql);
        await this.db.query('INSERT INTO schemashift.state_version (version) VALUES ($1)', [migration.version]);
      }
      await this.db.exec('COMMIT');
    } catch (e) {
      await this.db.exec('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async getRun(plan: string): Promise<RunRow | undefined> {
    const { rows } = await this.db.query<RunRow>('SELECT * FROM schemashift.runs WHERE plan_name = $1', [plan]);
    return rows[0];
  }

  async listRuns(): Promise<RunRow[]> {
    return (await this.db.query<RunRow>('SELECT * FROM schemashift.runs ORDER BY updated_at DESC')).rows;
  }

  async getSteps(plan: string): Promise<StepRow[]> {
    return (await this.db.query<StepRow>('SELECT * FROM schemashift.steps WHERE plan_name = $1 ORDER BY ordinal', [plan])).rows;
  }

  /** One step row, locked until the transaction on `db` ends (writers that merge into its checkpoint take turns). */
  async stepForUpdate(plan: string, stepId: string, db: Queryable): Promise<StepRow> {
    const row = (await db.query<StepRow>('SELECT * FROM schemashift.steps WHERE plan_name = $1 AND step_id = $2 FOR UPDATE', [plan, stepId])).rows[0];
    if (!row) throw new Error(`plan ${plan} has no state row for step ${stepId}`);
    return row;
  }

  /** Record a run (new, or taken over by this process) and make its step rows match the plan. */
  async beginRun(plan: { name: string; file: string; hash: string }, actor: Actor, steps: StepDefinition[]): Promise<void> {
    await this.db.query(
      `INSERT INTO schemashift.runs (plan_name, plan_file, plan_hash, status, started_by_user, started_by_host, started_by_pid)
       VALUES ($1, $2, $3, 'running', $4, $5, $6)
       ON CONFLICT (plan_name) DO UPDATE SET plan_file = EXCLUDED.plan_file, plan_hash = EXCLUDED.plan_hash,
         status = CASE WHEN schemashift.runs.status IN ('done', 'rolled_back') THEN schemashift.runs.status ELSE 'running' END,
         started_by_user = EXCLUDED.started_by_user, started_by_host = EXCLUDED.started_by_host,
         started_by_pid = EXCLUDED.started_by_pid, updated_at = now()`,
      [plan.name, plan.file, plan.hash, actor.user, actor.host, actor.pid],
    );
    await this.db.query(
      `INSERT INTO schemashift.steps (plan_name, step_id, ordinal, phase, kind, summary, entry_id, entry_hash)
       SELECT $1, s.step_id, s.ordinal, s.phase, s.kind, s.summary, s.entry_id, s.entry_hash
       FROM jsonb_to_recordset($2::jsonb) AS s(step_id text, ordinal int, phase text, kind text, summary text, entry_id text, entry_hash text)
       ON CONFLICT (plan_name, step_id) DO UPDATE SET ordinal = EXCLUDED.ordinal, phase = EXCLUDED.phase, kind = EXCLUDED.kind,
         summary = EXCLUDED.summary, entry_id = EXCLUDED.entry_id, entry_hash = EXCLUDED.entry_hash`,
      [plan.name, JSON.stringify(steps)],
    );
    await this.db.query(
      `DELETE FROM schemashift.steps WHERE plan_name = $1 AND status IN ('pending') AND NOT (step_id = ANY($2::text[]))`,
      [plan.name, steps.map((s) => s.step_id)],
    );
  }

  /**
   * Start over after a full rollback: the step rows of the rolled-back run go (its events stay), so
   * the next run begins from scratch under the plan as it is now.
   */
  async resetRun(plan: string): Promise<void> {
    await this.db.query('DELETE FROM schemashift.steps WHERE plan_name = $1', [plan]);
    await this.db.query(
      `UPDATE schemashift.runs SET status = 'running', phase = NULL, contract_started = false, finished_at = NULL, started_at = now(), updated_at = now() WHERE plan_name = $1`,
      [plan],
    );
  }

  async setRun(plan: string, patch: Partial<Pick<RunRow, 'status' | 'phase' | 'contract_started' | 'finished_at' | 'paused' | 'pause_requested_by'>>, db: Queryable = this.db): Promise<void> {
    const keys = Object.keys(patch) as (keyof typeof patch)[];
    if (keys.length === 0) return;
    const sets = keys.map((k, i) => `${k} = $${i + 2}`).join(', ');
    await db.query(`UPDATE schemashift.runs SET ${sets}, updated_at = now() WHERE plan_name = $1`, [plan, ...keys.map((k) => patch[k])]);
  }

  async setStep(
    plan: string,
    stepId: string,
    patch: Partial<Pick<StepRow, 'status' | 'checkpoint' | 'rows_total' | 'last_error' | 'waiting_on' | 'started_at' | 'finished_at' | 'adopted' | 'attempts'>> & { attempt?: true; add_rows?: number },
    db: Queryable = this.db,
  ): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [plan, stepId];
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'attempt') sets.push('attempts = attempts + 1');
      else if (key === 'add_rows') {
        params.push(value);
        sets.push(`rows_done = rows_done + $${params.length}`);
      } else {
        params.push(key === 'checkpoint' && value !== null ? JSON.stringify(value) : value);
        sets.push(`${key} = $${params.length}`);
      }
    }
    if (sets.length === 0) return;
    await db.query(`UPDATE schemashift.steps SET ${sets.join(', ')} WHERE plan_name = $1 AND step_id = $2`, params);
  }

  async event(plan: string, stepId: string | null, kind: string, message: string, data?: unknown, actor?: string, db: Queryable = this.db): Promise<void> {
    await db.query('INSERT INTO schemashift.events (plan_name, step_id, kind, message, actor, data) VALUES ($1, $2, $3, $4, $5, $6)', [
      plan,
      stepId,
      kind,
      message,
      actor ?? null,
      data === undefined ? null : JSON.stringify(data),
    ]);
  }

  async events(plan: string, limit = 1000): Promise<{ id: string; step_id: string | null; at: Date; kind: string; message: string; actor: string | null; data: unknown }[]> {
    return (await this.db.query<never>('SELECT * FROM (SELECT * FROM schemashift.events WHERE plan_name = $1 ORDER BY id DESC LIMIT $2) e ORDER BY id', [plan, limit])).rows;
  }
}
