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
const DROPPABLE_TRANSACTION = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START', 'TRANS_STMT_COMMIT']);

/** INSERT/UPDATE/DELETE of a migration tool's history table (unqualified or in public). */
function historyTable(relation: unknown): string | undefined {
  const r = relation as { relname?: string; schemaname?: string } | undefined;
  const name = r?.relname;
  if (r?.schemaname !== undefined && r.schemaname !== 'public') return undefined;
  return name !== undefined && HISTORY_TABLES.has(name) ? name : undefined;
}

const constants = (args: unknown) =>
  ((args as AstNode[] | undefined) ?? []).map(
    (a) => ((a.A_Const as AstNode | undefined)?.sval as { sval?: string } | undefined)?.sval,
  );

/** A search_path set to what it is by default changes nothing the plan does. */
function defaultSearchPath(body: AstNode): boolean {
  if (body.kind === 'VAR_RESET' || body.kind === 'VAR_SET_DEFAULT') return true;
  const path = constants(body.args).join(',');
  return path === 'public' || path === '$user,public';
}

/** Statements the import must not drop nor keep: each would change what later statements mean or whether they run. */
export function refusalOf(type: string, body: AstNode): { message: string; hint: string } | undefined {
  if (type === 'TransactionStmt' && !DROPPABLE_TRANSACTION.has(String(body.kind)))
    return {
      message: `${String(body.kind).replace('TRANS_STMT_', '')}: a plan runs each step in its own transaction, so a rollback, savepoint or prepared transaction of the migration cannot keep its meaning`,
      hint: 'remove the statements the migration rolls back (and the ROLLBACK/SAVEPOINT itself), then import again',
    };
  if (type === 'VariableSetStmt' && (body.name === 'role' || body.name === 'session_authorization'))
    return {
      message: `SET ${String(body.name).toUpperCase().replace('_', ' ')}: the steps would run as another role than the migration assumes`,
      hint: 'remove it and run the plan as that role (the --database URL user), or keep the statements that need it in a raw sql step with the SET inside',
    };
  if (type === 'VariableSetStmt' && body.name === 'search_path' && !defaultSearchPath(body))
    return {
      message:
        'SET search_path: later unqualified names would resolve to other schemas in the plan than in the migration',
      hint: 'schema-qualify the names after it (e.g. billing.invoices) and remove the SET, then import again',
    };
  return undefined;
}

function settingReason(name: string): string {
  if (/timeout$/.test(name)) return 'dropped: schemashift sets lock_timeout and statement_timeout per step (settings:)';
  return `dropped: a session setting (${name}) does not carry into schemashift's sessions`;
}

/** A SELECT whose every target is a set_config(...) call (pg_dump's preamble), and nothing else. */
function callsSetConfig(body: AstNode): boolean {
  const targets = (body.targetList as AstNode[] | undefined) ?? [];
  const setConfig = (wrapped: AstNode) => {
    const call = ((wrapped.ResTarget as AstNode | undefined)?.val as AstNode | undefined)?.FuncCall as
      AstNode | undefined;
    const names = ((call?.funcname as AstNode[] | undefined) ?? []).map((n) => (n.String as { sval?: string }).sval);
    return names[names.length - 1] === 'set_config';
  };
  const clauses = [body.fromClause, body.whereClause, body.withClause, body.groupClause, body.havingClause];
  return targets.length > 0 && targets.every(setConfig) && clauses.every((c) => c === undefined);
}

/** Why the statement is left out of the plan, or undefined when it is not one of those. */
export function droppedReason(type: string, body: AstNode): string | undefined {
  if (type === 'TransactionStmt') return TRANSACTION;
  if (type === 'VariableSetStmt' && body.name === 'search_path')
    return 'dropped: it sets the search_path PostgreSQL uses by default, which is what the plan runs with';
  if (type === 'ConstraintsSetStmt')
    return 'dropped: SET CONSTRAINTS acts on the transaction of the migration tool, which schemashift does not keep';
  if (type === 'VariableSetStmt' || type === 'VariableShowStmt')
    return settingReason(typeof body.name === 'string' ? body.name : 'a setting');
  if (type === 'SelectStmt' && callsSetConfig(body)) return settingReason('set_config');
  const history =
    type === 'InsertStmt' || type === 'UpdateStmt' || type === 'DeleteStmt' ? historyTable(body.relation) : undefined;
  if (history)
    return `dropped: ${history} is the migration tool's own history; schemashift records its runs in the schemashift schema`;
  return undefined;
}
