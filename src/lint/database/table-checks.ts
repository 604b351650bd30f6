/** create_table and drop_table against the schema at their point in the plan. */
import { splitQualified } from '../../dialects/dialect.js';
import { notNull, type CreateTableSpec } from '../../operations/create-table.js';
import { columnConstraints, tableConstraints } from '../../operations/create-table-constraints.js';
import type { DropTableSpec } from '../../operations/drop-table.js';
import { boundedName } from '../../operations/sync-trigger.js';
import type { CheckContext } from './context.js';
import { alreadyExists, article, at, emit, hasUniqueKey, needColumn, needTable, needType } from './requirements.js';
import type { SimRelation } from './sim-state.js';

/** How an existing table differs from the plan's columns (names, base types, nullability). */
function columnDifferences(ctx: CheckContext, spec: CreateTableSpec, existing: SimRelation): string[] {
  if (!existing.columns) return [];
  const out: string[] = [];
  for (const c of spec.columns) {
    const live = existing.columns.get(c.name);
    const base = ctx.types(c.type);
    if (!live) out.push(`it has no column ${c.name}`);
    else if (base && live.baseType && base !== live.baseType) out.push(`${c.name} is ${live.type ?? live.baseType}`);
    else if (live.notNull !== notNull(c)) out.push(`${c.name} is ${live.notNull ? 'NOT NULL' : 'nullable'}`);
  }
  const extra = [...existing.columns.keys()].filter((n) => !spec.columns.some((c) => c.name === n));
  if (extra.length > 0) out.push(`it has columns the plan does not: ${extra.join(', ')}`);
  return out;
}

function tableName(ctx: CheckContext, spec: CreateTableSpec): void {
  const existing = ctx.state.find(spec.name);
  if (!existing) return;
  if (existing.kind !== 'table' && existing.kind !== 'partitioned table') {
    const kind = existing.index ? 'index' : existing.kind;
    emit(
      ctx,
      'db-name-taken',
      at('name'),
      `${spec.name} already exists as ${article(kind)} ${kind}: \`run\` refuses to create the table`,
      'pick another table name',
    );
    return;
  }
  alreadyExists(ctx, at('name'), `table ${spec.name}`, columnDifferences(ctx, spec, existing));
}

/** The index of each primary key and unique constraint takes its name in the table's schema. */
function indexNames(
  ctx: CheckContext,
  spec: CreateTableSpec,
  names: { name: string; path: (string | number)[] }[],
): void {
  if (ctx.state.find(spec.name)) return;
  for (const { name, path } of names) {
    const taken = ctx.state.sibling(spec.name, name);
    if (taken)
      emit(
        ctx,
        'db-name-taken',
        at(...path),
        `${taken.schema}.${name} already exists as ${article(taken.kind)} ${taken.kind}: the index of constraint ` +
          `${name} cannot take that name, so CREATE TABLE fails`,
        'name the constraint differently',
      );
  }
}

/** The referenced table (this very table for a self-reference), its columns, and a unique key over them. */
function reference(
  ctx: CheckContext,
  spec: CreateTableSpec,
  ref: { table: string; columns?: string[] | undefined },
  path: (string | number)[],
): void {
  const own = new Set(spec.columns.map((c) => c.name));
  if (ref.table === spec.name) {
    for (const c of ref.columns ?? []) if (!own.has(c)) needColumnOfNew(ctx, spec, c, [...path, 'column']);
    return;
  }
  const table = needTable(ctx, at(...path, 'table'), ref.table);
  if (!table?.columns) return;
  const columns = ref.columns ?? [...table.constraints.values()].find((c) => c.type === 'primary key')?.columns;
  if (!columns) {
    emit(
      ctx,
      'db-missing-unique-key',
      at(...path, 'table'),
      `${ref.table} has no primary key, so a foreign key without referenced columns has nothing to reference`,
      'name the referenced column(s), which need a unique constraint',
    );
    return;
  }
  const missing = columns.filter((c) => !needColumn(ctx, at(...path), table, c));
  if (missing.length > 0 || hasUniqueKey(ctx, table, columns)) return;
  emit(
    ctx,
    'db-missing-unique-key',
    at(...path),
    ctx.simulate.advice.foreignKeyTargetNotUnique(table.name, columns.join(', ')),
    `add a unique constraint on ${table.name} (${columns.join(', ')}) in an earlier step (add_unique), or reference ` +
      `its primary key`,
  );
}

function needColumnOfNew(ctx: CheckContext, spec: CreateTableSpec, column: string, path: (string | number)[]): void {
  emit(
    ctx,
    'db-missing-column',
    at(...path),
    `column ${column} is not a column of ${spec.name} (its columns: ${spec.columns.map((c) => c.name).join(', ')})`,
    'name one of the columns this step creates',
  );
}

/** Every bare column a CHECK or generated expression reads is a column of the new table. */
function ownColumnsRead(ctx: CheckContext, spec: CreateTableSpec, sql: string, path: (string | number)[]): void {
  const own = new Set(spec.columns.map((c) => c.name));
  for (const column of ctx.simulate.columnsRead(sql, 'condition') ?? [])
    if (!own.has(column)) needColumnOfNew(ctx, spec, column, path);
}

function checkColumns(ctx: CheckContext, spec: CreateTableSpec): void {
  spec.columns.forEach((c, i) => {
    needType(ctx, at('columns', i, 'type'), c.type);
    if (typeof c.check === 'string') ownColumnsRead(ctx, spec, c.check, ['columns', i, 'check']);
    else if (c.check) ownColumnsRead(ctx, spec, c.check.constraint, ['columns', i, 'check', 'constraint']);
    if (c.generated) ownColumnsRead(ctx, spec, c.generated.expression, ['columns', i, 'generated', 'expression']);
    if (c.references) {
      const { table, column } = c.references;
      reference(ctx, spec, column === undefined ? { table } : { table, columns: [column] }, [
        'columns',
        i,
        'references',
      ]);
    }
  });
}

function checkConstraints(ctx: CheckContext, spec: CreateTableSpec): void {
  const bare = splitQualified(spec.name).name;
  const indexed: { name: string; path: (string | number)[] }[] = [];
  if (spec.columns.some((c) => c.pk)) indexed.push({ name: boundedName(bare, 'pkey'), path: ['name'] });
  spec.columns.forEach((c, i) => {
    if (c.unique) indexed.push({ name: boundedName(bare, c.name, 'key'), path: ['columns', i, 'unique'] });
  });
  spec.constraints.forEach((c, i) => {
    if (c.type === 'check') ownColumnsRead(ctx, spec, c.check, ['constraints', i, 'check']);
    if (c.type === 'foreign_key') reference(ctx, spec, c.references, ['constraints', i, 'references']);
    if (c.type === 'unique' || c.type === 'primary_key')
      indexed.push({ name: c.name, path: ['constraints', i, 'name'] });
    if (c.type === 'unique' && c.nulls_not_distinct && ctx.state.server.versionNum < 150000)
      emit(
        ctx,
        'db-server-version',
        at('constraints', i, 'nulls_not_distinct'),
        `NULLS NOT DISTINCT needs PostgreSQL 15; the server runs ${ctx.state.server.version}`,
        'leave it out (NULLs then count as distinct), or upgrade the server first',
      );
  });
  indexNames(ctx, spec, indexed);
}

export function checkCreateTable(ctx: CheckContext, spec: CreateTableSpec): void {
  tableName(ctx, spec);
  checkColumns(ctx, spec);
  checkConstraints(ctx, spec);
}

/** What still depends on the table at this point of the plan (earlier steps may have dropped some). */
function dependentsNow(ctx: CheckContext, table: SimRelation): string[] {
  return (table.dependents ?? [])
    .filter((d) => {
      if (d.relation === null) return true;
      const holder = ctx.state.find(d.relation);
      return holder !== undefined && (d.constraint === null || holder.constraints.has(d.constraint));
    })
    .map((d) => d.what);
}

/** Foreign keys of tables this plan created earlier (and has not dropped) that reference `name`. */
function plannedReferences(ctx: CheckContext, name: string): string[] {
  return ctx.plan.entries.flatMap((e) => {
    if (e.kind !== 'create_table' || e === ctx.entry) return [];
    const spec = e.spec as CreateTableSpec;
    if (!ctx.state.find(spec.name)?.created) return [];
    return [...columnConstraints(spec), ...tableConstraints(spec)].flatMap((c) =>
      c.type === 'foreign key' && c.references.table === name ? [`foreign key ${c.name} on ${spec.name}`] : [],
    );
  });
}

export function checkDropTable(ctx: CheckContext, spec: DropTableSpec): void {
  const table = ctx.state.find(spec.name);
  if (!table) {
    emit(
      ctx,
      'db-missing-drop-target',
      at('name'),
      `table ${spec.name} does not exist at this step: \`run\` refuses to drop what is not there (a misspelt name ` +
        `would leave the real table in place)`,
      'check the table name and its schema (\\dt lists them); if it is gone on purpose, remove the step',
    );
    return;
  }
  if (table.kind !== 'table' && table.kind !== 'partitioned table') {
    const kind = table.index ? 'index' : table.kind;
    emit(ctx, 'db-name-taken', at('name'), `${spec.name} is ${article(kind)} ${kind}, not a table`, 'name a table');
    return;
  }
  const dependents = [...dependentsNow(ctx, table), ...plannedReferences(ctx, spec.name)];
  if (dependents.length > 0)
    emit(
      ctx,
      'db-table-has-dependents',
      at('name'),
      `${spec.name} cannot be dropped: ${dependents.join(', ')} depend${dependents.length > 1 ? '' : 's'} on it ` +
        `(schemashift never drops with CASCADE)`,
      'drop or change the dependents first in an earlier step (drop_constraint for a foreign key, a `sql` step ' +
        'with DROP VIEW for a view), then drop the table',
    );
}
