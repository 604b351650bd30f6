/** The building blocks of the checks: "this table must exist here", "this column too", … */
import type { SourcePos } from '../../errors.js';
import { didYouMean } from '../../plan/suggest.js';
import type { YamlPath } from '../../plan/types.js';
import type { Severity } from '../types.js';
import type { CheckContext } from './context.js';
import type { DatabaseRuleId } from './rules.js';
import type { SimColumn, SimRelation } from './sim-state.js';

/** Where a finding goes: a path inside the entry's spec, or a position inside raw SQL. */
export type Place = { path: YamlPath } | { at: SourcePos };

export function emit(
  ctx: CheckContext,
  rule: DatabaseRuleId,
  place: Place,
  message: string,
  help: string,
  severity?: Severity,
): void {
  if ('path' in place) ctx.report(rule, place.path, message, help, severity);
  else ctx.reportAt(rule, place.at, message, help, severity);
}

export const at = (...path: YamlPath): Place => ({ path });

function searchPathText(ctx: CheckContext): string {
  return ctx.state.userSearchPath().join(', ') || 'empty';
}

/** A table or view that must exist at this point of the plan; reported when it does not. */
export function needTable(ctx: CheckContext, place: Place, name: string): SimRelation | undefined {
  const rel = ctx.state.find(name);
  if (rel && rel.kind !== 'index' && rel.kind !== 'partitioned index' && rel.kind !== 'sequence') return rel;
  if (rel) {
    emit(
      ctx,
      'db-name-taken',
      place,
      `${name} is ${article(rel.kind)} ${rel.kind}, not a table`,
      'name the table the step works on',
    );
    return undefined;
  }
  const hint = didYouMean(name, ctx.state.tableNames());
  emit(
    ctx,
    'db-missing-table',
    place,
    `table ${name} does not exist (search_path: ${searchPathText(ctx)}) and no earlier step of this plan creates it`,
    `${hint ? `${hint} ` : ''}check the name and its schema, or create the table in an earlier step or plan`,
  );
  return undefined;
}

export function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/** A column that must exist on `table` at this point; undefined (unreported) when the table's columns are not known. */
export function needColumn(
  ctx: CheckContext,
  place: Place,
  table: SimRelation,
  column: string,
  readBy?: string,
): SimColumn | undefined {
  if (!table.columns) return undefined;
  const found = table.columns.get(column);
  if (found) return found;
  const hint = didYouMean(column, [...table.columns.keys()]);
  emit(
    ctx,
    'db-missing-column',
    place,
    `column ${column}${readBy ? ` (read by \`${readBy}\`)` : ''} does not exist on ${table.name} at this step (its ` +
      `columns: ${columnList([...table.columns.keys()])})`,
    `${hint ? `${hint} ` : ''}name an existing column, or add it in an earlier step (add_column)`,
  );
  return undefined;
}

function columnList(names: string[]): string {
  if (names.length === 0) return 'none';
  return names.length > 12 ? `${names.slice(0, 12).join(', ')}, … ${names.length - 12} more` : names.join(', ');
}

/** Every bare column an expression reads must exist on the table. */
export function needExpressionColumns(
  ctx: CheckContext,
  place: Place,
  table: SimRelation,
  expression: string,
  context: 'value' | 'condition',
): void {
  for (const column of ctx.simulate.columnsRead(expression, context) ?? []) {
    needColumn(ctx, place, table, column, expression);
  }
}

/** Every relation a query reads (`tablesRead`, CTE names aside) must exist. */
export function needTablesRead(ctx: CheckContext, place: Place, tablesRead: string[]): void {
  for (const name of tablesRead) needTable(ctx, place, name);
}

/** The server's base type for a type name, null (reported) when it knows none, undefined when not resolvable now. */
export function needType(ctx: CheckContext, place: Place, type: string): string | null | undefined {
  const resolved = ctx.types(type);
  if (resolved !== null) return resolved;
  if (ctx.state.createdTypes.has(type)) return undefined;
  emit(
    ctx,
    'db-missing-type',
    place,
    `type ${type} does not exist on this server (PostgreSQL ${ctx.state.server.version}) and no earlier step creates ` +
      `it`,
    'check the spelling (e.g. bigint, timestamptz, text), or create the type (CREATE TYPE / CREATE DOMAIN) in an ' +
      'earlier step',
  );
  return null;
}

const ADOPT_HELP =
  'add `if_exists: adopt` to the step to take it over (rollback then leaves it in place), or pick another name';

/**
 * An object the step creates already exists at this point: `run` refuses the step unless it adopts
 * the object; `differences` (when known) are why even adopting is refused.
 */
export function alreadyExists(ctx: CheckContext, place: Place, object: string, differences: string[] = []): void {
  if (!ctx.entry.adopt) {
    emit(
      ctx,
      'db-already-exists',
      place,
      `${object} already exists and this plan does not create it: \`run\` refuses the step (a rollback would ` +
        `otherwise drop it)`,
      ADOPT_HELP,
    );
  } else if (differences.length > 0) {
    emit(
      ctx,
      'db-already-exists',
      place,
      `${object} already exists but differs from the plan (${differences.join('; ')}): \`run\` refuses to adopt it`,
      'make the plan say what exists, or change the object by hand, or pick another name',
    );
  }
}

/** A valid, non-partial unique index or constraint whose key is exactly these columns (any order). */
export function hasUniqueKey(ctx: CheckContext, table: SimRelation, columns: string[]): boolean {
  const same = (cols: string[] | null | undefined) =>
    !!cols && cols.length === columns.length && columns.every((c) => cols.includes(c));
  if ([...table.constraints.values()].some((c) => (c.type === 'unique' || c.type === 'primary key') && same(c.columns)))
    return true;
  return ctx.state
    .indexesOf(table)
    .some((i) => i.index && i.index.unique && i.index.valid && !i.index.partial && same(i.index.columns));
}
