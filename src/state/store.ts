/**
 * schemashift's state in the target database: runs, their step rows and an append-only event log.
 * Every write that must be atomic with the work it records (a transactional DDL step, a backfill
 * batch) takes the Queryable of that transaction. Each dialect implements the store
 * (`dialect.state.openStore(db)`); this file holds only the contract and its row types.
 */
import type { Queryable } from '../db/connection.js';

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
  /** An adaptive backfill's pace: size, delay, and its last change with the reason (backfill-pace.ts). */
  pace?: StepPace | null;
}

export interface StepPace {
  size: number;
  delay_ms: number;
  baseline_ms: number | null;
  probe_ms: number | null;
  /** The last change: what moved and why; null until the first. */
  reason: string | null;
  changed_at: string | null;
  changes: number;
}

/** What the plan says a step row should be (the rest of StepRow is run state). */
export type StepDefinition = Pick<
  StepRow,
  'step_id' | 'ordinal' | 'phase' | 'kind' | 'summary' | 'entry_id' | 'entry_hash'
>;

export interface Actor {
  user: string;
  host: string;
  pid: number;
}

type RunFields = 'status' | 'phase' | 'contract_started' | 'finished_at' | 'paused' | 'pause_requested_by';

export type RunPatch = Partial<Pick<RunRow, RunFields>>;

type StepFields =
  | 'status'
  | 'checkpoint'
  | 'rows_total'
  | 'last_error'
  | 'waiting_on'
  | 'started_at'
  | 'finished_at'
  | 'adopted'
  | 'attempts'
  | 'pace';

/** Columns to set; `attempt` counts one more attempt, `add_rows` adds to rows_done. */
export type StepPatch = Partial<Pick<StepRow, StepFields>> & { attempt?: true; add_rows?: number };

export interface EventRow {
  id: string;
  step_id: string | null;
  at: Date;
  kind: string;
  message: string;
  actor: string | null;
  data: unknown;
}

export interface PlanIdentity {
  name: string;
  file: string;
  hash: string;
}

export interface StateStore {
  /** Whether the state tables are there at all (a database schemashift never ran on has none). */
  exists(): Promise<boolean>;
  /** Create or upgrade the state tables; safe when several runners start at once. */
  ensureSchema(): Promise<void>;
  getRun(plan: string): Promise<RunRow | undefined>;
  /** Every run, the most recently updated first. */
  listRuns(): Promise<RunRow[]>;
  /** The plan's step rows in ordinal order. */
  getSteps(plan: string): Promise<StepRow[]>;
  /** One step row, locked until the transaction on `db` ends (writers that merge into its checkpoint take turns). */
  stepForUpdate(plan: string, stepId: string, db: Queryable): Promise<StepRow>;
  /**
   * The probe of an adaptive backfill: one row rewritten and committed on `db` as an application's write would be;
   * its latency is the signal.
   */
  probeCommit(plan: string, db: Queryable): Promise<void>;
  /** Record a run (new, or taken over by this process) and make its step rows match the plan. */
  beginRun(plan: PlanIdentity, actor: Actor, steps: StepDefinition[]): Promise<void>;
  /**
   * Start over after a full rollback: the step rows of the rolled-back run go (its events stay), so
   * the next run begins from scratch under the plan as it is now.
   */
  resetRun(plan: string): Promise<void>;
  setRun(plan: string, patch: RunPatch, db?: Queryable): Promise<void>;
  setStep(plan: string, stepId: string, patch: StepPatch, db?: Queryable): Promise<void>;
  /** Append one event (the log is append-only). */
  event(
    plan: string,
    stepId: string | null,
    kind: string,
    message: string,
    data?: unknown,
    actor?: string,
    db?: Queryable,
  ): Promise<void>;
  /** The plan's last `limit` events, oldest first. */
  events(plan: string, limit?: number): Promise<EventRow[]>;
  /** `data.recorded` of the plan's latest run-start event that has one (the plan as that run saw it). */
  recordedPlan(plan: string): Promise<unknown>;
}
