import type { z } from 'zod';
import type { NewTableColumn, NewTableConstraint } from '../dialects/actions-create-table.js';
import { splitQualified } from '../dialects/dialect.js';
import { activeSqlParser } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { columnConstraints, tableConstraints } from './create-table-constraints.js';
import { createTableFields, type TableColumnSpec } from './create-table-schema.js';
import { defineOperation, type DbObject } from './types.js';

const SERIAL = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

function isSerial(type: string): boolean {
  const names = activeSqlParser().typeNameParts(type);
  return names.length === 1 && SERIAL.has(names[0]?.toLowerCase() ?? '');
}

type Ctx = z.RefinementCtx;

function issue(ctx: Ctx, path: (string | number)[], message: string, hint: string): void {
  ctx.addIssue({ code: 'custom', path, message, params: { hint } });
}

/** A value comes from one place: a default, an identity sequence, a generation expression or a serial's sequence. */
function refuseValueClash(c: TableColumnSpec, i: number, ctx: Ctx): void {
  const sources = [
    ...(c.default !== undefined ? ['default'] : []),
    ...(c.identity !== undefined ? ['identity'] : []),
    ...(c.generated !== undefined ? ['generated'] : []),
    ...(isSerial(c.type) ? [`type ${c.type}`] : []),
  ];
  if (sources.length < 2) return;
  const field = sources[1]?.startsWith('type') ? 'type' : (sources[1] ?? 'default');
  issue(
    ctx,
    ['columns', i, field],
    `column ${c.name} takes its value from both ${sources.join(' and ')}: a column has one source of values`,
    'keep one: `identity: always` (or a serial type) for a generated key, `default` for a value applications may ' +
      'override, `generated` for a value computed from other columns',
  );
}

function refuseNullablePk(c: TableColumnSpec, i: number, ctx: Ctx): void {
  if (c.pk && c.nullable === true)
    issue(
      ctx,
      ['columns', i, 'nullable'],
      `column ${c.name} is part of the primary key, which is NOT NULL, yet says nullable: true`,
      'leave out `nullable` (a primary key column is NOT NULL), or drop `pk` and use `unique: true` for a nullable key',
    );
}

function refuseDuplicates(names: string[], path: (i: number) => (string | number)[], what: string, ctx: Ctx): void {
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i)
      issue(ctx, path(i), `${what} ${name} is defined twice`, `give each ${what} its own name`);
  });
}

function refuseUnknownColumns(spec: z.output<typeof createTableFields>, ctx: Ctx): void {
  const known = new Set(spec.columns.map((c) => c.name));
  const check = (column: string, path: (string | number)[]) => {
    if (!known.has(column))
      issue(
        ctx,
        path,
        `column ${column} is not a column of ${spec.name}`,
        `name one of its columns: ${[...known].join(', ')}`,
      );
  };
  spec.constraints.forEach((c, i) => {
    if ('columns' in c) c.columns.forEach((col, j) => check(col, ['constraints', i, 'columns', j]));
    if ('index_parameters' in c)
      c.index_parameters?.include?.forEach((col, j) =>
        check(col, ['constraints', i, 'index_parameters', 'include', j]),
      );
  });
}

function refuseConstraintShapes(spec: z.output<typeof createTableFields>, ctx: Ctx): void {
  const pkColumns = spec.columns.filter((c) => c.pk).map((c) => c.name);
  spec.constraints.forEach((c, i) => {
    if (c.type === 'primary_key' && pkColumns.length > 0)
      issue(
        ctx,
        ['constraints', i],
        `${spec.name} gets two primary keys: columns ${pkColumns.join(', ')} say pk: true, and constraint ${c.name}`,
        'keep one: pk: true on the key columns (composite when several), or a primary_key constraint',
      );
    if (c.type === 'foreign_key' && c.references.columns && c.references.columns.length !== c.columns.length)
      issue(
        ctx,
        ['constraints', i, 'references', 'columns'],
        `foreign key ${c.name} lists ${c.columns.length} column(s) but references ${c.references.columns.length}`,
        'give references.columns one column per entry of columns, in the same order',
      );
    if (c.type === 'check' && (c.deferrable || c.initially_deferred))
      issue(
        ctx,
        ['constraints', i, c.deferrable ? 'deferrable' : 'initially_deferred'],
        `check constraint ${c.name} cannot be deferred: PostgreSQL checks CHECK constraints at once, row by row`,
        'leave out deferrable and initially_deferred on a check constraint',
      );
    else if (c.initially_deferred && !c.deferrable)
      issue(
        ctx,
        ['constraints', i, 'initially_deferred'],
        `constraint ${c.name} is INITIALLY DEFERRED but not DEFERRABLE`,
        'add `deferrable: true`',
      );
  });
}

/** A foreign key to this very table without referenced columns means its primary key: there must be one. */
function refuseSelfReferenceWithoutKey(spec: z.output<typeof createTableFields>, ctx: Ctx): void {
  const hasPk = spec.columns.some((c) => c.pk) || spec.constraints.some((c) => c.type === 'primary_key');
  if (hasPk) return;
  const hint = 'name the referenced column(s), or give the table a primary key';
  spec.columns.forEach((c, i) => {
    if (c.references?.table === spec.name && c.references.column === undefined)
      issue(ctx, ['columns', i, 'references'], `${c.name} references ${spec.name}, which has no primary key`, hint);
  });
  spec.constraints.forEach((c, i) => {
    if (c.type === 'foreign_key' && c.references.table === spec.name && c.references.columns === undefined)
      issue(ctx, ['constraints', i, 'references'], `${c.name} references ${spec.name}, which has no primary key`, hint);
  });
}

export const createTableSchema = createTableFields.superRefine((spec, ctx) => {
  refuseSelfReferenceWithoutKey(spec, ctx);
  spec.columns.forEach((c, i) => {
    refuseValueClash(c, i, ctx);
    refuseNullablePk(c, i, ctx);
  });
  refuseDuplicates(
    spec.columns.map((c) => c.name),
    (i) => ['columns', i, 'name'],
    'column',
    ctx,
  );
  refuseUnknownColumns(spec, ctx);
  refuseConstraintShapes(spec, ctx);
  const names = [...columnConstraints(spec), ...tableConstraints(spec)].map((c) => c.name);
  refuseDuplicates(names, () => ['constraints'], 'constraint', ctx);
});

export type CreateTableSpec = z.output<typeof createTableSchema>;

/** Primary key columns are NOT NULL; others are nullable unless the plan says `nullable: false`. */
export function notNull(c: TableColumnSpec): boolean {
  return c.pk || c.nullable === false;
}

function newColumn(c: TableColumnSpec): NewTableColumn {
  const column: NewTableColumn = { name: c.name, type: c.type, notNull: notNull(c) };
  if (c.default !== undefined) column.default = c.default;
  if (c.generated !== undefined) column.generated = c.generated.expression;
  if (c.identity !== undefined) {
    const spec = typeof c.identity === 'string' ? { generation: c.identity } : c.identity;
    column.identity = { always: spec.generation === 'always' };
    if ('start' in spec && spec.start !== undefined) column.identity.start = spec.start;
    if ('increment' in spec && spec.increment !== undefined) column.identity.increment = spec.increment;
  }
  if (c.comment !== undefined) column.comment = c.comment;
  return column;
}

function allConstraints(spec: CreateTableSpec): NewTableConstraint[] {
  return [...columnConstraints(spec), ...tableConstraints(spec)];
}

/** The table as the plan defines it: an existing one is adopted only with the same columns. */
function tableObject(spec: CreateTableSpec): DbObject {
  const columns = spec.columns.map((c) => ({ name: c.name, type: c.type, nullable: !notNull(c) }));
  return { kind: 'table', name: spec.name, columns };
}

export const createTable = defineOperation<CreateTableSpec>({
  kind: 'create_table',
  description:
    'Create a table with its columns, keys, checks, foreign keys and comments in one transaction (no lock on ' +
    'existing tables but the SHARE ROW EXCLUSIVE a foreign key takes on the table it references).',
  schema: createTableSchema,
  allowedPhases: ['expand', 'migrate'],
  target: (spec) => spec.name,
  forward: (spec, ctx) => {
    const constraints = allConstraints(spec);
    const fks = constraints.filter((c) => c.type === 'foreign key').length;
    const action = {
      kind: 'create-table' as const,
      name: spec.name,
      columns: spec.columns.map(newColumn),
      constraints,
      ...(spec.comment === undefined ? {} : { comment: spec.comment }),
    };
    const what = `${spec.columns.length} column(s)${fks > 0 ? `, ${fks} foreign key(s)` : ''}`;
    return [
      actionStep(ctx, {
        id: ctx.id,
        summary: `create table ${spec.name} (${what})`,
        action,
        effect: { does: 'create', object: tableObject(spec) },
      }),
    ];
  },
  inverse: (spec, ctx) => ({
    steps: [
      actionStep(ctx, {
        id: `${ctx.id}/undo`,
        summary: `drop table ${spec.name} (created by this plan)`,
        action: { kind: 'drop-table', name: spec.name },
        undoes: ctx.id,
      }),
    ],
  }),
});

export function bareTableName(table: string): string {
  return splitQualified(table).name;
}
