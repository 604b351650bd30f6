/** The state store in PostgreSQL: schema `schemashift`, upgraded under a transaction-scoped advisory lock. */
import type { Connection, Queryable } from '../../db/connection.js';
import type {
  Actor,
  EventRow,
  PlanIdentity,
  RunPatch,
  RunRow,
  StateStore,
  StepDefinition,
  StepPatch,
  StepRow,
} from '../../state/store.js';
import { STATE_MIGRATIONS } from './state-migrations.js';

/** A stable 32-bit key for advisory locks, the same in every process. */
export const STATE_LOCK_KEY = 0x5c4e3a01;

const CREATE_VERSION_TABLE =
  'CREATE SCHEMA IF NOT EXISTS schemashift; CREATE TABLE IF NOT EXISTS schemashift.state_version ' +
  '(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())';

const UPSERT_RUN =
  `INSERT INTO schemashift.runs (plan_name, plan_file, plan_hash, status, started_by_user, ` +
  `started_by_host, started_by_pid)
       VALUES ($1, $2, $3, 'running', $4, $5, $6)
       ON CONFLICT (plan_name) DO UPDATE SET plan_file = EXCLUDED.plan_file, plan_hash = EXCLUDED.plan_hash,
         status = CASE WHEN schemashift.runs.status IN ('done', 'rolled_back') THEN schemashift.runs.status ` +
  `ELSE 'running' END,
         started_by_user = EXCLUDED.started_by_user, started_by_host = EXCLUDED.started_by_host,
         started_by_pid = EXCLUDED.started_by_pid, updated_at = now()`;

const UPSERT_STEPS =
  `INSERT INTO schemashift.steps (plan_name, step_id, ordinal, phase, kind, summary, ` +
  `entry_id, entry_hash)
       SELECT $1, s.step_id, s.ordinal, s.phase, s.kind, s.summary, s.entry_id, s.entry_hash
       FROM jsonb_to_recordset($2::jsonb) AS s(step_id text, ordinal int, phase text, kind text, summary text, ` +
  `entry_id text, entry_hash text)
       ON CONFLICT (plan_name, step_id) DO UPDATE SET ordinal = EXCLUDED.ordinal, phase = EXCLUDED.phase, kind ` +
  `= EXCLUDED.kind,
         summary = EXCLUDED.summary, entry_id = EXCLUDED.entry_id, entry_hash = EXCLUDED.entry_hash`;

const DELETE_DROPPED_STEPS =
  "DELETE FROM schemashift.steps WHERE plan_name = $1 AND status IN ('pending') AND NOT (step_id = ANY($2::text[]))";

const RESET_RUN =
  "UPDATE schemashift.runs SET status = 'running', phase = NULL, contract_started = false, finished_at = NULL, " +
  'started_at = now(), updated_at = now() WHERE plan_name = $1';

const PROBE_COMMIT =
  'INSERT INTO schemashift.pace_probes (plan_name, at) VALUES ($1, clock_timestamp()) ' +
  'ON CONFLICT (plan_name) DO UPDATE SET at = excluded.at';
const INSERT_EVENT =
  'INSERT INTO schemashift.events (plan_name, step_id, kind, message, actor, data) VALUES ($1, $2, $3, $4, $5, $6)';

const RECORDED_PLAN = `SELECT data->'recorded' AS recorded FROM schemashift.events
     WHERE plan_name = $1 AND kind = 'run-start' AND data->'recorded' IS NOT NULL ORDER BY id DESC LIMIT 1`;

const LAST_EVENTS =
  'SELECT * FROM (SELECT * FROM schemashift.events WHERE plan_name = $1 ORDER BY id DESC LIMIT $2) e ORDER BY id';

export class PostgresStateStore implements StateStore {
  constructor(private readonly db: Queryable) {}

  async exists(): Promise<boolean> {
    const { rows } = await this.db.query<{ ok: boolean }>("SELECT to_regclass('schemashift.runs') IS NOT NULL AS ok");
    return rows[0]?.ok === true;
  }

  async ensureSchema(): Promise<void> {
    await this.db.exec('BEGIN');
    try {
      await this.db.query('SELECT pg_advisory_xact_lock($1)', [STATE_LOCK_KEY]);
      await this.db.exec(CREATE_VERSION_TABLE);
      const { rows } = await this.db.query<{ v: number | null }>(
        'SELECT max(version) AS v FROM schemashift.state_version',
      );
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
    const sql = 'SELECT * FROM schemashift.steps WHERE plan_name = $1 ORDER BY ordinal';
    return (await this.db.query<StepRow>(sql, [plan])).rows;
  }

  async stepForUpdate(plan: string, stepId: string, db: Queryable): Promise<StepRow> {
    const sql = 'SELECT * FROM schemashift.steps WHERE plan_name = $1 AND step_id = $2 FOR UPDATE';
    const row = (await db.query<StepRow>(sql, [plan, stepId])).rows[0];
    if (!row) throw new Error(`plan ${plan} has no state row for step ${stepId}`);
    return row;
  }

  async probeCommit(plan: string, db: Queryable): Promise<void> {
    await db.query(PROBE_COMMIT, [plan]);
  }

  /** One transaction: a reader (another plan's `after:` check) never sees the run without its steps. */
  async beginRun(plan: PlanIdentity, actor: Actor, steps: StepDefinition[]): Promise<void> {
    await this.inTransaction(async (tx) => {
      await tx.query(UPSERT_RUN, [plan.name, plan.file, plan.hash, actor.user, actor.host, actor.pid]);
      await tx.query(UPSERT_STEPS, [plan.name, JSON.stringify(steps)]);
      await tx.query(DELETE_DROPPED_STEPS, [plan.name, steps.map((s) => s.step_id)]);
    });
  }

  async resetRun(plan: string): Promise<void> {
    await this.inTransaction(async (tx) => {
      await tx.query('DELETE FROM schemashift.steps WHERE plan_name = $1', [plan]);
      await tx.query(RESET_RUN, [plan]);
    });
  }

  /** On a pool, every statement may take another connection: a transaction needs one session for all of it. */
  private async inTransaction(fn: (tx: Queryable) => Promise<void>): Promise<void> {
    const run = async (tx: Queryable) => {
      await tx.exec('BEGIN');
      try {
        await fn(tx);
        await tx.exec('COMMIT');
      } catch (e) {
        await tx.exec('ROLLBACK').catch(() => undefined);
        throw e;
      }
    };
    const pool = this.db as Partial<Connection>;
    if (typeof pool.session === 'function' && 'kind' in pool) await pool.session((s) => run(s));
    else await run(this.db);
  }

  async setRun(plan: string, patch: RunPatch, db: Queryable = this.db): Promise<void> {
    const keys = Object.keys(patch) as (keyof RunPatch)[];
    if (keys.length === 0) return;
    const sets = keys.map((k, i) => `${k} = $${i + 2}`).join(', ');
    const sql = `UPDATE schemashift.runs SET ${sets}, updated_at = now() WHERE plan_name = $1`;
    await db.query(sql, [plan, ...keys.map((k) => patch[k])]);
  }

  async setStep(plan: string, stepId: string, patch: StepPatch, db: Queryable = this.db): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [plan, stepId];
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'attempt') sets.push('attempts = attempts + 1');
      else if (key === 'add_rows') {
        params.push(value);
        sets.push(`rows_done = rows_done + $${params.length}`);
      } else {
        params.push((key === 'checkpoint' || key === 'pace') && value !== null ? JSON.stringify(value) : value);
        sets.push(`${key} = $${params.length}`);
      }
    }
    if (sets.length === 0) return;
    await db.query(`UPDATE schemashift.steps SET ${sets.join(', ')} WHERE plan_name = $1 AND step_id = $2`, params);
  }

  async event(
    plan: string,
    stepId: string | null,
    kind: string,
    message: string,
    data?: unknown,
    actor?: string,
    db: Queryable = this.db,
  ): Promise<void> {
    const json = data === undefined ? null : JSON.stringify(data);
    await db.query(INSERT_EVENT, [plan, stepId, kind, message, actor ?? null, json]);
  }

  async events(plan: string, limit = 1000): Promise<EventRow[]> {
    return (await this.db.query<EventRow>(LAST_EVENTS, [plan, limit])).rows;
  }

  async recordedPlan(plan: string): Promise<unknown> {
    const { rows } = await this.db.query<{ recorded: unknown }>(RECORDED_PLAN, [plan]);
    return rows[0]?.recorded ?? undefined;
  }
}
