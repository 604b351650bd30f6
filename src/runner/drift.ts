/** A plan file that changed after its run started: which steps differ. */
import type { Plan } from '../plan/types.js';
import type { StepRow } from '../state/store.js';

export interface DriftItem {
  entryId: string;
  change: 'added' | 'removed' | 'changed';
  /** State of the recorded steps of that entry (for a removed or changed one). */
  recordedStatus?: string;
  line?: number;
}

export function planDrift(plan: Plan, recorded: StepRow[]): DriftItem[] {
  const recordedEntries = new Map<string, { hash: string; statuses: string[] }>();
  for (const row of recorded) {
    const seen = recordedEntries.get(row.entry_id);
    if (seen) seen.statuses.push(row.status);
    else recordedEntries.set(row.entry_id, { hash: row.entry_hash, statuses: [row.status] });
  }
  const items: DriftItem[] = [];
  for (const entry of plan.entries) {
    const before = recordedEntries.get(entry.id);
    if (!before) items.push({ entryId: entry.id, change: 'added', line: entry.at.line });
    else if (before.hash !== entry.hash) items.push({ entryId: entry.id, change: 'changed', recordedStatus: summarize(before.statuses), line: entry.at.line });
    recordedEntries.delete(entry.id);
  }
  for (const [entryId, before] of recordedEntries) items.push({ entryId, change: 'removed', recordedStatus: summarize(before.statuses) });
  return items;
}

function summarize(statuses: string[]): string {
  if (statuses.every((s) => s === 'done')) return 'done';
  if (statuses.every((s) => s === 'pending' || s === 'undone')) return 'not started';
  return 'partly done';
}

export function describeDrift(items: DriftItem[]): string {
  return items
    .map((i) => `  ${i.change.padEnd(7)} ${i.entryId}${i.line ? ` (line ${i.line})` : ''}${i.recordedStatus ? ` — recorded as ${i.recordedStatus}` : ''}`)
    .join('\n');
}
