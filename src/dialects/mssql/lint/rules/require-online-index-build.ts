import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';
import { isSymbol, isWord } from '../../tsql-lexer.js';
import { topLevel } from '../../tsql-script-read.js';
import { readCreateIndex, type CreateIndex } from '../../tsql-script-shapes.js';
import { isNewTable, statementsOf, type MssqlStatement } from '../raw-sql.js';

const ONLINE = 'ONLINE = ON, RESUMABLE = ON, MAX_DURATION = 60';

/** The statement with ONLINE = ON added: into its WITH (…), or as a WITH (…) before `ON filegroup`. */
function online(stmt: MssqlStatement): string | undefined {
  const top = topLevel(stmt.tokens);
  const withAt = top.find((t) => isWord(t.token, 'WITH') && isSymbol(stmt.tokens[t.index + 1], '('));
  const at = (offset: number, text: string) =>
    `${stmt.text.slice(0, offset - stmt.offset)}${text}${stmt.text.slice(offset - stmt.offset)}`;
  if (withAt) {
    const open = stmt.tokens[withAt.index + 1];
    return open ? at(open.offset + 1, `${ONLINE}, `) : undefined;
  }
  const filegroup = top.filter((t) => isWord(t.token, 'ON'))[1];
  if (filegroup) return at(filegroup.token.offset, `WITH (${ONLINE}) `);
  return `${stmt.text} WITH (${ONLINE})`;
}

function findingOf(stmt: MssqlStatement, index: CreateIndex): Finding {
  const lock = index.clustered ? 'a Sch-M lock (blocking reads and writes)' : 'an S lock (blocking writes)';
  const keys = index.keys.split(',').map((k) => k.trim());
  const columns = keys.every((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) ? keys.join(', ') : '<column>';
  const rewritten = online(stmt);
  const unique = index.unique ? ', unique: true' : '';
  return sqlFinding(
    requireOnlineIndexBuild,
    stmt,
    stmt.offset,
    `CREATE INDEX ${index.name} without ONLINE = ON holds ${lock} on ${index.table} for the whole build`,
    [
      'build it online: the create_index operation uses ONLINE = ON and RESUMABLE = ON where the edition allows',
      block([`- create_index: { table: ${index.table}, name: ${index.name}, columns: [${columns}]${unique} }`]),
      ...(rewritten
        ? [
            'or keep raw SQL (Enterprise, Developer or Azure SQL; a resumable build runs outside a transaction):',
            block([`- sql: { up: ${yamlString(rewritten)} }`]),
          ]
        : []),
    ].join('\n'),
  );
}

export const requireOnlineIndexBuild: Rule = {
  id: 'require-online-index-build',
  severity: 'error',
  description:
    'CREATE INDEX on an existing table without ONLINE = ON blocks writes (or all access) for the whole build.',
  check: (ctx: LintContext) =>
    statementsOf(ctx).flatMap((stmt) => {
      const index = readCreateIndex(stmt.source.sql, stmt.tokens);
      if (!index || index.online || isNewTable(stmt, index.table)) return [];
      return [findingOf(stmt, index)];
    }),
};
