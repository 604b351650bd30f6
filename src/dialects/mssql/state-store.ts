/** The state store in SQL Server: schema `schemashift`, upgraded in one batch under an applock (state-migrations.ts). */
import type { Queryable } from '../../db/connection.js';
import type {
  Actor,
  EventRow,
  PlanIdentity,
  RunPatch,
  RunRow,
  StateStore,
  StepDefinition,
  StepPace,
  StepPatch,
  StepRow,
} from '../../state/store.js';
import { ensureSchemaScript } from './state-migrations.js';
import * as q from './state-store-sql.js';
import { ident } from './sql-names.js';

const parseJson = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : (value ?? null));

/** nvarchar(max) JSON columns come back as text. */
function stepRow(row: StepRow): StepRow {
  return {
    ...row,
    checkpoint: parseJson(row.checkpoint) as StepRow['checkpoint'],
    pace: parseJson(row.pace) as StepPace | null,
  };
}

const JSON_STEP_COLUMNS = new Set(['checkpoint', 'pace']);

export class MssqlStateStore implements StateStore {
  constructor(private readonly db: Queryable) {}

  async exists(): Promise<boolean> {
    const { rows } = await this.db.query<{ ok: boolean }>(q.STATE_EXISTS);
    return rows[0]?.ok === true;
  }

  async ensureSchema(): Promise<void> {
    await this.db.exec(ensureSchemaScript());
  }

  async getRun(plan: string): Promise<RunRow | undefined> {
    return (await this.db.query<RunRow>('SELECT * FROM schemashift.runs WHERE plan_name = $1', [plan])).rows[0];
  }

  async listRuns(): Promise<RunRow[]> {
    return (await this.db.query<RunRow>('SELECT * FROM schemashift.runs ORDER BY updated_at DESC')).rows;
  }

  async getSteps(plan: string): Promise<StepRow[]> {
    const sql = 'SELECT * FROM schemashift.steps WHERE plan_name = $1 ORDER BY ordinal';
    return (await this.db.query<StepRow>(sql, [plan])).rows.map(stepRow);
  }

  async stepForUpdate(plan: string, stepId: string, db: Queryable): Promise<StepRow> {
    const row = (await db.query<StepRow>(q.STEP_FOR_UPDATE, [plan, stepId])).rows[0];
    if (!row) throw new Error(`plan ${plan} has no state row for step ${stepId}`);
    return stepRow(row);
  }

  async probeCommit(plan: string, db: Queryable): Promise<void> {
    await db.query(q.PROBE_COMMIT, [plan]);
  }

  async beginRun(plan: PlanIdentity, actor: Actor, steps: StepDefinition[]): Promise<void> {
    await this.db.query(q.UPSERT_RUN, [plan.name, plan.file, plan.hash, actor.user, actor.host, actor.pid]);
    await this.db.query(q.UPSERT_STEPS, [plan.name, JSON.stringify(steps)]);
    await this.db.query(q.DELETE_DROPPED_STEPS, [plan.name, JSON.stringify(steps.map((s) => s.step_id))]);
  }

  async resetRun(plan: string): Promise<void> {
    await this.db.query('DELETE FROM schemashift.steps WHERE plan_name = $1', [plan]);
    await this.db.query(q.RESET_RUN, [plan]);
  }

  async setRun(plan: string, patch: RunPatch, db: Queryable = this.db): Promise<void> {
    const keys = Object.keys(patch) as (keyof RunPatch)[];
    if (keys.length === 0) return;
    const sets = keys.map((k, i) => `${ident(k)} = $${i + 2}`).join(', ');
    const sql = `UPDATE schemashift.runs SET ${sets}, updated_at = SYSUTCDATETIME() WHERE plan_name = $1`;
    await db.query(sql, [plan, ...keys.map((k) => patch[k])]);
  }

  async setStep(plan: string, stepId: string, patch: StepPatch, db: Queryable = this.db): Promise<void> {
    const { sql, params } = setStepSql(plan, stepId, patch);
    if (sql !== undefined) await db.query(sql, params);
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
    await db.query(q.INSERT_EVENT, [plan, stepId, kind, message, actor ?? null, json]);
  }

  async events(plan: string, limit = 1000): Promise<EventRow[]> {
    const { rows } = await this.db.query<EventRow>(q.LAST_EVENTS, [plan, limit]);
    return rows.map((row) => ({ ...row, id: String(row.id), data: parseJson(row.data) }));
  }

  async recordedPlan(plan: string): Promise<unknown> {
    const { rows } = await this.db.query<{ recorded: unknown }>(q.RECORDED_PLAN, [plan]);
    return rows[0] === undefined ? undefined : (parseJson(rows[0].recorded) ?? undefined);
  }
}

/** One UPDATE of a step row: `attempt` counts one more attempt, `add_rows` adds; JSON values as text. */
export function setStepSql(plan: string, stepId: string, patch: StepPatch): { sql?: string; params: unknown[] } {
  const sets: string[] = [];
  const params: unknown[] = [plan, stepId];
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'attempt') sets.push('attempts = attempts + 1');
    else if (key === 'add_rows') {
      params.push(value);
      sets.push(`rows_done = rows_done + $${params.length}`);
    } else {
      params.push(JSON_STEP_COLUMNS.has(key) && value !== null ? JSON.stringify(value) : value);
      sets.push(`${ident(key)} = $${params.length}`);
    }
  }
  if (sets.length === 0) return { params };
  return { sql: `UPDATE schemashift.steps SET ${sets.join(', ')} WHERE plan_name = $1 AND step_id = $2`, params };
}
