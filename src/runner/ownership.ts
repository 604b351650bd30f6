/**
 * Whose is an effect already in place? A step's probe only says "in place"; this plan's state says
 * whether this plan put it there. A step whose statement may have been sent before (mayHaveRun)
 * and finds its effect in place made it (the record was lost to a crash). Otherwise, an effect already in place
 * was not made by this plan: the object is adopted only when the plan says `if_exists: adopt` and
 * its definition matches the plan's; otherwise the step is refused before anything runs. A
 * removing step whose object is missing on a first attempt is refused too (a typo), unless this
 * plan creates that object.
 */
import { UsageError } from '../errors.js';
import { findOperation } from '../operations/index.js';
import { describeObject, objectKey } from '../operations/objects.js';
import type { SqlStep, Step } from '../operations/types.js';
import type { CompiledEntry, CompiledPlan } from '../plan/compile.js';
import type { StepRow } from '../state/store.js';
import type { RunContext } from './context.js';

/** Refused on ownership grounds: nothing of the step ran. Carries the step for reports (`schemashift test`). */
export class OwnershipError extends UsageError {
  constructor(
    readonly stepId: string,
    message: string,
    hint: string,
  ) {
    super(message, hint);
    this.name = 'OwnershipError';
  }
}

export type OwnershipVerdict = 'run' | 'already' | 'adopt';

/**
 * A step this run has begun (an attempt was counted, even one refused or killed before it sent
 * anything): the run is continued rather than started over, and its plan text must not drift.
 * Says nothing about whether the step's effect is this plan's: see mayHaveRun.
 */
export function startedBefore(row: StepRow | undefined): boolean {
  return row !== undefined && (row.attempts > 0 || ['running', 'failed', 'interrupted', 'done'].includes(row.status));
}

/** The mark a non-transactional SQL step's row gets once its verdict is "run", before its statement is sent. */
export const SENT_CHECKPOINT = { sent: true } as const;

/**
 * Whether the step's statement may have taken effect in an earlier attempt, so that an effect found
 * in place is this plan's own. A transactional SQL step is recorded done in the transaction of its
 * statement: unless done, nothing of it happened (a step killed or disconnected while its ownership
 * was being checked is running/failed, yet sent nothing). A non-transactional one counts once it was
 * marked sent (SENT_CHECKPOINT) right before its statement went out. Other steps (backfills write in
 * committed batches) count as soon as they started.
 */
export function mayHaveRun(step: Step | undefined, row: StepRow | undefined): boolean {
  if (row === undefined || row.status === 'undone' || row.adopted) return false;
  if (row.status === 'done') return true;
  if (step?.kind !== 'sql') return startedBefore(row);
  return !step.transactional && row.checkpoint?.sent === true;
}

function entryOf(plan: CompiledPlan, stepId: string): CompiledEntry | undefined {
  return plan.entries.find((e) => e.steps.some((s) => s.id === stepId));
}

function undoneByInverse(entry: CompiledEntry | undefined, stepId: string): Step[] {
  if (!entry || !('steps' in entry.inverse)) return [];
  return entry.inverse.steps.filter((s) => s.kind === 'sql' && s.undoes === stepId);
}

/** Keys of every object some step of the plan creates. */
export function createdByPlan(plan: CompiledPlan): Set<string> {
  const keys = new Set<string>();
  for (const entry of plan.entries) {
    for (const step of entry.steps)
      if (step.kind === 'sql' && step.effect?.does === 'create') keys.add(objectKey(step.effect.object));
  }
  return keys;
}

type LiveDefinition = Record<string, unknown>;

async function liveDefinition(ctx: RunContext, step: SqlStep): Promise<LiveDefinition | null> {
  const { rows } = await ctx.session.query<{ def: LiveDefinition | null }>(
    ctx.plan.dialect.probes.objectDefinition(step.effect!.object),
  );
  return rows[0]?.def ?? null;
}

const ADOPT_HINT =
  'add `if_exists: adopt` to this step to take it over (rollback then leaves it in place), or pick another ' +
  'name, or remove the step';

/** Adopting is suggested only where the operation allows it for this spec. */
function notOursHint(entry: CompiledEntry | undefined): string {
  const refusal = entry && findOperation(entry.entry.kind)?.adoptRefusal?.(entry.entry.spec);
  return refusal
    ? `this step cannot adopt it (${refusal.reason}): pick another name, or remove the object by hand, or remove the step`
    : ADOPT_HINT;
}

/** The effect was in place before this plan ran the step: adopt it if the plan says so and it matches, else refuse. */
function preexisting(
  ctx: RunContext,
  step: SqlStep,
  entry: CompiledEntry | undefined,
  live: LiveDefinition | null,
): OwnershipVerdict {
  const object = describeObject(step.effect!.object);
  const where = entry ? ` (${entry.entry.id}, line ${entry.entry.at.line})` : '';
  const what = live ? `${object} already exists` : `${step.summary}: already in place`;
  if (!entry?.entry.adopt && !step.effect!.adoptExisting) {
    throw new OwnershipError(step.id, `${what} and was not created by this plan${where}`, notOursHint(entry));
  }
  if (
    entry?.inverse &&
    'steps' in entry.inverse &&
    entry.inverse.steps.some((s) => s.kind !== 'sql' || s.undoes === undefined)
  ) {
    throw new OwnershipError(
      step.id,
      `${what}${where}: this step cannot adopt it, because its undo does not say what it removes (a rollback ` +
        `could drop what it adopted)`,
      'remove the object by hand or rename it, then run again; or write the change without `down` SQL that drops it',
    );
  }
  const differences = live ? ctx.plan.dialect.probes.definitionDifferences(step.effect!.object, live) : [];
  if (differences.length > 0) {
    throw new OwnershipError(
      step.id,
      `${what} but differs from the plan${where}, so it is not adopted:\n  - ${differences.join('\n  - ')}`,
      'make the plan say what exists, or fix the object by hand, or pick another name',
    );
  }
  return 'adopt';
}

/** What to do with a SQL step given its probe and this plan's state for it. Throws OwnershipError to refuse. */
export async function decideOwnership(
  ctx: RunContext,
  step: SqlStep,
  row: StepRow | undefined,
  inPlace: () => Promise<boolean>,
): Promise<OwnershipVerdict> {
  const effect = step.effect;
  if (!effect || mayHaveRun(step, row)) return (await inPlace()) ? 'already' : 'run';
  const entry = entryOf(ctx.plan, step.id);
  switch (effect.does) {
    case 'create': {
      const live = await liveDefinition(ctx, step);
      if (live !== null || (await inPlace())) return preexisting(ctx, step, entry, live);
      return 'run';
    }
    case 'remove': {
      if (!(await inPlace())) return 'run';
      if (createdByPlan(ctx.plan).has(objectKey(effect.object))) return 'already';
      const where = entry ? ` (${entry.entry.id}, line ${entry.entry.at.line})` : '';
      throw new OwnershipError(
        step.id,
        `${describeObject(effect.object)} does not exist, so ${step.id} has nothing to remove${where}`,
        'check the name (a typo removes nothing while the real object stays); if it is gone on purpose, ' +
          'remove this step',
      );
    }
    case 'change': {
      if (!(await inPlace())) return 'run';
      return undoneByInverse(entry, step.id).length > 0 ? preexisting(ctx, step, entry, null) : 'already';
    }
  }
}

/** Why an adopted step was skipped, for people: adopted on the plan's word, or shared and used as it is. */
export function adoptedReason(step: Step): string {
  return step.kind === 'sql' && step.effect?.adoptExisting
    ? 'already in place before this plan: used as it is; rollback leaves it'
    : 'adopted: it was already in place before this plan (if_exists: adopt); rollback leaves it';
}
