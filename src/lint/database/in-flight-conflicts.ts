/**
 * db-in-flight-conflict: a plan being validated and a plan in flight on the database (started, not
 * finished, as its state records it) touch the same table column, at least one of them writing or
 * contracting it, and neither waits (`after:`) for the other past the phases that touch it.
 */
import { PHASES, type Phase } from '../../operations/types.js';
import type { PlanDependency } from '../../plan/after.js';
import type { CompiledPlan } from '../../plan/compile.js';
import { recordedAfter, type RecordedPlanWithOrder } from '../../runner/plan-order.js';
import { phaseRank } from '../../runner/plan-standing.js';
import type { StateStore } from '../../state/store.js';
import type { Finding } from '../types.js';
import { entryFootprint, type Access, type Touch } from './plan-footprint.js';

export interface FootprintedPlan {
  name: string;
  after: PlanDependency[];
  touches: Touch[];
}

/** Contracting happens at contract, whatever phase the entry is listed under. */
function touchesOf(kind: string, spec: unknown, entryId: string, phase: Phase): Touch[] {
  return entryFootprint(kind, spec, entryId, phase).map((t) =>
    t.access === 'contract' ? { ...t, phase: 'contract' } : t,
  );
}

/** Plans in flight on the database, with what their recorded entries touch. */
export async function inFlightFootprints(store: StateStore): Promise<FootprintedPlan[]> {
  if (!(await store.exists())) return [];
  const plans: FootprintedPlan[] = [];
  for (const run of await store.listRuns()) {
    if (run.status === 'done' || run.status === 'rolled_back') continue;
    const recorded = (await store.recordedPlan(run.plan_name)) as RecordedPlanWithOrder | undefined | null;
    const phaseOf = new Map<string, Phase>();
    for (const step of await store.getSteps(run.plan_name)) {
      const known = phaseOf.get(step.entry_id);
      if (known === undefined || phaseRank(step.phase) < phaseRank(known))
        phaseOf.set(step.entry_id, step.phase as Phase);
    }
    const touches = Object.entries(recorded?.entries ?? {}).flatMap(([id, entry]) =>
      touchesOf(entry.kind, entry.spec, id, phaseOf.get(id) ?? PHASES[0]),
    );
    plans.push({ name: run.plan_name, after: await recordedAfter(store, run.plan_name), touches });
  }
  return plans;
}

export function footprintOf(compiled: CompiledPlan): FootprintedPlan {
  const { plan } = compiled;
  return {
    name: plan.name,
    after: plan.after ?? [],
    touches: plan.entries.flatMap((e) => touchesOf(e.kind, e.spec, e.id, e.phase)),
  };
}

const sameColumn = (a: Touch, b: Touch) =>
  a.table === b.table && (a.column === b.column || a.column === '*' || b.column === '*');

/** `waiter` starts only once `other` has finished every phase in which `touches` happen. */
function waitsPast(waiter: FootprintedPlan, other: string, touches: Touch[]): boolean {
  const dep = waiter.after.find((d) => d.plan === other);
  return dep !== undefined && touches.every((t) => phaseRank(dep.phase) >= phaseRank(t.phase));
}

const VERB: Record<Access, string> = {
  read: 'reads',
  write: 'writes',
  contract: 'contracts (drops, renames or retypes)',
};

export function conflictFindings(compiled: CompiledPlan, inFlight: FootprintedPlan[]): Finding[] {
  const mine = footprintOf(compiled);
  const findings: Finding[] = [];
  for (const other of inFlight.filter((p) => p.name !== mine.name)) {
    for (const entry of compiled.plan.entries) {
      const ours = mine.touches.filter((t) => t.entryId === entry.id);
      const clashes = ours.flatMap((a) =>
        other.touches
          .filter((b) => sameColumn(a, b) && (a.access !== 'read' || b.access !== 'read'))
          .map((b) => [a, b] as const),
      );
      if (clashes.length === 0) continue;
      if (
        waitsPast(
          mine,
          other.name,
          clashes.map(([, b]) => b),
        )
      )
        continue;
      if (
        waitsPast(
          other,
          mine.name,
          clashes.map(([a]) => a),
        )
      )
        continue;
      if (entry.lint?.ignore.includes('db-in-flight-conflict')) continue;
      const latest = PHASES[Math.max(...clashes.map(([, b]) => phaseRank(b.phase)))] ?? 'contract';
      findings.push(conflictFinding(compiled, entry.id, other, clashes, latest));
    }
  }
  return findings;
}

/** `add-email's add_column:users.email (expand) writes it, backfill:users.email (migrate) writes it`. */
function theirSteps(other: FootprintedPlan, ours: Touch, clashes: readonly (readonly [Touch, Touch])[]): string {
  const theirs = clashes
    .filter(([a]) => a === ours)
    .map(([, b]) => b)
    .sort((a, b) => phaseRank(a.phase) - phaseRank(b.phase) || a.entryId.localeCompare(b.entryId));
  const unique = theirs.filter(
    (t, i) => theirs.findIndex((u) => u.entryId === t.entryId && u.access === t.access) === i,
  );
  return `${other.name}'s ${unique.map((t) => `${t.entryId} (${t.phase}) ${VERB[t.access]} it`).join(', ')}`;
}

function conflictFinding(
  compiled: CompiledPlan,
  entryId: string,
  other: FootprintedPlan,
  clashes: readonly (readonly [Touch, Touch])[],
  phase: Phase,
): Finding {
  const [ours, theirs] = clashes[0]!;
  const entry = compiled.plan.entries.find((e) => e.id === entryId)!;
  const column = ours.column === '*' ? theirs.column : ours.column;
  const where = `${ours.table}.${column}`;
  return {
    rule: 'db-in-flight-conflict',
    severity: 'error',
    message:
      `plan ${compiled.plan.name} and plan ${other.name} (in flight on this database) both touch ${where}: ` +
      `${compiled.plan.name}'s ${ours.entryId} (${ours.phase}) ${VERB[ours.access]} it; ${theirSteps(other, ours, clashes)}`,
    help:
      `run them one after the other: add \`after: [{ plan: ${other.name}, phase: ${phase} }]\` to ${compiled.plan.name} ` +
      `(or \`after: [${other.name}]\` to wait for all of it), or fold both changes into one plan`,
    at: compiled.plan.locate(entry.path),
    stepId: entryId,
  };
}
