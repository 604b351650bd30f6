/** `CREATE MATERIALIZED VIEW` → create_materialized_view; `REFRESH MATERIALIZED VIEW` → refresh_materialized_view. */
import type { ImportedStep } from '../../import.js';
import type { AstNode } from '../sql/ast.js';
import { NotMapped, relationName, step, type StatementContext } from './context.js';

/** The query after the first top-level AS, without a trailing WITH [NO] DATA. */
function queryText(ctx: StatementContext, after: number): string {
  const tokens = ctx.src.tokensIn(after, ctx.end);
  const as = tokens.find((t) => t.text.toUpperCase() === 'AS');
  if (!as) throw new NotMapped('the view query could not be found');
  const text = ctx.src.withoutComments(as.end, ctx.end).trim();
  return text.replace(/\s+WITH\s+(NO\s+)?DATA\s*$/i, '').trim();
}

export function createViewSteps(ctx: StatementContext, body: AstNode): ImportedStep[] {
  if (body.objtype !== 'OBJECT_MATVIEW') throw new NotMapped('CREATE TABLE … AS is kept as written');
  const into = body.into as AstNode;
  if (into.colNames || into.options || into.tableSpaceName || into.accessMethod || body.if_not_exists)
    throw new NotMapped('materialized view options are kept as written');
  const rel = into.rel as AstNode;
  const name = relationName(rel);
  const query = queryText(ctx, (rel.location as number) ?? ctx.start);
  const spec: Record<string, unknown> = { name, query };
  if (into.skipData) spec.with_data = false;
  return [step('expand', 'create_materialized_view', spec, 'built beside the application; nothing existing is locked')];
}

export function refreshViewSteps(_ctx: StatementContext, body: AstNode): ImportedStep[] {
  const name = relationName(body.relation);
  if (body.skipData) throw new NotMapped('REFRESH … WITH NO DATA is kept as written');
  const spec = body.concurrent ? { name, concurrently: true } : { name };
  return [
    step('migrate', 'refresh_materialized_view', spec, body.concurrent ? 'CONCURRENTLY as written' : 'as written'),
  ];
}
