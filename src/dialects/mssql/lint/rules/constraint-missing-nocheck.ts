import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';
import { readAlterTable, type AlterAction } from '../../tsql-script-alter.js';
import { isNewTable, statementsOf, type MssqlStatement } from '../raw-sql.js';

type AddConstraint = Extract<AlterAction, { kind: 'add_constraint' }>;

function findingOf(stmt: MssqlStatement, table: string, c: AddConstraint): Finding {
  const what = c.type === 'check' ? 'CHECK' : 'FOREIGN KEY';
  const name = c.name ?? '<name>';
  const op = c.type === 'check' ? 'add_check' : 'add_foreign_key';
  const operation =
    c.type === 'check'
      ? `- add_check: { table: ${table}, name: ${name}, expression: "<condition>" }`
      : `- add_foreign_key: { table: ${table}, name: ${name}, columns: [<column>], references: { table: <table>, ` +
        'columns: [<column>] } }';
  return sqlFinding(
    constraintMissingNocheck,
    stmt,
    c.offset,
    `ALTER TABLE ${table} ADD CONSTRAINT ${name} ${what} without WITH NOCHECK reads every existing row under a Sch-M lock ` +
      `(blocking reads and writes of ${table}) before it commits`,
    [
      `add it WITH NOCHECK (metadata only: new rows are checked at once), then trust it in a later step with ` +
        `WITH CHECK CHECK CONSTRAINT, which scans on its own and can be retried; the ${op} ` +
        'operation does both:',
      block([operation]),
      'or in raw SQL, two steps:',
      block([
        `- sql: { up: ${yamlString(`ALTER TABLE ${table} WITH NOCHECK ADD CONSTRAINT ${name} …`)} }`,
        `- sql: { up: ${yamlString(`ALTER TABLE ${table} WITH CHECK CHECK CONSTRAINT ${name}`)} }`,
      ]),
    ].join('\n'),
  );
}

export const constraintMissingNocheck: Rule = {
  id: 'constraint-missing-nocheck',
  severity: 'error',
  description:
    'ADD CONSTRAINT … CHECK / FOREIGN KEY without WITH NOCHECK scans the whole table under Sch-M while it is added.',
  check: (ctx: LintContext) =>
    statementsOf(ctx).flatMap((stmt) => {
      const alter = readAlterTable(stmt.source.sql, stmt.tokens);
      if (!alter || isNewTable(stmt, alter.table)) return [];
      return alter.actions
        .filter((a): a is AddConstraint => a.kind === 'add_constraint' && a.checksRows)
        .filter((a) => a.type === 'check' || a.type === 'foreign_key')
        .map((a) => findingOf(stmt, alter.table, a));
    }),
};
