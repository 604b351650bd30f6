/** `UPDATE` → backfill; `DROP …` → contract; renames; `COMMENT ON` → set_comment. */
import type { ImportedStep } from '../../import.js';
import { walk, type AstNode } from '../sql/ast.js';
import {
  defined,
  expressionOf,
  NotMapped,
  plainName,
  relationName,
  step,
  stringList,
  type StatementContext,
} from './context.js';
import { dropIndexSteps } from './index-statements.js';

/** Why batching the UPDATE by key could give other rows other values than the one statement does. */
function notBatchSafe(body: AstNode): string | undefined {
  if (body.fromClause || body.returningList || body.withClause) return 'UPDATE … FROM/RETURNING/WITH';
  if ((body.relation as AstNode).inh !== true) return 'UPDATE ONLY (a batch would also reach child tables)';
  let found: string | undefined;
  walk([body.targetList, body.whereClause], (type, node) => {
    if (type === 'SubLink') found ??= 'an UPDATE with a subquery (each batch would see other rows than one UPDATE)';
    if (type === 'FuncCall' && (node.over || node.agg_star || node.agg_distinct || node.agg_order))
      found ??= 'an UPDATE with an aggregate or window function over other rows';
  });
  return found;
}

export function updateSteps(ctx: StatementContext, body: AstNode): ImportedStep[] {
  const unsafe = notBatchSafe(body);
  if (unsafe) throw new NotMapped(`${unsafe} is kept as written, in one statement`);
  if ((body.relation as AstNode).alias) throw new NotMapped('an UPDATE with a table alias is kept as written');
  const table = relationName(body.relation);
  const set: Record<string, string> = {};
  for (const wrapped of (body.targetList as AstNode[] | undefined) ?? []) {
    const target = wrapped.ResTarget as AstNode;
    if (target.indirection) throw new NotMapped('an UPDATE of an array element or field is kept as written');
    if ((target.val as AstNode).MultiAssignRef) throw new NotMapped('UPDATE … SET (a, b) = … is kept as written');
    set[plainName(target.name)] = expressionOf(ctx, target.val);
  }
  const where = body.whereClause === undefined ? undefined : expressionOf(ctx, body.whereClause);
  const decision = where
    ? 'batched by key with a checkpoint per batch; throttled'
    : 'batched by key with a checkpoint per batch; throttled (no WHERE: every row, as written)';
  return [step('migrate', 'backfill', defined({ table, set, where }), decision)];
}

function objectName(object: AstNode): string[] {
  return stringList((object.List as AstNode | undefined)?.items ?? [object]);
}

export function dropSteps(ctx: StatementContext, body: AstNode): ImportedStep[] {
  if (body.behavior === 'DROP_CASCADE')
    throw new NotMapped('DROP … CASCADE drops what depends on it too: kept as written');
  const objects = (body.objects as AstNode[] | undefined) ?? [];
  const ifExists = body.missing_ok ? ' (IF EXISTS dropped: the step checks the catalog itself)' : '';
  switch (body.removeType) {
    case 'OBJECT_TABLE':
      return objects.map((o) =>
        step(
          'contract',
          'drop_table',
          { name: objectName(o).join('.') },
          `dropped in contract, once no version uses it${ifExists}`,
        ),
      );
    case 'OBJECT_INDEX':
      return objects.flatMap((o) => dropIndexSteps(ctx, objectName(o)));
    default:
      throw new NotMapped(`DROP ${String(body.removeType).replace('OBJECT_', '')} has no operation`);
  }
}

const RENAMES = new Set(['OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_TABCONSTRAINT']);
/** relationType is only meaningful for RENAME COLUMN (ALTER VIEW … RENAME COLUMN and the like). */
const NOT_TABLES = new Set(['OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE', 'OBJECT_TYPE']);

export function renameSteps(ctx: StatementContext, body: AstNode): ImportedStep[] {
  if (!RENAMES.has(String(body.renameType)) || NOT_TABLES.has(String(body.relationType)))
    throw new NotMapped(`ALTER … RENAME of a ${String(body.renameType).replace('OBJECT_', '')} is kept as written`);
  const table = relationName(body.relation);
  const to = plainName(body.newname);
  switch (body.renameType) {
    case 'OBJECT_TABLE':
      return [
        step(
          'expand',
          'rename_table',
          { from: table, to },
          'renamed with a view under the old name until contract, so both versions keep working',
        ),
      ];
    case 'OBJECT_TABCONSTRAINT':
      return [
        step('expand', 'rename_constraint', { table, from: plainName(body.subname), to }, 'a catalog-only rename'),
      ];
    case 'OBJECT_COLUMN': {
      const from = plainName(body.subname);
      const type = ctx.memory.columnTypes.get(`${table}.${from}`);
      if (!type)
        throw new NotMapped(
          `the type of ${table}.${from} is not in this import (rename_column needs it: write the plan with ` +
            '`schemashift new rename-column --database URL` instead)',
        );
      ctx.memory.columnTypes.set(`${table}.${to}`, type);
      return [
        step(
          'expand',
          'rename_column',
          { table, from, to, type },
          'expand/contract: new column kept in step by trigger, backfill, a gate for the deploy, old column dropped in contract',
        ),
      ];
    }
    default:
      throw new NotMapped('this rename is kept as written');
  }
}

export function commentSteps(_ctx: StatementContext, body: AstNode): ImportedStep[] {
  const parts = objectName(body.object as AstNode);
  const comment = (body.comment as string | undefined) ?? null;
  if (body.objtype === 'OBJECT_TABLE')
    return [step('expand', 'set_comment', { table: parts.join('.'), comment }, 'a catalog-only change')];
  if (body.objtype === 'OBJECT_COLUMN' && parts.length >= 2) {
    const column = parts[parts.length - 1]!;
    return [
      step('expand', 'set_comment', { table: parts.slice(0, -1).join('.'), column, comment }, 'a catalog-only change'),
    ];
  }
  throw new NotMapped(`COMMENT ON ${String(body.objtype).replace('OBJECT_', '')} is kept as written`);
}
