import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';
import { readAlterTable, type AlterAction } from '../../tsql-script-alter.js';
import { isNewTable, statementsOf, type MssqlStatement } from '../raw-sql.js';

type AlterColumn = Extract<AlterAction, { kind: 'alter_column' }>;

function findingOf(stmt: MssqlStatement, table: string, c: AlterColumn): Finding {
  return sqlFinding(
    alterColumnOffline,
    stmt,
    c.offset,
    `ALTER TABLE ${table} ALTER COLUMN ${c.column} ${c.type} holds a Sch-M lock on ${table} (blocking reads and ` +
      'writes) while it checks or rewrites every row (a new type, a shorter length, NOT NULL)',
    [
      'change the type with change_type (a new column kept in sync by trigger, a batched backfill, the swap in ' +
        'contract):',
      block([`- change_type: { table: ${table}, column: ${c.column}, type: ${yamlString(c.type)} }`]),
      ...(c.notNull ? ['make it NOT NULL with set_not_null (a trusted CHECK validated on its own first):'] : []),
      ...(c.notNull ? [block([`- set_not_null: { table: ${table}, column: ${c.column} }`])] : []),
      'or, on Enterprise, Developer or Azure SQL, keep raw SQL online:',
      block([`- sql: { up: ${yamlString(`${stmt.text} WITH (ONLINE = ON)`)} }`]),
      'if the change is metadata-only (e.g. varchar(50) → varchar(100) NULL), suppress this finding with ' +
        'lint: { ignore: [alter-column-offline], reason: ... }',
    ].join('\n'),
  );
}

export const alterColumnOffline: Rule = {
  id: 'alter-column-offline',
  severity: 'error',
  description:
    'ALTER COLUMN without WITH (ONLINE = ON) holds Sch-M on the table while it checks or rewrites every row.',
  check: (ctx: LintContext) =>
    statementsOf(ctx).flatMap((stmt) => {
      const alter = readAlterTable(stmt.source.sql, stmt.tokens);
      if (!alter || isNewTable(stmt, alter.table)) return [];
      return alter.actions
        .filter((a): a is AlterColumn => a.kind === 'alter_column' && !a.online && a.type !== '')
        .map((a) => findingOf(stmt, alter.table, a));
    }),
};
