/** `CREATE INDEX` → create_index (CONCURRENTLY); `DROP INDEX` → drop_index in contract when its table is known. */
import type { ImportedStep } from '../../import.js';
import type { AstNode } from '../sql/ast.js';
import { indexName, schemaQualified } from './constraints.js';
import { indexColumnNames } from './index-column-names.js';
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

const SORT: Record<string, string> = { SORTBY_ASC: 'asc', SORTBY_DESC: 'desc' };
const NULLS: Record<string, string> = { SORTBY_NULLS_FIRST: 'first', SORTBY_NULLS_LAST: 'last' };

function keyColumn(element: AstNode): string | Record<string, unknown> {
  const name = plainName(element.name);
  if (element.collation) throw new NotMapped('COLLATE on an index key is kept as written');
  const opclass = element.opclass ? stringList(element.opclass).join('.') : undefined;
  if (element.opclassopts) throw new NotMapped('operator class options are kept as written');
  const extra = defined({
    sort: SORT[String(element.ordering)],
    nulls: NULLS[String(element.nulls_ordering)],
    opclass,
  });
  return Object.keys(extra).length === 0 ? name : { column: name, ...extra };
}

function keyExpression(ctx: StatementContext, element: AstNode): string {
  if (element.collation) throw new NotMapped('COLLATE on an index expression is kept as written');
  if (element.ordering !== 'SORTBY_DEFAULT' || element.nulls_ordering !== 'SORTBY_NULLS_DEFAULT' || element.opclass)
    throw new NotMapped('an ordered expression key is kept as written');
  return expressionOf(ctx, element.expr);
}

export function createIndexSteps(ctx: StatementContext, body: AstNode): ImportedStep[] {
  if (body.tableSpace || body.options) throw new NotMapped('index storage options are kept as written');
  if (body.nulls_not_distinct) throw new NotMapped('NULLS NOT DISTINCT on an index is kept as written');
  const table = relationName(body.relation);
  if ((body.relation as AstNode).inh !== true) throw new NotMapped('CREATE INDEX ON ONLY is kept as written');
  if (ctx.memory.partitionedTables.has(schemaQualified(table)))
    throw new NotMapped('an index on a partitioned table cannot be built CONCURRENTLY');
  const elements = ((body.indexParams as AstNode[] | undefined) ?? []).map((p) => p.IndexElem as AstNode);
  const columns = elements.filter((e) => e.name !== undefined).map(keyColumn);
  const expressions = elements.filter((e) => e.name === undefined).map((e) => keyExpression(ctx, e));
  if (columns.length > 0 && expressions.length > 0) throw new NotMapped('an index mixing columns and expressions');
  const generated = body.idxname === undefined;
  const included = ((body.indexIncludingParams as AstNode[] | undefined) ?? []).map((p) => p.IndexElem as AstNode);
  const name = indexName(ctx, table, body.idxname, () => indexColumnNames(elements, included).join('_'));
  ctx.memory.indexTables.set(indexKey(table, name), table);
  const method = body.accessMethod === 'btree' ? undefined : body.accessMethod;
  const include = body.indexIncludingParams
    ? (body.indexIncludingParams as AstNode[]).map((p) => plainName((p.IndexElem as AstNode).name))
    : undefined;
  const spec = defined({
    table,
    name,
    columns: columns.length ? columns : undefined,
    expressions: expressions.length ? expressions : undefined,
    unique: body.unique ? true : undefined,
    where: body.whereClause === undefined ? undefined : expressionOf(ctx, body.whereClause),
    include,
    method,
  });
  const notes = [
    body.concurrent ? 'CONCURRENTLY as written' : 'built CONCURRENTLY: writes go on during the build',
    body.if_not_exists
      ? 'IF NOT EXISTS: if_exists: adopt (an existing index with the same definition is taken over)'
      : '',
    generated ? `unnamed: named ${name} as PostgreSQL would` : '',
  ];
  const created = step('expand', 'create_index', spec, notes.filter(Boolean).join('; '));
  if (body.if_not_exists) created.step.if_exists = 'adopt';
  return [created];
}

/** An index lives in its table's schema; unqualified names are in public (a search_path elsewhere is refused). */
function indexKey(table: string, index: string): string {
  return `${table.includes('.') ? table.slice(0, table.lastIndexOf('.')) : 'public'}.${index}`;
}

export function dropIndexSteps(ctx: StatementContext, name: string[]): ImportedStep[] {
  const index = name[name.length - 1]!;
  const schema = name.length > 1 ? name[name.length - 2]! : 'public';
  const table = ctx.memory.indexTables.get(`${schema}.${index}`);
  if (!table) throw new NotMapped("DROP INDEX does not name the index's table (drop_index needs it)");
  return [step('contract', 'drop_index', { table, name: index }, 'dropped CONCURRENTLY in contract')];
}
