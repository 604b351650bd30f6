/**
 * `schemashift` as a library: load, validate and compile a plan, run it with events, read its status.
 * The CLI (src/cli/) is built on these same functions; nothing here prints.
 *
 *   const compiled = compilePlan(await loadPlanFile('plans/add-foreign-key.yaml'));
 *   const conn = await connect(process.env.DATABASE_URL!, {
 *     applicationName: runnerApplicationName(compiled.plan.name),
 *   });
 *   try {
 *     await runPlan(conn, compiled, { mode: 'run', acceptDrift: false, answers: { yes: true }, emit: console.log,
 *       signal: AbortSignal.timeout(60_000), command: (verb) => `schemashift ${verb}` });
 *   } finally {
 *     await conn.close();
 *   }
 */

// Plans: load (YAML file or text), compile into steps, lint.
export { loadPlanFile, parsePlan } from './plan/load.js';
export type { LintSuppression, Plan, PlanEntry, PlanSettings } from './plan/types.js';
export { compilePlan } from './plan/compile.js';
export type { CompiledEntry, CompiledPhase, CompiledPlan, CompiledStep } from './plan/compile.js';
export { PHASES } from './operations/types.js';
export type {
  BackfillStep,
  CheckStep,
  FlagRolloutStep,
  GateStep,
  Inverse,
  LockInfo,
  LockLevel,
  Phase,
  SqlStep,
  Step,
  VerifyStep,
} from './operations/types.js';
export { OPERATION_KINDS } from './operations/index.js';
export { lintPlan } from './lint/lint-plan.js';
export type { Finding, Severity } from './lint/types.js';

// Running: forwards, rollback, the events a run emits.
export { runPlan, type RunOptions, type RunOutcome } from './runner/run-plan.js';
export { rollbackPlan, type RollbackOptions, type RollbackOutcome } from './runner/rollback.js';
export type { GateAnswerer } from './runner/run-step.js';
export type { BackfillProgress, Blocker, RunnerEvent, RunnerListener } from './runner/events.js';
export { runnerApplicationName } from './runner/runner-lock.js';
export type { Replica } from './runner/replicas.js';
export { openReplicas, parseReplicaUrls, type OpenReplicas, type ReplicaUrl } from './cli/replicas.js';

// Status: what every recorded run has done and what comes next.
export { readStatus, type NextAction, type PlanStatus } from './status.js';
export type { RunRow, RunStatus, StepRow, StepStatus } from './state/store.js';

// Databases and dialects.
export { connect, maskUrl, redact } from './db/index.js';
export type { ConnectOptions, Connection, QueryResult, Queryable, Session } from './db/index.js';
export type { Dialect, DialectCapabilities, DialectName } from './dialects/dialect.js';
export { dialectNamed } from './dialects/registry.js';

// Errors: each carries the CLI's exit code (`exitCode`) and a stable `errorCode`.
export {
  DatabaseError,
  DriftError,
  LockedError,
  NoDatabaseError,
  PlanError,
  UsageError,
  UserError,
  formatProblem,
  isUserFacingError,
} from './errors.js';
export type { PlanProblem, SourcePos, UserFacingError } from './errors.js';
