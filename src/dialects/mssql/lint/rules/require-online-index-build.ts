import { block, sqlFinding, yamlString } from '../../../../lint/finding.js';
import type { Finding, LintContext, Rule } from '../../../../lint/types.js';
import { isSymbol, isWord } from '../../tsql-lexer.js';
import { readAlterTable, type AlterAction } from '../../tsql-script-alter.js';
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

type AddConstraint = Extract<AlterAction, { kind: 'add_constraint' }>;

function keyFindings(stmt: MssqlStatement): Finding[] {
  const alter = readAlterTable(stmt.source.sql, stmt.tokens);
  if (!alter || isNewTable(stmt, alter.table)) return [];
  return alter.actions
    .filter((a): a is AddConstraint => a.kind === 'add_constraint' && !a.online)
    .filter((a) => a.type === 'primary_key' || a.type === 'unique')
    .map((a) => {
      const what = a.type === 'unique' ? 'UNIQUE' : 'PRIMARY KEY';
      return sqlFinding(
        requireOnlineIndexBuild,
        stmt,
        a.offset,
        `ALTER TABLE ${alter.table} ADD CONSTRAINT ${a.name ?? '<name>'} ${what} builds its index offline, ` +
          `holding a Sch-M lock on ${alter.table} (blocking reads and writes) for the whole build`,
        [
          "build the constraint's index online (Enterprise, Developer or Azure SQL; RESUMABLE = ON from SQL Server 2022):",
          block([`- sql: { up: ${yamlString(`${stmt.text} WITH (ONLINE = ON)`)} }`]),
          ...(a.type === 'unique'
            ? [
                'or use add_unique, which builds a unique index online first:',
                block([`- add_unique: { table: ${alter.table}, name: ${a.name ?? '<name>'}, columns: [<column>] }`]),
              ]
            : []),
        ].join('\n'),
      );
    });
}

export const requireOnlineIndexBuild: Rule = {
  id: 'require-online-index-build',
  severity: 'error',
  description:
    'CREATE INDEX, or ADD PRIMARY KEY / UNIQUE, on an existing table without ONLINE = ON blocks writes (or all ' +
    'access) for the whole build.',
  check: (ctx: LintContext) =>
    statementsOf(ctx).flatMap((stmt) => {
      const index = readCreateIndex(stmt.source.sql, stmt.tokens);
      if (!index) return keyFindings(stmt);
      return index.online || isNewTable(stmt, index.table) ? [] : [findingOf(stmt, index)];
    }),
};
