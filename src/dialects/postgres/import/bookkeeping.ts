/** Statements a plan leaves out: transaction control, session settings, the migration tools' own history tables. */
import type { AstNode } from '../sql/ast.js';

/** The history tables of Rails, Alembic, Flyway, Prisma, Django, Knex, TypeORM, Sequelize, golang-migrate. */
const HISTORY_TABLES = new Set([
  'schema_migrations',
  'ar_internal_metadata',
  'alembic_version',
  'flyway_schema_history',
  '_prisma_migrations',
  'django_migrations',
  'knex_migrations',
  'knex_migrations_lock',
  'migrations',
  'typeorm_metadata',
  'SequelizeMeta',
]);

const TRANSACTION = 'dropped: schemashift runs each step in its own transaction (or none, for CONCURRENTLY)';

function historyTable(relation: unknown): string | undefined {
  const name = (relation as { relname?: string } | undefined)?.relname;
  return name !== undefined && HISTORY_TABLES.has(name) ? name : undefined;
}

function settingReason(name: string): string {
  if (name === 'search_path')
    return 'dropped: plans name tables as written (schema-qualify them where the search_path mattered)';
  if (/timeout$/.test(name)) return 'dropped: schemashift sets lock_timeout and statement_timeout per step (settings:)';
  return `dropped: a session setting (${name}) does not carry into schemashift's sessions`;
}

function callsSetConfig(body: AstNode): boolean {
  const target = (body.targetList as AstNode[] | undefined)?.[0]?.ResTarget as AstNode | undefined;
  const call = (target?.val as AstNode | undefined)?.FuncCall as AstNode | undefined;
  const names = ((call?.funcname as AstNode[] | undefined) ?? []).map((n) => (n.String as { sval?: string }).sval);
  return body.fromClause === undefined && names[names.length - 1] === 'set_config';
}

/** Why the statement is left out of the plan, or undefined when it is not one of those. */
export function droppedReason(type: string, body: AstNode): string | undefined {
  if (type === 'TransactionStmt') return TRANSACTION;
  if (type === 'ConstraintsSetStmt')
    return 'dropped: SET CONSTRAINTS acts on the transaction of the migration tool, which schemashift does not keep';
  if (type === 'VariableSetStmt' || type === 'VariableShowStmt')
    return settingReason(typeof body.name === 'string' ? body.name : 'a setting');
  if (type === 'SelectStmt' && callsSetConfig(body)) return settingReason('set_config');
  const history =
    type === 'InsertStmt' || type === 'UpdateStmt' || type === 'DeleteStmt' || type === 'CreateStmt'
      ? historyTable(body.relation)
      : undefined;
  if (history)
    return `dropped: ${history} is the migration tool's own history; schemashift records its runs in the schemashift schema`;
  return undefined;
}
