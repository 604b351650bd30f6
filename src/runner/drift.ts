/**
 * A plan file that changed after its run started: which steps were added, removed or changed, and
 * for a changed one which keys, old → new. The old specs come from the latest `run-start` event,
 * which records every step's spec as written; runs started before it did still get the step list.
 */
import type { Inverse } from '../operations/types.js';
import type { CompiledEntry } from '../plan/compile.js';
import type { Plan, PlanEntry } from '../plan/types.js';
import type { StateStore, StepRow } from '../state/store.js';

/** One entry of the plan as it was when a run started: what its hash covers. */
export interface RecordedEntry {
  hash: string;
  kind: string;
  spec: unknown;
  lint: unknown;
  /** What rollback runs for this entry (undoSignature), so that --accept-drift can tell whether an edit changes it. */
  undo?: string;
}

export interface RecordedPlan {
  entries: Record<string, RecordedEntry>;
  settings?: unknown;
}

export interface KeyChange {
  /** Dotted path inside the step, e.g. `type` or `sync_from.expression`; `kind` when the operation changed. */
  key: string;
  before: unknown;
  after: unknown;
  /** Line of the new value in the plan file. */
  line?: number;
}

export interface DriftItem {
  entryId: string;
  change: 'added' | 'removed' | 'changed';
  /** State of the recorded steps of that entry (for a removed or changed one). */
  recordedStatus?: string;
  line?: number;
  /** For a changed entry: what changed. Absent when the run started before specs were recorded. */
  keys?: KeyChange[];
}

/**
 * What the `run-start` event records, so that a later drift can say what changed (and, with `compiled`, whether it
 * changes what rollback undoes).
 */
export function recordPlan(plan: Plan, compiled?: CompiledEntry[]): { recorded: RecordedPlan } {
  const entries: Record<string, RecordedEntry> = {};
  const undo = new Map(compiled?.map((c) => [c.entry.id, undoSignature(c.inverse)]));
  for (const e of plan.entries) {
    const signature = undo.get(e.id);
    entries[e.id] = {
      hash: e.hash,
      kind: e.kind,
      spec: e.raw ?? null,
      lint: e.lint ?? null,
      ...(signature !== undefined ? { undo: signature } : {}),
    };
  }
  return { recorded: { entries, settings: plan.settings } };
}

/** The plan as recorded by the latest run start, or undefined (no run, or one by an older schemashift). */
export async function readRecordedPlan(store: StateStore, planName: string): Promise<RecordedPlan | undefined> {
  return ((await store.recordedPlan(planName)) ?? undefined) as RecordedPlan | undefined;
}

/** The statements an entry's rollback would run and which forward step each undoes, as one comparable string. */
export function undoSignature(inverse: Inverse): string {
  if (!('steps' in inverse)) return 'irreversible';
  return JSON.stringify(
    inverse.steps.map((s) =>
      s.kind === 'sql' ? [s.id, s.undoes ?? null, s.sql] : [s.id, s.kind, { ...s, summary: undefined }],
    ),
  );
}

export function planDrift(plan: Plan, recorded: StepRow[], before?: RecordedPlan): DriftItem[] {
  const recordedEntries = new Map<string, { hash: string; statuses: string[] }>();
  for (const row of recorded) {
    const seen = recordedEntries.get(row.entry_id);
    if (seen) seen.statuses.push(row.status);
    else recordedEntries.set(row.entry_id, { hash: row.entry_hash, statuses: [row.status] });
  }
  const items: DriftItem[] = [];
  for (const entry of plan.entries) {
    const was = recordedEntries.get(entry.id);
    if (!was) items.push({ entryId: entry.id, change: 'added', line: entry.at.line });
    else if (was.hash !== entry.hash) {
      const old = before?.entries[entry.id];
      const keys = old && old.hash === was.hash ? entryChanges(plan, entry, old) : undefined;
      items.push({
        entryId: entry.id,
        change: 'changed',
        recordedStatus: summarize(was.statuses),
        line: entry.at.line,
        ...(keys ? { keys } : {}),
      });
    }
    recordedEntries.delete(entry.id);
  }
  for (const [entryId, was] of recordedEntries)
    items.push({ entryId, change: 'removed', recordedStatus: summarize(was.statuses) });
  const settings: KeyChange[] = [];
  if (before?.settings !== undefined) diffValues(before.settings, plan.settings, [], settings);
  if (settings.length > 0)
    items.push({
      entryId: '(settings)',
      change: 'changed',
      keys: settings.map((c) => ({ ...c, key: `settings.${c.key}` })),
    });
  return items;
}

function entryChanges(plan: Plan, entry: PlanEntry, old: RecordedEntry): KeyChange[] {
  const changes: KeyChange[] = [];
  if (old.kind !== entry.kind) changes.push({ key: 'kind', before: old.kind, after: entry.kind, line: entry.at.line });
  diffValues(old.spec, entry.raw ?? null, [], changes);
  if (JSON.stringify(old.lint) !== JSON.stringify(entry.lint ?? null))
    changes.push({ key: 'lint', before: old.lint, after: entry.lint ?? null });
  for (const c of changes)
    if (c.key !== 'kind' && c.key !== 'lint') c.line = plan.locate([...entry.path, ...c.key.split('.')]).line;
  return changes;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Objects are compared key by key (sorted); anything else (scalars, lists) as a whole value. */
function diffValues(before: unknown, after: unknown, path: string[], out: KeyChange[]): void {
  if (isRecord(before) && isRecord(after)) {
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort())
      diffValues(before[key], after[key], [...path, key], out);
    return;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  out.push({ key: path.length > 0 ? path.join('.') : '(value)', before, after });
}

function summarize(statuses: string[]): string {
  if (statuses.every((s) => s === 'done')) return 'done';
  if (statuses.every((s) => s === 'pending' || s === 'undone')) return 'not started';
  return 'partly done';
}

function shown(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

export function describeDrift(items: DriftItem[]): string {
  if (items.length === 0)
    return "  the plan's settings, step order or phases changed (no step was added, removed or edited)";
  return items
    .map((i) => {
      const head = `  ${i.change.padEnd(7)} ${i.entryId}${
        i.line ? ` (line ${i.line})` : ''
      }${i.recordedStatus ? ` — recorded as ${i.recordedStatus}` : ''}`;
      if (i.change !== 'changed') return head;
      if (!i.keys)
        return (
          `${head}\n      (which keys changed is unknown: this run started ` + `before schemashift recorded step specs)`
        );
      return [
        head,
        ...i.keys.map(
          (k) => `      ${k.key}: ${shown(k.before)} → ${shown(k.after)}${k.line ? ` (line ${k.line})` : ''}`,
        ),
      ].join('\n');
    })
    .join('\n');
}
