import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';
import { isSymbol, isWord, type Token } from '../../tsql-lexer.js';
import { textBetween, topLevel } from '../../tsql-script-read.js';
import { LOCK_ESCALATION_THRESHOLD } from '../../tsql-script-classify.js';
import { readDataChange, type DataChange } from '../../tsql-script-shapes.js';
import { isNewTable, statementsOf, type MssqlStatement } from '../raw-sql.js';

/** `a = 1, b = c` of UPDATE … SET, as a backfill `set` mapping; undefined when it is not that simple. */
function setMapping(stmt: MssqlStatement): string | undefined {
  const { tokens } = stmt;
  const top = topLevel(tokens);
  const set = top.find((t) => isWord(t.token, 'SET'));
  const end = top.find((t) => t.index > (set?.index ?? 0) && isWord(t.token, 'FROM', 'WHERE', 'OUTPUT', 'OPTION'));
  if (!set) return undefined;
  const last = (end?.index ?? tokens.length) - 1;
  const commas = top.filter((t) => t.index > set.index && t.index < last && isSymbol(t.token, ','));
  const starts = [set.index + 1, ...commas.map((c) => c.index + 1)];
  const pairs = starts.map((from, i) => {
    const to = (commas[i]?.index ?? last + 1) - 1;
    const column = tokens[from] as Token;
    if (!isSymbol(tokens[from + 1], '=') || (column.kind !== 'word' && column.kind !== 'quoted')) return undefined;
    return `${column.kind === 'quoted' ? column.value : column.text}: ${yamlString(textBetween(stmt.source.sql, tokens, from + 2, to))}`;
  });
  return pairs.every((p) => p !== undefined) ? pairs.join(', ') : undefined;
}

function whereText(stmt: MssqlStatement): string | undefined {
  const where = topLevel(stmt.tokens).find((t) => isWord(t.token, 'WHERE'));
  if (!where) return undefined;
  const end = topLevel(stmt.tokens, where.index).find((t) => isWord(t.token, 'OPTION'))?.index ?? stmt.tokens.length;
  return textBetween(stmt.source.sql, stmt.tokens, where.index + 1, end - 1);
}

function findingOf(stmt: MssqlStatement, change: DataChange & { table: string }): Finding {
  const where = whereText(stmt);
  const recipe =
    change.verb === 'UPDATE'
      ? [
          'use a backfill in migrate: keyset batches of UPDATE TOP (n), each committed with its checkpoint:',
          block([
            `- backfill: { table: ${change.table}, set: { ${setMapping(stmt) ?? '<column>: "<expression>"'} }` +
              `${where ? `, where: ${yamlString(where)}` : ''} }`,
          ]),
        ]
      : [
          `delete in batches of fewer than ${LOCK_ESCALATION_THRESHOLD.toLocaleString('en')} rows, one \`sql\` step ` +
            'per key range, each committed on its own:',
          block([
            `- sql: { up: ${yamlString(`DELETE TOP (4000) FROM ${change.table} WHERE (${where ?? '…'}) AND <key> BETWEEN … AND …`)} }`,
          ]),
        ];
  return sqlFinding(
    unbatchedDml,
    stmt,
    change.offset,
    `${change.verb} ${change.table} without TOP changes every matching row in one statement: past about ` +
      `${LOCK_ESCALATION_THRESHOLD.toLocaleString('en')} row locks SQL Server escalates to an X lock on the whole ` +
      `of ${change.table} (blocking reads and writes) until the transaction ends`,
    [
      ...recipe,
      'if only a few rows match, suppress this finding with lint: { ignore: [unbatched-dml], reason: ... }',
    ].join('\n'),
  );
}

export const unbatchedDml: Rule = {
  id: 'unbatched-dml',
  severity: 'warning',
  description: 'UPDATE or DELETE without TOP on an existing table: lock escalation to a table X lock past ~5,000 rows.',
  check: (ctx: LintContext) =>
    statementsOf(ctx).flatMap((stmt) => {
      const change = readDataChange(stmt.tokens);
      if (!change || (change.verb !== 'UPDATE' && change.verb !== 'DELETE') || change.table === undefined) return [];
      if (change.top !== undefined || isNewTable(stmt, change.table)) return [];
      return [findingOf(stmt, { ...change, table: change.table })];
    }),
};
