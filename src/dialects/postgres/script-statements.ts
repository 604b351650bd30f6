/** A raw SQL script split into statements described for the operations; the parse trees stay here. */
import type { AstNode } from './sql/ast.js';
import { lockOfStatement, ownTransactionReason, splitStatements, unwrap, type SqlStatement } from './sql/statements.js';
import type { ScriptStatement } from '../parser.js';

/** `IndexStmt` → `index`, `AlterTableStmt` → `alter_table`. */
function labelOf(type: string): string {
  return type
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function indexBuilt(type: string, body: AstNode): ScriptStatement['buildsIndex'] {
  const relation = body.relation as { schemaname?: string; relname?: string } | undefined;
  if (type !== 'IndexStmt' || !body.concurrent || typeof body.idxname !== 'string') return undefined;
  if (!relation?.relname) return undefined;
  const table = relation.schemaname ? `${relation.schemaname}.${relation.relname}` : relation.relname;
  return { name: body.idxname, table };
}

function describe(statement: SqlStatement): ScriptStatement {
  const [type, body] = unwrap(statement.node);
  const described: ScriptStatement = {
    text: statement.text,
    offset: statement.offset,
    label: labelOf(type),
    controlsTransaction: type === 'TransactionStmt',
    lock: lockOfStatement(statement.node),
  };
  const reason = ownTransactionReason(statement.node);
  if (reason) described.ownTransactionReason = reason;
  const index = indexBuilt(type, body);
  if (index) described.buildsIndex = index;
  return described;
}

export function scriptStatements(sql: string): ScriptStatement[] {
  return splitStatements(sql).map(describe);
}
