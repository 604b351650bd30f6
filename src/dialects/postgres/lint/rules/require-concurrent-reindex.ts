import { astText, type AstNode } from '../../sql/ast.js';
import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import { isNewTable, keywordOffset, statementText, type SqlStatement, sqlSourcesOf } from '../raw-sql.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';

const KIND_WORD: Record<string, string> = {
  REINDEX_OBJECT_INDEX: 'INDEX',
  REINDEX_OBJECT_TABLE: 'TABLE',
  REINDEX_OBJECT_SCHEMA: 'SCHEMA',
  REINDEX_OBJECT_DATABASE: 'DATABASE',
};

function concurrent(stmt: SqlStatement): boolean {
  const params = (stmt.node.params as { DefElem?: { defname?: string } }[] | undefined) ?? [];
  return params.some((p) => p.DefElem?.defname === 'concurrently');
}

/** `REINDEX TABLE t` → `REINDEX TABLE CONCURRENTLY t` (the keyword goes after the object kind). */
function withConcurrently(stmt: SqlStatement, word: string): string {
  const text = statementText(stmt);
  const at = keywordOffset(stmt, [word]) - stmt.start + word.length;
  return `${text.slice(0, at)} CONCURRENTLY${text.slice(at)}`;
}

function findingOf(stmt: SqlStatement): Finding | undefined {
  const word = KIND_WORD[String(stmt.node.kind)];
  if (stmt.type !== 'ReindexStmt' || !word || concurrent(stmt)) return undefined;
  if (word === 'TABLE' && isNewTable(stmt, stmt.node.relation as AstNode | undefined)) return undefined;
  const target =
    word === 'INDEX' || word === 'TABLE'
      ? `${word.toLowerCase()} ${astText((stmt.node.relation as AstNode | undefined)?.relname)}`
      : `every index of the ${word.toLowerCase()}`;
  return sqlFinding(
    requireConcurrentReindex,
    stmt,
    stmt.start,
    `REINDEX without CONCURRENTLY rebuilds ${target} holding an ACCESS EXCLUSIVE lock on each index and a SHARE ` +
      `lock on its table: writes stop, and reads that would use the index wait`,
    [
      'rebuild it CONCURRENTLY (PostgreSQL 12+), outside a transaction, in a step of its own:',
      block([`- sql: { up: ${yamlString(withConcurrently(stmt, word))}, transactional: false }`]),
      'a failed concurrent rebuild leaves an invalid index named <index>_ccnew: drop it (DROP INDEX ' +
        'CONCURRENTLY) and run the step again',
    ].join('\n'),
  );
}

export const requireConcurrentReindex: Rule = {
  id: 'require-concurrent-reindex',
  severity: 'error',
  description:
    'REINDEX without CONCURRENTLY blocks writes to the table and reads through the index for the whole rebuild.',
  check: (ctx: LintContext) =>
    sqlSourcesOf(ctx)
      .flatMap((s) => s.statements)
      .flatMap((stmt) => findingOf(stmt) ?? []),
};
