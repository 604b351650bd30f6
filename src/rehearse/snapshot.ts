/**
 * A comparable picture of a database's user schemas (taken by the dialect's
 * `introspect.rehearsal.snapshot`). A rollback rehearsal takes one before and one after, and any
 * difference is a finding.
 */
import type { Queryable } from '../db/connection.js';
import type { Dialect } from '../dialects/dialect.js';
import type { CatalogSnapshot } from '../dialects/rehearsal.js';

/** `kind name` → description, e.g. `column public.orders.total` → `numeric(12,2) not null`. */
export type Snapshot = CatalogSnapshot;

export function takeSnapshot(db: Queryable, d: Dialect): Promise<Snapshot> {
  return d.introspect.rehearsal.snapshot(db);
}

/** What differs, one line each, sorted: `left behind: …`, `missing: …`, `changed: …`. */
export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const lines: string[] = [];
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const was = before.get(key);
    const now = after.get(key);
    if (was === now) continue;
    if (was === undefined) lines.push(`left behind: ${key} (${now})`);
    else if (now === undefined) lines.push(`missing: ${key} (was ${was})`);
    else lines.push(`changed: ${key}: was ${was}, now ${now}`);
  }
  return lines;
}
