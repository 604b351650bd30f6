/**
 * An edited plan may not change what a rollback would undo for a step that already ran, neither
 * with `run --accept-drift` nor given to `rollback`: undo SQL is built from the plan text, so an
 * edit that points a finished step at another object (add_column `nick` → `nickname`, which exists
 * with data) would make rollback drop that other object.
 */
import { DriftError } from '../errors.js';
import type { CompiledPlan } from '../plan/compile.js';
import type { StateStore, StepRow } from '../state/store.js';
import { planDrift, readRecordedPlan, undoSignature, type DriftItem, type RecordedPlan } from './drift.js';
import { startedBefore } from './ownership.js';

/** A step of the entry began (done, running, failed, interrupted, or sent) and was not rolled back. */
function ran(rows: StepRow[], entryId: string): StepRow[] {
  return rows.filter(
    (r) => r.entry_id === entryId && r.status !== 'undone' && (startedBefore(r) || r.checkpoint?.sent === true),
  );
}

/** One line per edited entry whose steps ran and whose undo the edit changes (or whose old undo is unknown). */
export function undoChanges(
  compiled: CompiledPlan,
  drift: DriftItem[],
  rows: StepRow[],
  before: RecordedPlan | undefined,
): string[] {
  const problems: string[] = [];
  for (const item of drift.filter((i) => i.change === 'changed')) {
    const entry = compiled.entries.find((e) => e.entry.id === item.entryId);
    const started = ran(rows, item.entryId);
    if (!entry || started.length === 0) continue;
    const recorded = before?.entries[item.entryId]?.undo;
    const now = undoSignature(entry.inverse);
    if (recorded === now) continue;
    const why =
      recorded === undefined
        ? 'what its rollback would undo under the old text was not recorded'
        : 'the edit changes what its rollback undoes';
    problems.push(
      `  ${item.entryId} (line ${entry.entry.at.line}): ${started
        .map((r) => `${r.step_id} is ${r.status}`)
        .join(', ')}, and ${why}`,
    );
  }
  return problems;
}

/** Throws DriftError (exit 2) when an accepted drift would change the undo of a step that ran. */
export function refuseDriftThatChangesUndo(
  compiled: CompiledPlan,
  drift: DriftItem[],
  rows: StepRow[],
  before: RecordedPlan | undefined,
  command: (verb: string) => string,
): void {
  const problems = undoChanges(compiled, drift, rows, before);
  if (problems.length === 0) return;
  throw new DriftError(
    `--accept-drift refused: steps that already ran were edited so that rollback would undo something else ` +
      `(the undo is built from the plan text):\n${problems.join('\n')}`,
    `restore the plan as it was; to change course, roll back first (${command('rollback')}) and then run the ` +
      `edited plan, or finish this plan and write a new one`,
  );
}

/**
 * rollback given a plan file edited since its run started: refused (exit 2) when that changes the undo of a step that
 * ran.
 */
export async function refuseEditedUndo(store: StateStore, compiled: CompiledPlan, rows: StepRow[]): Promise<void> {
  const recorded = await readRecordedPlan(store, compiled.plan.name);
  const problems = undoChanges(compiled, planDrift(compiled.plan, rows, recorded), rows, recorded);
  if (problems.length === 0) return;
  throw new DriftError(
    `plan ${compiled.plan.name} was edited after its steps ran, so its rollback would undo something else ` +
      `than what they did (nothing was undone):\n${problems.join('\n')}`,
    'roll back with the plan file as it was when those steps ran (restore it from version control)',
  );
}
