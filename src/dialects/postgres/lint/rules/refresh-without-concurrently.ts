import { block, entryFinding, sqlFinding, yamlString } from '../../../../lint/finding.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';
import type { Phase } from '../../../../operations/types.js';
import type { PlanEntry } from '../../../../plan/types.js';
import type { AstNode } from '../../sql/ast.js';
import { sqlSourcesOf, tableName, type SqlStatement } from '../raw-sql.js';

/** The safe recipe: a unique index on the view (built online), then a refresh that lets readers go on. */
function help(view: string): string {
  const index = `${view.replace(/\W/g, '_')}_key`;
  return [
    'give the view a unique index (on columns that identify a row, no WHERE) and refresh it CONCURRENTLY: ' +
      'readers then keep reading the old rows until the new ones are in',
    block([
      `- create_index: { table: ${view}, name: ${index}, columns: [<unique columns>], unique: true }`,
      `- refresh_materialized_view: { name: ${view}, concurrently: true }`,
    ]),
    `(in raw SQL: ${yamlString(`REFRESH MATERIALIZED VIEW CONCURRENTLY ${view}`)})`,
  ].join('\n');
}

function message(view: string): string {
  return (
    `refreshing ${view} without CONCURRENTLY holds ACCESS EXCLUSIVE on it for the whole recomputation: ` +
    'every query reading the view waits until it is done'
  );
}

/** A materialized view a raw statement creates, normalised. */
function createdView(stmt: SqlStatement): string | undefined {
  if (stmt.type !== 'CreateTableAsStmt' || stmt.node.objtype !== 'OBJECT_MATVIEW') return undefined;
  return tableName((stmt.node.into as AstNode | undefined)?.rel as AstNode | undefined);
}

/** A raw REFRESH that blocks readers: not CONCURRENTLY, and filling the view (WITH NO DATA only empties it). */
function blockingRefresh(stmt: SqlStatement): string | undefined {
  if (stmt.type !== 'RefreshMatViewStmt' || stmt.node.concurrent === true || stmt.node.skipData === true)
    return undefined;
  return tableName(stmt.node.relation as AstNode | undefined);
}

export const refreshWithoutConcurrently: Rule = {
  id: 'refresh-without-concurrently',
  severity: 'warning',
  description:
    'REFRESH MATERIALIZED VIEW without CONCURRENTLY (or refresh_materialized_view with concurrently: false) on a ' +
    'view the plan did not create earlier in the same phase: readers wait for the whole refresh.',
  check: (ctx: LintContext) => {
    const statementsOf = new Map<PlanEntry, SqlStatement[]>(sqlSourcesOf(ctx).map((s) => [s.entry, s.statements]));
    const findings: Finding[] = [];
    // Views created in the current phase: nobody reads them yet. A new phase may come after a deploy.
    let created = new Set<string>();
    let phase: Phase | undefined;
    for (const entry of ctx.plan.entries) {
      if (entry.phase !== phase) [created, phase] = [new Set(), entry.phase];
      const spec = entry.spec as { name?: string; concurrently?: boolean };
      if (entry.kind === 'create_materialized_view' && spec.name) created.add(ctx.normaliseTable(spec.name));
      if (entry.kind === 'refresh_materialized_view' && spec.name && spec.concurrently !== true) {
        const view = ctx.normaliseTable(spec.name);
        const written = (entry.raw as { concurrently?: unknown } | undefined)?.concurrently !== undefined;
        if (!created.has(view))
          findings.push(
            entryFinding(
              refreshWithoutConcurrently,
              ctx.plan,
              entry,
              written ? ['concurrently'] : [],
              message(view),
              help(view),
            ),
          );
      }
      for (const stmt of statementsOf.get(entry) ?? []) {
        const made = createdView(stmt);
        if (made) created.add(made);
        const view = blockingRefresh(stmt);
        if (view && !created.has(view))
          findings.push(sqlFinding(refreshWithoutConcurrently, stmt, stmt.start, message(view), help(view)));
      }
    }
    return findings;
  },
};
