/** CREATE MATERIALIZED VIEW … WITH DATA read from its parse tree, for db-matview-big-source. */
import type { AstNode } from '../sql/ast.js';
import { tablesRead } from '../sql/statements.js';
import { rangeVarName } from './ast-names.js';
import type { CheckContext } from '../../../lint/database/context.js';
import { checkMaterializedViewBuild } from '../../../lint/database/matview-build-checks.js';
import type { Place } from '../../../lint/database/requirements.js';

/** `body` is a CreateTableAsStmt: CREATE TABLE AS and WITH NO DATA are not this rule's. */
export function matviewBuildCost(ctx: CheckContext, place: Place, body: AstNode): void {
  const into = body.into as AstNode | undefined;
  if (body.objtype !== 'OBJECT_MATVIEW' || into?.skipData === true) return;
  checkMaterializedViewBuild(ctx, place, rangeVarName(into?.rel) ?? '?', tablesRead(body.query));
}
