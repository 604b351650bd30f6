import type { z } from 'zod';
import type { LockImpact } from '../dialects/actions.js';
import type { RuntimeForeignAction } from '../dialects/actions-foreign.js';
import type { Dialect } from '../dialects/dialect.js';
import type { DbObject } from '../dialects/probes.js';

export const PHASES = ['expand', 'migrate', 'contract'] as const;
export type Phase = (typeof PHASES)[number];

/** The lock names steps show (PostgreSQL's table lock modes), weakest first; `none` for no table lock. */
export const LOCK_ORDER = [
  'none',
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;
export type LockLevel = (typeof LOCK_ORDER)[number];

export interface LockInfo {
  /** The dialect's own name for the lock (PostgreSQL's lock modes today). */
  level: LockLevel;
  /** What the lock does to the application; the dialect-neutral reading of `level`. */
  impact: LockImpact;
  /** The tables (as written in the plan) the lock is taken on. */
  on: string[];
}

interface StepBase {
  /** Stable across runs of the same plan: the state key of this step. */
  id: string;
  phase: Phase;
  /** One line for people: "add column orders.customer_id". */
  summary: string;
}

export type { DbObject } from '../dialects/probes.js';

/**
 * What a SQL step's probe means. `create`: the probe says the object exists as the plan defines it;
 * on a first attempt an object that already exists was not made by this plan (adopted only when the
 * plan says `if_exists: adopt`). `remove`: the probe says the object is gone; on a first attempt a
 * missing object is an error (a typo), unless this plan creates it. `change`: the probe says the
 * change is in place; on a first attempt, a change already in place that a rollback would undo
 * belongs to someone else (adopted or refused like an object).
 */
export interface StepEffect {
  does: 'create' | 'remove' | 'change';
  object: DbObject;
  /**
   * An object that already exists is used as it is (adopted without `if_exists: adopt`, so rollback
   * leaves it), provided its definition matches: an extension or foreign server a view shares.
   */
  adoptExisting?: true;
}

export interface SqlStep extends StepBase {
  kind: 'sql';
  /** Exactly what will be sent to the database. */
  sql: string;
  lock: LockInfo;
  /** False for statements PostgreSQL refuses inside a transaction block (CONCURRENTLY). */
  transactional: boolean;
  /**
   * A query returning one row with one boolean: true when the step's effect is already in place
   * (so a run that crashed between executing and recording it can skip it safely).
   */
  probe?: string;
  /**
   * For CREATE INDEX CONCURRENTLY: the index that a failed build leaves behind INVALID. The runner
   * drops it (concurrently) and builds again. Schema-qualified when the table is.
   */
  buildsIndex?: string;
  /** What the probe means, for ownership decisions on a first attempt (absent: the probe alone decides). */
  effect?: StepEffect;
  /** On an inverse step: the forward step whose effect it removes (skipped when that step never ran or adopted). */
  undoes?: string;
  /**
   * The statement holds values read from the environment when the step runs (a foreign server's
   * connection, a user mapping's password): `sql` shows placeholders, and is all that is printed or
   * recorded; the runner renders this action with the values just before sending it.
   */
  runtime?: RuntimeForeignAction;
}

export interface BatchSettings {
  size: number;
  delayMs: number;
  targetMs?: number;
  maxRowsPerSecond?: number;
  /** Batches run at once, each on its own connection (absent: one). */
  workers?: number;
  /** No size, delay or target_ms in the plan: size and delay are where the pace starts, and follow the database. */
  adaptive?: true;
}

export interface ThrottleSettings {
  maxReplicaLagMs?: number;
  maxLockWaiters?: number;
  query?: string;
  above?: number;
}

export interface BackfillStep extends StepBase {
  kind: 'backfill';
  table: string;
  /** column → SQL expression */
  set: Record<string, string>;
  where?: string;
  /** Keyset columns from the spec's `key`; absent: the executor finds the primary key at run time. */
  key?: string[];
  batch: BatchSettings;
  throttle: ThrottleSettings;
  /** The shape of one batch's statement, with $1.. placeholders for the key range; shown by `plan`. */
  batchSql: string;
  lock: LockInfo;
}

/** A read-only walk of the key in chunks comparing new columns with their old expressions; contract waits for it. */
export interface VerifyStep extends StepBase {
  kind: 'verify';
  table: string;
  /** new column → SQL expression over the old columns it must equal (IS NOT DISTINCT FROM). */
  compare: Record<string, string>;
  where?: string;
  key?: string[];
  batch: BatchSettings;
  throttle: ThrottleSettings;
  /** The shape of one chunk's statements, with $1.. placeholders for the key range; shown by `plan`. */
  chunkSql: string;
  /** Chunks are read on a `--replica` standby (state is still written on the primary). Absent: on the primary. */
  on?: 'replica';
  lock: LockInfo;
}

export interface CheckStep extends StepBase {
  kind: 'check';
  sql: string;
  expect: string | number | boolean | null;
}

export interface GateStep extends StepBase {
  kind: 'gate';
  confirm: string;
}

export interface FlagRolloutStep extends StepBase {
  kind: 'flag_rollout';
  flag: string;
  stages: number[];
  holdMs: number;
  /** Absent: the store decides when it writes (the flag's own filter, else its format's default). */
  filter?: 'targeting' | 'percentage';
  guard?: { sql: string; max: number };
}

/** What one blue/green step does (src/runner/replication/*); the `undo-*` stages are the inverses. */
export type ReplicationStage =
  'replicate' | 'catch_up' | 'switch' | 'drop_replication' | 'undo-replicate' | 'undo-switch';

/** The replication objects of one direction, all of one name (named after the plan). */
export interface ReplicationNames {
  forward: string;
  reverse: string;
}

export interface ReplicateSettings {
  /** Tables as the plan wrote them; `all`: every ordinary table, resolved when the step runs. */
  tables: string[] | 'all';
  /** The variable holding green's URL (schemashift and blue's reverse subscription connect with it). */
  greenEnv: string;
  /** The variable holding the URL green's subscription connects to blue with. */
  blueEnv: string;
  schema: 'copy' | 'existing';
}

export interface CatchUpSettings {
  maxLagBytes: number;
  timeoutMs: number;
  verify: boolean;
  chunk: number;
  rechecks: number;
}

export interface SwitchSettings {
  confirm: string;
  quietMs: number;
  timeoutMs: number;
  keepBlueMs: number;
}

/** A blue/green step over PostgreSQL logical replication; the runner's database is blue and holds the state. */
export interface ReplicationStep extends StepBase {
  kind: 'replication';
  stage: ReplicationStage;
  names: ReplicationNames;
  /** What `plan` shows: what the step does, one line per action. */
  actions: string[];
  replicate?: ReplicateSettings;
  catchUp?: CatchUpSettings;
  switch?: SwitchSettings;
}

export type Step = SqlStep | BackfillStep | VerifyStep | CheckStep | GateStep | FlagRolloutStep | ReplicationStep;

/** What undoing an operation takes, or why it cannot be undone. */
export type Inverse = { steps: Step[] } | { irreversible: string };

export interface OperationContext {
  dialect: Dialect;
  /** The plan step id; generated step ids extend it (`<id>`, `<id>/validate`). */
  id: string;
  /** The phase the operation is listed under. */
  phase: Phase;
  /** The plan's name, for what a step leaves behind outside the run (a pg_cron job) to say whose it is. */
  plan?: string;
}

export interface Operation<Spec = unknown> {
  /** The YAML key, e.g. `add_column`. */
  kind: string;
  /** One sentence for docs and the JSON schema. */
  description: string;
  /** Validates and normalises the YAML value (defaults applied, durations in ms). */
  // The YAML input each schema accepts differs (defaults, durations as text): only its output is typed.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  schema: z.ZodType<Spec, any>;
  /** Phases the operation may be listed under; a composite one spans phases from where it is listed. */
  allowedPhases: readonly Phase[];
  /**
   * The phases this spec may be listed under, when they depend on its fields (a composite form of an
   * operation spans expand → contract, so it is listed under expand); default allowedPhases.
   */
  phasesOf?(spec: Spec): readonly Phase[];
  /** A short stable label of what the operation touches, e.g. `orders.customer_id`: default step ids. */
  target(spec: Spec): string;
  /** Steps to run, in order. Pure: no I/O. */
  forward(spec: Spec, ctx: OperationContext): Step[];
  /** Steps that undo `forward`, in the order to run them, or why that is impossible. */
  inverse(spec: Spec, ctx: OperationContext): Inverse;
  /**
   * Why `if_exists: adopt` is refused for this spec (checked when the plan is loaded), or undefined
   * when adopting is safe: an adopted object must never be written to or dropped by this plan.
   */
  adoptRefusal?(spec: Spec): { reason: string; hint: string } | undefined;
}

/** Helps each operation file declare itself with full type inference. */
export function defineOperation<Spec>(op: Operation<Spec>): Operation<Spec> {
  return op;
}
