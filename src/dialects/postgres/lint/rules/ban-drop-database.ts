import { sqlFinding } from '../../../../lint/finding.js';
import type { LintContext, Rule } from '../../../../lint/types.js';
import { sqlSourcesOf } from '../raw-sql.js';
import { astText } from '../../sql/ast.js';

export const banDropDatabase: Rule = {
  id: 'ban-drop-database',
  severity: 'error',
  description: 'DROP DATABASE in a migration plan.',
  check: (ctx: LintContext) =>
    sqlSourcesOf(ctx)
      .flatMap((s) => s.statements)
      .filter((stmt) => stmt.type === 'DropdbStmt')
      .map((stmt) =>
        sqlFinding(
          banDropDatabase,
          stmt,
          stmt.start,
          `DROP DATABASE ${astText(stmt.node.dbname)} deletes a whole database, every table and every row, and ` +
            `cannot be undone; no schema change needs it`,
          'remove it from the plan: dropping a database is an operations task, done by hand after a backup and ' +
            'after every client has moved away',
        ),
      ),
};
