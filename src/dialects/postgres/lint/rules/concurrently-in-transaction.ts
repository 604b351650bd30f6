import { ownTransactionReason } from '../../sql/statements.js';
import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import { statementText, type SqlSource, type SqlStatement, sqlSourcesOf } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

/** Why PostgreSQL refuses this statement inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM…). */
function refusal(stmt: SqlStatement): string | undefined {
  return ownTransactionReason({ [stmt.type]: stmt.node });
}

function keywordAt(stmt: SqlStatement): number {
  return stmt.tokens.find((t) => t.text.toUpperCase() === 'CONCURRENTLY')?.start ?? stmt.start;
}

function findingsOf(source: SqlSource): Finding[] {
  return source.statements.flatMap((stmt) => {
    const reason = refusal(stmt);
    if (!reason || !stmt.inTransaction) return [];
    const several = source.statements.length > 1;
    const message = several
      ? `${reason} cannot run inside a transaction block, and this step sends it together ` +
        `with ${source.statements.length - 1} other statement(s) in one: it fails at once`
      : `${reason} cannot run inside a transaction block, and this step runs in one: it fails at once`;
    const steps = several
      ? source.statements.map(
          (s) => `- sql: { up: ${yamlString(statementText(s))}${refusal(s) ? ', transactional: false' : ''} }`,
        )
      : [`- sql: { up: ${yamlString(statementText(stmt))}, transactional: false }`];
    return [
      sqlFinding(
        concurrentlyInTransaction,
        stmt,
        keywordAt(stmt),
        message,
        ['run it outside a transaction, in a step of its own:', block(steps)].join('\n'),
      ),
    ];
  });
}

export const concurrentlyInTransaction: Rule = {
  id: 'concurrently-in-transaction',
  severity: 'error',
  description:
    'CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY (or VACUUM) inside a ' +
    'transaction block fails at once.',
  check: (ctx: LintContext) => sqlSourcesOf(ctx).flatMap(findingsOf),
};
