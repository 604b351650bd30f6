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

function operationFinding(plan: Plan, entry: PlanEntry): Finding {
  const spec = entry.spec as { table: string; column?: string; name?: string };
  const what = entry.kind === 'drop_column' ? `column ${spec.table}.${spec.column ?? ''}` : `index ${spec.name ?? ''}`;
  const yaml =
    entry.kind === 'drop_column'
      ? `drop_column: { table: ${spec.table}, column: ${spec.column ?? ''} }`
      : `drop_index: { table: ${spec.table}, name: ${spec.name ?? ''} }`;
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
  description: 'drop_column, drop_index, DROP TABLE / COLUMN / INDEX and TRUNCATE belong in the contract phase only.',
  check(ctx: LintContext) {
    const raw = ctx.raw
      .filter((s) => s.source.entry.phase !== 'contract')
      .flatMap((s) => s.destroys.map((d) => destructionFinding(s, d)));
    const ops = ctx.plan.entries
      .filter((e) => (e.kind === 'drop_column' || e.kind === 'drop_index') && e.phase !== 'contract')
      // drop_column with `down` only installs its fill trigger where it is listed; its drop runs in contract.
      .filter((e) => (e.spec as { down?: string }).down === undefined)
      .map((e) => operationFinding(ctx.plan, e));
    return [...raw, ...ops];
  },
};
