import type { Plan, PlanEntry } from '../../plan/types.js';
import { block, entryFinding, sqlFinding, yamlString } from '../finding.js';
import type { Destruction, Finding, LintContext, RawStatement, Rule } from '../types.js';

function moveToContract(what: string, stmt: RawStatement): string {
  return [
    `stop using ${what} in a deploy first, then run this statement from a \`sql\` step under contract: (it cannot be ` +
      `rolled back):`,
    block(['contract:', `  - sql: { up: ${yamlString(stmt.text)} }`]),
  ].join('\n');
}

function destructionFinding(stmt: RawStatement, d: Destruction): Finding {
  const phase = stmt.source.entry.phase;
  const whole = (what: string, does: string) =>
    sqlFinding(
      destructiveOutsideContract,
      stmt,
      stmt.start,
      `${d.statement} in the ${phase} phase ${does} ${what} while the running application may still use it`,
      moveToContract(what, stmt),
    );
  if (d.what === 'rows') return whole(`table ${d.tables.join(', ')}`, 'deletes every row of');
  if (d.what !== 'column') return whole(`${d.what} ${d.names.join(', ')}`, 'removes');
  return sqlFinding(
    destructiveOutsideContract,
    stmt,
    d.offset,
    `${d.statement} in the ${phase} phase removes ${d.table}.${d.column} while the running application may still ` +
      `read or write it`,
    [
      'stop using the column in a deploy first, then drop it under contract: (it cannot be rolled back):',
      block(['contract:', `  - drop_column: { table: ${d.table}, column: ${d.column} }`]),
    ].join('\n'),
  );
}

/** What a drop operation removes, and the same step written under contract. */
function dropOf(entry: PlanEntry): { what: string; yaml: string } {
  const spec = entry.spec as { table: string; column?: string; name?: string };
  if (entry.kind === 'drop_column')
    return {
      what: `column ${spec.table}.${spec.column ?? ''}`,
      yaml: `drop_column: { table: ${spec.table}, column: ${spec.column ?? ''} }`,
    };
  return { what: `index ${spec.name ?? ''}`, yaml: `drop_index: { table: ${spec.table}, name: ${spec.name ?? ''} }` };
}

// drop_table and drop_constraint are allowed under contract only (the plan loader refuses them elsewhere).
const DROP_OPERATIONS = new Set(['drop_column', 'drop_index']);

function operationFinding(plan: Plan, entry: PlanEntry): Finding {
  const { what, yaml } = dropOf(entry);
  return entryFinding(
    destructiveOutsideContract,
    plan,
    entry,
    [],
    `${entry.kind} in the ${entry.phase} phase removes ${what} while the running application may still use it`,
    [
      'move it under contract:, which runs after the deploy that stops using it (and cannot be rolled back):',
      block(['contract:', `  - ${yaml}`]),
    ].join('\n'),
  );
}

export const destructiveOutsideContract: Rule = {
  id: 'destructive-outside-contract',
  severity: 'error',
  description:
    'drop_column, drop_index, DROP TABLE / COLUMN / INDEX and TRUNCATE belong in the contract phase only ' +
    '(drop_table and drop_constraint can only be listed there).',
  check(ctx: LintContext) {
    const raw = ctx.raw
      .filter((s) => s.source.entry.phase !== 'contract')
      .flatMap((s) => s.destroys.map((d) => destructionFinding(s, d)));
    const ops = ctx.plan.entries
      .filter((e) => DROP_OPERATIONS.has(e.kind) && e.phase !== 'contract')
      // drop_column with `down` only installs its fill trigger where it is listed; its drop runs in contract.
      .filter((e) => (e.spec as { down?: string }).down === undefined)
      .map((e) => operationFinding(ctx.plan, e));
    return [...raw, ...ops];
  },
};
