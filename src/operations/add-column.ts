import { z } from 'zod';
import type { AddColumnAction } from '../dialects/actions-table.js';
import { splitQualified } from '../dialects/dialect.js';
import { activeSqlParser, identifier, qualifiedName, sqlExpression, sqlType } from '../plan/primitives.js';
import { callText, type SqlParser } from '../dialects/parser.js';
import { actionStep } from './action-step.js';
import { commentText } from './set-comment.js';
import { refuseVolatileDefault as refuseVolatileSyncDefault } from './drop-column.js';
import { installSyncSteps, removeSyncSteps, reportSyncProblem, type SyncSpec } from './sync-trigger.js';
import { defineOperation, type DbObject, type Step } from './types.js';

const syncFrom = z.union([
  identifier,
  z
    .object({
      column: identifier.describe('The old column that writers still write.'),
      expression: sqlExpression
        .optional()
        .describe('SQL computing the new value from the old column (default: the old value).'),
      reverse: sqlExpression
        .optional()
        .describe('SQL computing the old column from the new one, for writers that only know the new column.'),
      both_ways: z.boolean().default(false).describe('Also fill the old column from the new one (old readers remain).'),
      default: sqlExpression
        .optional()
        .describe(
          "The old column's DEFAULT as the catalog shows it, when the new column has a `default` too: an INSERT that " +
            'leaves both at their defaults is left alone.',
        ),
    })
    .strict(),
]);

export const addColumnSchema = z
  .object({
    table: qualifiedName,
    column: z
      .object({
        name: identifier.describe("The new column's name."),
        type: sqlType,
        nullable: z
          .boolean()
          .default(true)
          .describe(
            'false adds it NOT NULL, which needs a constant `default` (else: add nullable, backfill, set_not_null).',
          ),
        default: sqlExpression.optional().describe('A constant default; volatile defaults are refused.'),
        default_volatility: z
          .enum(['immutable', 'stable'])
          .optional()
          .describe(
            'Your word that `default`, which calls functions schemashift does not know, is evaluated once (as the ' +
              "database's catalog declares it): checked against the database by validate --database and before the " +
              'column is added.',
          ),
        comment: commentText.optional().describe('A comment on the column, set in the same transaction as ADD COLUMN.'),
      })
      .strict()
      .describe('The column to add.'),
    sync_from: syncFrom
      .optional()
      .describe('Keep the new column in step with this old column by trigger until contract.'),
    up: sqlExpression
      .optional()
      .describe(
        'SQL filling the new column, until contract, for rows the old application version writes (it does not know ' +
          'the column), over any columns of the row by bare name; no old column needed (use sync_from for that).',
      ),
  })
  .strict()
  .superRefine((spec, ctx) => {
    refuseSerial(spec, ctx);
    refuseVolatileDefault(spec, ctx);
    if (!spec.column.nullable && spec.column.default === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['column', 'nullable'],
        message: `column ${spec.column.name} is NOT NULL without a default: adding it fails on a table that has rows`,
        params: {
          hint: 'add it nullable (or with a constant default), backfill it in migrate, then use `set_not_null`',
        },
      });
    }
    refuseBadSync(spec, ctx);
  });

type RawSpec = {
  table: string;
  column: { name: string; type: string; default?: string | undefined; default_volatility?: string | undefined };
  sync_from?: z.output<typeof syncFrom> | undefined;
  up?: string | undefined;
};

/** serial is not a type but CREATE TABLE shorthand for a sequence and a nextval() default: a table rewrite. */
function refuseSerial(spec: RawSpec, ctx: z.RefinementCtx): void {
  const base = serialBase(spec.column.type);
  if (base === undefined) return;
  const { table, column } = { table: spec.table, column: spec.column.name };
  const sequence = `${splitQualified(table).name}_${column}_seq`;
  ctx.addIssue({
    code: 'custom',
    path: ['column', 'type'],
    message:
      `\`${spec.column.type}\` is not a type PostgreSQL can add to an existing table without rewriting it: it ` +
      `means ${base} with a nextval() default, evaluated for every existing row under an ACCESS EXCLUSIVE lock`,
    params: {
      hint: activeSqlParser().lint.recipes.serialColumn(table, column, base, sequence),
    },
  });
}

function refuseVolatileDefault(spec: RawSpec, ctx: z.RefinementCtx): void {
  const dflt = spec.column.default;
  if (dflt === undefined) return;
  const help = activeSqlParser().lint.recipes.volatileDefault(spec.table, spec.column.name, spec.column.type, dflt);
  const v = activeSqlParser().volatility(dflt);
  if (v.volatile) {
    ctx.addIssue({
      code: 'custom',
      path: ['column', 'default'],
      message:
        `default \`${dflt}\` calls ${v.fn}(), which is volatile: adding it rewrites the whole table under an ACCESS ` +
        `EXCLUSIVE lock`,
      params: { hint: help },
    });
    return;
  }
  const unknown = activeSqlParser().unknownCalls(dflt);
  if (unknown.length === 0 || spec.column.default_volatility !== undefined) return;
  ctx.addIssue({
    code: 'custom',
    path: ['column', 'default'],
    message:
      `default \`${dflt}\` calls ${unknown.map(callText).join(', ')}, whose volatility only the database knows: ` +
      `treated as volatile, and a volatile default rewrites the whole table under an ACCESS EXCLUSIVE lock`,
    params: {
      hint:
        `${help}; or, if the database's catalog says ${unknown.length > 1 ? 'they are' : 'it is'} STABLE or ` +
        `IMMUTABLE, add \`default_volatility: stable\` to the column: validate --database checks it, and the step ` +
        `refuses to run if the database disagrees`,
    },
  });
}

/**
 * The sync trigger tells an INSERT that left the new column out by its value: NULL, or its default when it has
 * one, which must then be stable (checked with the column's other default rules above).
 */
function refuseBadSync(spec: RawSpec, ctx: z.RefinementCtx): void {
  if (spec.up !== undefined && spec.sync_from !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['up'],
      message: '`up` and `sync_from` both say how the new column is filled: give one',
      params: { hint: 'with an old column, write the expression as sync_from: { column: …, expression: … }' },
    });
    return;
  }
  const sync = syncSpecOf(spec);
  if (!sync) return;
  const fromDefault = typeof spec.sync_from === 'object' ? spec.sync_from.default : undefined;
  if (fromDefault !== undefined && spec.column.default === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['sync_from', 'default'],
      message: `the old column's default is only compared with when ${spec.column.name} has a \`default\` too`,
      params: { hint: 'remove sync_from.default' },
    });
  refuseVolatileSyncDefault(fromDefault, ctx, ['sync_from', 'default']);
  const expressionPath = (field: 'expression' | 'reverse') =>
    typeof spec.sync_from === 'object' && spec.sync_from[field] !== undefined ? ['sync_from', field] : ['sync_from'];
  const forward = spec.up === undefined ? expressionPath('expression') : ['up'];
  reportSyncProblem(ctx, sync, {
    forward,
    reverse: expressionPath('reverse'),
    toDefault: ['column', 'default'],
    fromDefault: ['sync_from', 'default'],
  });
}

export type AddColumnSpec = z.output<typeof addColumnSchema>;

export function syncSpecOf(spec: Pick<RawSpec, 'table' | 'column' | 'sync_from' | 'up'>): SyncSpec | undefined {
  const from = spec.sync_from;
  const base: SyncSpec = { table: spec.table, to: spec.column.name };
  if (spec.column.default !== undefined) base.toDefault = spec.column.default;
  if (from === undefined) return spec.up === undefined ? undefined : { ...base, forward: spec.up };
  if (typeof from === 'string') return { ...base, from };
  const sync: SyncSpec = { ...base, from: from.column };
  if (from.default !== undefined && spec.column.default !== undefined) sync.fromDefault = from.default;
  if (from.expression !== undefined) sync.forward = from.expression;
  if (from.reverse !== undefined) sync.reverse = from.reverse;
  else if (from.both_ways) sync.reverse = activeSqlParser().columnRef(spec.column.name);
  return sync;
}

const SERIAL_BASE: Record<string, string> = {
  serial: 'integer',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
  smallserial: 'smallint',
  serial2: 'smallint',
};

/** The integer type behind a serial pseudo-type (`serial`, `BIGSERIAL`, `"serial"`, `serial[]`), else undefined. */
function serialBase(type: string): string | undefined {
  const names = activeSqlParser().typeNameParts(type);
  return names.length === 1 ? SERIAL_BASE[names[0]?.toLowerCase() ?? ''] : undefined;
}

/** With `default_volatility`, the database confirms it in the same transaction, before the table is touched. */
function addColumnAction(spec: AddColumnSpec, parser: SqlParser): AddColumnAction {
  const { table, column } = spec;
  const notNull = !column.nullable;
  const action: AddColumnAction = { kind: 'add-column', table, column: column.name, type: column.type, notNull };
  if (column.default !== undefined) action.default = column.default;
  if (column.comment !== undefined) action.comment = column.comment;
  const unknown = column.default === undefined ? [] : parser.unknownCalls(column.default);
  if (unknown.length > 0) action.confirmNotVolatile = unknown;
  return action;
}

/** The column as the plan defines it: an existing one is adopted only when it matches. */
function columnObject(spec: AddColumnSpec): DbObject {
  const column: DbObject = {
    kind: 'column',
    table: spec.table,
    name: spec.column.name,
    type: spec.column.type,
    nullable: spec.column.nullable,
  };
  if (spec.column.default !== undefined) column.default = spec.column.default;
  return column;
}

export const addColumn = defineOperation<AddColumnSpec>({
  kind: 'add_column',
  description:
    'Add a nullable column (or one with a constant default); optionally keep it in step with an old column by ' +
    'trigger until contract.',
  schema: addColumnSchema,
  allowedPhases: ['expand', 'migrate'],
  target: (spec) => `${spec.table}.${spec.column.name}`,
  adoptRefusal: (spec) =>
    syncSpecOf(spec) === undefined
      ? undefined
      : {
          reason:
            `its sync trigger writes ${spec.column.name} on every write to ${spec.table}, so an ` +
            `existing ${spec.column.name} would be overwritten with values computed from the old column (and a ` +
            `rollback would keep the damage)`,
          hint: `pick a new column name, or drop \`sync_from\` / \`up\` to adopt ${spec.column.name} as it is`,
        },
  forward(spec, ctx) {
    const d = ctx.dialect;
    const steps: Step[] = [
      actionStep(ctx, {
        id: ctx.id,
        summary: `add column ${spec.table}.${spec.column.name} ${spec.column.type}`,
        action: addColumnAction(spec, ctx.dialect.parser),
        effect: { does: 'create', object: columnObject(spec) },
      }),
    ];
    const sync = syncSpecOf(spec);
    if (sync) {
      steps.push(...installSyncSteps(d, sync, ctx.id, ctx.phase));
      steps.push(...removeSyncSteps(d, sync, ctx.id, 'contract'));
    }
    return steps;
  },
  inverse(spec, ctx) {
    const sync = syncSpecOf(spec);
    const steps: Step[] = sync ? removeSyncSteps(ctx.dialect, sync, `${ctx.id}/undo`, ctx.phase, ctx.id) : [];
    steps.push(
      actionStep(ctx, {
        id: `${ctx.id}/undo`,
        summary: `drop column ${spec.table}.${spec.column.name}`,
        action: { kind: 'drop-column', table: spec.table, column: spec.column.name, cascade: false },
        undoes: ctx.id,
      }),
    );
    return { steps };
  },
});
