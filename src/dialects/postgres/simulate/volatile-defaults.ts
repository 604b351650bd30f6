/**
 * `validate --database`: an add_column default that calls functions or operators schemashift does
 * not know is looked up in pg_proc. A VOLATILE one (any overload the name can resolve to) makes
 * ADD COLUMN rewrite the whole table under ACCESS EXCLUSIVE: an error, whatever the plan asserts.
 */
import type { Queryable } from '../../../db/connection.js';
import type { AddColumnSpec } from '../../../operations/add-column.js';
import { postgresRecipes } from '../lint/recipes.js';
import { volatileCallsQuery } from '../volatile-calls.js';
import type { CompiledPlan } from '../../../plan/compile.js';
import { unknownCalls } from '../sql/volatility.js';
import type { Finding } from '../../../lint/types.js';
import { DATABASE_RULES } from '../../../lint/database/rules.js';

export async function volatileDefaultFindings(db: Queryable, compiled: CompiledPlan): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const entry of compiled.plan.entries) {
    if (entry.kind !== 'add_column') continue;
    const spec = entry.spec as AddColumnSpec;
    const calls = spec.column.default === undefined ? [] : unknownCalls(spec.column.default);
    if (calls.length === 0) continue;
    const { rows } = await db.query<{ fn: string }>(volatileCallsQuery(calls));
    if (rows.length === 0) continue;
    findings.push({
      rule: 'db-volatile-default',
      severity: DATABASE_RULES['db-volatile-default'].severity,
      message:
        `the default of ${spec.table}.${spec.column.name} calls ${rows.map((r) => r.fn).join(', ')}, ` +
        `declared VOLATILE: adding the column would rewrite the whole table under an ACCESS EXCLUSIVE lock (the ` +
        `step refuses to run)`,
      help: postgresRecipes.volatileDefault(spec.table, spec.column.name, spec.column.type, spec.column.default ?? ''),
      at: compiled.plan.locate([...entry.path, 'column', 'default']),
      stepId: entry.id,
    });
  }
  return findings;
}
