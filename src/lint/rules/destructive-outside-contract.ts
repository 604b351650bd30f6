import type { Plan, PlanEntry } from '../../plan/types.js';
import { block, entryFinding, sqlFinding, yamlString } from '../finding.js';
import { alterCommands, dottedName, statementText, tableName, type SqlStatement } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../types.js';

const DROPPED_OBJECTS: Record<string, string> = { OBJECT_TABLE: 'TABLE', OBJECT_INDEX: 'INDEX' };

function moveToContract(what: string, stmt: SqlStatement): string {
  return [
    `stop using ${what} in a deploy first, then run this statement from a \`sql\` step under contract: (it cannot be rolled back):`,
    block(['contract:', `  - sql: { up: ${yamlString(statementText(stmt))} }`]),
  ].join('\n');
}

function statementFindings(stmt: SqlStatement): Finding[] {
  const phase = stmt.source.entry.phase;
  const created = stmt.source.createdTables;
  if (stmt.type === 'DropStmt' && DROPPED_OBJECTS[String(stmt.node.removeType)]) {
    const kind = DROPPED_OBJECTS[String(stmt.node.removeType)] ?? '';
    const names = ((stmt.node.objects as { List?: { items?: unknown } }[] | undefined) ?? []).map((o) => dottedName(o.List?.items));
    if (kind === 'TABLE' && names.every((n) => created.has(tableName({ relname: n })))) return [];
    const what = `${kind.toLowerCase()} ${names.join(', ')}`;
    return [sqlFinding(destructiveOutsideContract, stmt, stmt.start, `DROP ${kind} in the ${phase} phase removes ${what} while the running application may still use it`, moveToContract(what, stmt))];
  }
  if (stmt.type === 'TruncateStmt') {
    const tables = ((stmt.node.relations as { RangeVar?: Record<string, unknown> }[] | undefined) ?? []).map((r) => tableName(r.RangeVar));
    const what = `table ${tables.join(', ')}`;
    return [sqlFinding(destructiveOutsideContract, stmt, stmt.start, `TRUNCATE in the ${phase} phase deletes every row of ${what} while the running application may still use it`, moveToContract(what, stmt))];
  }
  if (stmt.type !== 'AlterTableStmt' || created.has(tableName(stmt.node.relation as Record<string, unknown>))) return [];
  const table = tableName(stmt.node.relation as Record<string, unknown>);
  return alterCommands(stmt)
    .filter((c) => c.subtype === 'AT_DropColumn')
    .map((c) => {
      const column = String(c.cmd.name ?? '');
      return sqlFinding(
        destructiveOutsideContract,
        stmt,
        c.offset,
        `DROP COLUMN in the ${phase} phase removes ${table}.${column} while the running application may still read or write it`,
        [
          'stop using the column in a deploy first, then drop it under contract: (it cannot be rolled back):',
          block(['contract:', `  - drop_column: { table: ${table}, column: ${column} }`]),
        ].join('\n'),
      );
    });
}

function operationFinding(plan: Plan, entry: PlanEntry): Finding {
  const spec = entry.spec as { table: string; column?: string; name?: string };
  const what = entry.kind === 'drop_column' ? `column ${spec.table}.${spec.column ?? ''}` : `index ${spec.name ?? ''}`;
  const yaml = entry.kind === 'drop_column' ? `drop_column: { table: ${spec.table}, column: ${spec.column ?? ''} }` : `drop_index: { table: ${spec.table}, name: ${spec.name ?? ''} }`;
  return entryFinding(
    destructiveOutsideContract,
    plan,
    entry,
    [],
    `${entry.kind} in the ${entry.phase} phase removes ${what} while the running application may still use it`,
    ['move it under contract:, which runs after the deploy that stops using it (and cannot be rolled back):', block(['contract:', `  - ${yaml}`])].join('\n'),
  );
}

export const destructiveOutsideContract: Rule = {
  id: 'destructive-outside-contract',
  severity: 'error',
  description: 'drop_column, drop_index, DROP TABLE / COLUMN / INDEX and TRUNCATE belong in the contract phase only.',
  check(ctx: LintContext) {
    const raw = ctx.sql.filter((s) => s.entry.phase !== 'contract').flatMap((s) => s.statements.flatMap(statementFindings));
    const ops = ctx.plan.entries
      .filter((e) => (e.kind === 'drop_column' || e.kind === 'drop_index') && e.phase !== 'contract')
      .map((e) => operationFinding(ctx.plan, e));
    return [...raw, ...ops];
  },
};
