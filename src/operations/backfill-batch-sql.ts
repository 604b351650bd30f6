/**
 * A backfill's statements, as the plan's dialect writes them (`Dialect.backfill`): kept here for the
 * callers that render every statement a plan entry sends (plan/generated-sql.ts).
 */
import type { BatchInput, BatchStatements, WalkInput } from '../dialects/backfill.js';
import type { Dialect } from '../dialects/dialect.js';

export { PRIMARY_KEY_PLACEHOLDER, type BatchStatements } from '../dialects/backfill.js';

export function batchStatements(d: Dialect, step: BatchInput, key: string[]): BatchStatements {
  return d.backfill.batchStatements(step, key);
}

/** Rows still to do: those matching `where`, after the checkpoint when there is one (`$1..$k`). */
export function remainingCountSql(d: Dialect, step: WalkInput, key: string[], afterKey: boolean): string {
  return d.backfill.remainingCount(step, key, afterKey);
}
