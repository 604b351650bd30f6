/**
 * db-carry-lost: a change_type or rename_column entry whose old column has something attached
 * (NOT NULL, default, index, constraint, grant, comment…) that the entry does not carry, or a
 * dependent (view, inbound foreign key) that would make contract fail after it started.
 */
import type { Queryable } from '../../db/connection.js';
import { carryEntries, checkCarryEntry } from '../../introspect/carry-entries.js';
import type { CompiledPlan } from '../../plan/compile.js';
import type { Finding } from '../types.js';

export async function checkCarriedAttachments(db: Queryable, compiled: CompiledPlan): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const carry of carryEntries(compiled)) {
    const problem = await checkCarryEntry(db, carry);
    if (!problem) continue;
    if (carry.entry.lint?.ignore.includes('db-carry-lost')) continue;
    findings.push({ rule: 'db-carry-lost', ...problem, at: compiled.plan.locate(carry.path), stepId: carry.entry.id });
  }
  return findings;
}
