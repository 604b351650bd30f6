/**
 * Before a run executes anything: every change_type / rename_column entry whose contract swap has
 * not happened yet is checked against the catalog again (the database may have changed since
 * `validate --database`). Something the entry would lose, or a dependent that would make contract
 * fail after it started (an inbound foreign key, a view), stops the run with exit 2.
 */
import type { Queryable } from '../db/connection.js';
import { PlanError, type PlanProblem } from '../errors.js';
import { carryEntries, checkCarryEntry } from '../introspect/carry-entries.js';
import type { CompiledPlan } from '../plan/compile.js';
import type { StepRow } from '../state/store.js';

const SWAP_STEP = /\/(swap|drop-old-column)$/;

export async function refuseUncarriedAttachments(
  db: Queryable,
  compiled: CompiledPlan,
  rows: StepRow[],
): Promise<void> {
  const done = new Set(rows.filter((r) => r.status === 'done').map((r) => r.step_id));
  const problems: PlanProblem[] = [];
  for (const carry of carryEntries(compiled)) {
    const steps = compiled.entries.find((e) => e.entry.id === carry.entry.id)?.steps ?? [];
    if (steps.some((s) => SWAP_STEP.test(s.id) && done.has(s.id))) continue;
    const problem = await checkCarryEntry(db, carry);
    if (problem?.severity === 'error')
      problems.push({ at: compiled.plan.locate(carry.path), message: problem.message, hint: problem.help });
  }
  if (problems.length > 0) throw new PlanError(problems);
}
