import { z } from 'zod';
import { identifier, qualifiedName } from '../plan/primitives.js';
import { dropConstraintStep } from './add-check.js';
import { actionStep } from './action-step.js';
import { constraintIndex } from './add-unique.js';
import { createIndexStep, dropIndexStep } from './create-index.js';
import { checkStorageParameters, indexParameters } from './index-options.js';
import { notNullRecipe, type NotNullTarget } from './not-null-steps.js';
import { boundedName } from './sync-trigger.js';
import { defineOperation, type OperationContext, type SqlStep, type Step } from './types.js';

export const addPrimaryKeySchema = z
  .object({
    table: qualifiedName,
    name: identifier.describe('The constraint name (e.g. orders_pkey).'),
    columns: z.array(identifier).min(1).describe('The key columns, in order.'),
    index: identifier
      .optional()
      .describe(
        'The unique index built first (default: the constraint name). PostgreSQL renames it to the constraint name ' +
          'when attached.',
      ),
    index_parameters: indexParameters.optional(),
    set_not_null: z
      .array(identifier)
      .optional()
      .describe(
        'Key columns that are nullable now: each is made NOT NULL first without a long lock (CHECK NOT VALID, ' +
          'VALIDATE, SET NOT NULL without a scan, drop the CHECK); rollback makes it nullable again. Every other ' +
          'key column must already be NOT NULL.',
      ),
  })
  .strict()
  .superRefine((spec, ctx) => {
    checkStorageParameters(spec.index_parameters?.storage_parameters, 'btree', ctx, [
      'index_parameters',
      'storage_parameters',
    ]);
    spec.set_not_null?.forEach((c, i) => {
      if (spec.columns.includes(c)) return;
      ctx.addIssue({
        code: 'custom',
        path: ['set_not_null', i],
        message: `${c} is not a column of the primary key`,
        params: { hint: `list some of: ${spec.columns.join(', ')}` },
      });
    });
  });

export type AddPrimaryKeySpec = z.output<typeof addPrimaryKeySchema>;

const indexOf = (spec: AddPrimaryKeySpec): string => spec.index ?? spec.name;
const nullable = (spec: AddPrimaryKeySpec): string[] => spec.set_not_null ?? [];

function notNullTarget(spec: AddPrimaryKeySpec, column: string): NotNullTarget {
  return { table: spec.table, column, check: boundedName(spec.name, column, 'not_null') };
}

const notNullId = (ctx: OperationContext, column: string) => `${ctx.id}/not-null-${column}`;

function notNullSteps(spec: AddPrimaryKeySpec, ctx: OperationContext, column: string): SqlStep[] {
  const t = notNullTarget(spec, column);
  const id = notNullId(ctx, column);
  return notNullRecipe(ctx, t, {
    addCheck: { id, summary: `add check ${t.check} on ${t.table} (${ctx.dialect.wording.unvalidated})` },
    validate: { id: `${id}/validate`, summary: `validate constraint ${t.check} on ${t.table}` },
    setNotNull: {
      id: `${id}/set-not-null`,
      summary: ctx.dialect.wording.setNotNull(t.table, column, t.check),
    },
    dropCheck: { id: `${id}/drop-check`, summary: `drop constraint ${t.check} from ${t.table}` },
  });
}

function guardStep(spec: AddPrimaryKeySpec, ctx: OperationContext): SqlStep {
  const mustBeNotNull = spec.columns.filter((c) => !nullable(spec).includes(c));
  return actionStep(ctx, {
    id: `${ctx.id}/guard`,
    summary: `check that ${spec.table} has no other primary key${mustBeNotNull.length ? ` and ${mustBeNotNull.join(', ')} ${mustBeNotNull.length > 1 ? 'are' : 'is'} NOT NULL` : ''}`,
    action: { kind: 'primary-key-guard', table: spec.table, name: spec.name, mustBeNotNull },
    // In place when the table is ready for this key: nothing to undo, so never someone else's.
    effect: {
      does: 'change',
      object: { kind: 'constraint', table: spec.table, name: spec.name, type: 'primary key' },
    },
  });
}

function attachStep(spec: AddPrimaryKeySpec, ctx: OperationContext): SqlStep {
  const { table, name, columns } = spec;
  return actionStep(ctx, {
    id: `${ctx.id}/constraint`,
    summary: `add primary key ${name} on ${table} using index ${indexOf(spec)}`,
    action: { kind: 'add-primary-key-using-index', table, name, index: indexOf(spec), columns },
    effect: { does: 'create', object: { kind: 'constraint', table, name, type: 'primary key', columns } },
  });
}

/** Where an index cannot be attached (SQL Server): the key builds its own index, online. */
function onlineKeyStep(spec: AddPrimaryKeySpec, ctx: OperationContext): SqlStep {
  const { table, name, columns } = spec;
  const params = spec.index_parameters;
  return actionStep(ctx, {
    id: `${ctx.id}/constraint`,
    summary: `add primary key ${name} on ${table} (${columns.join(', ')}), its index built online`,
    action: {
      kind: 'add-primary-key-online',
      table,
      name,
      columns,
      ...(params?.include ? { include: params.include } : {}),
      ...(params?.storage_parameters ? { storage: params.storage_parameters } : {}),
      ...(params?.tablespace !== undefined ? { tablespace: params.tablespace } : {}),
    },
    effect: { does: 'create', object: { kind: 'constraint', table, name, type: 'primary key', columns } },
  });
}

function keySteps(spec: AddPrimaryKeySpec, ctx: OperationContext): SqlStep[] {
  if (!ctx.dialect.capabilities.attachesIndexToConstraint) return [onlineKeyStep(spec, ctx)];
  const built = constraintIndex(spec.table, indexOf(spec), spec.columns, spec.index_parameters);
  return [createIndexStep(built, ctx, ctx.id, spec.name), attachStep(spec, ctx)];
}

function inverseSteps(spec: AddPrimaryKeySpec, ctx: OperationContext): Step[] {
  const steps: Step[] = [
    { ...dropConstraintStep(spec.table, spec.name, ctx, `${ctx.id}/undo`), undoes: `${ctx.id}/constraint` },
  ];
  if (ctx.dialect.capabilities.attachesIndexToConstraint) {
    // Left behind when the key was never attached.
    steps.push({ ...dropIndexStep(spec.table, indexOf(spec), true, ctx, `${ctx.id}/undo-index`), undoes: ctx.id });
  }
  for (const column of [...nullable(spec)].reverse()) {
    const { table, check } = notNullTarget(spec, column);
    const id = notNullId(ctx, column);
    steps.push(
      actionStep(ctx, {
        id: `${id}/undo`,
        summary: `drop NOT NULL from ${table}.${column}`,
        action: { kind: 'drop-not-null', table, column },
        undoes: `${id}/set-not-null`,
      }),
      actionStep(ctx, {
        id: `${id}/undo-check`,
        summary: `drop constraint ${check} from ${table}`,
        action: { kind: 'drop-not-null-check', table, check },
        undoes: id,
      }),
    );
  }
  return steps;
}

export const addPrimaryKey = defineOperation<AddPrimaryKeySpec>({
  kind: 'add_primary_key',
  description:
    'Add a primary key without a long lock: key columns made NOT NULL without a scan, a unique index built ' +
    'online, then attached (ADD PRIMARY KEY USING INDEX) under a brief lock.',
  schema: addPrimaryKeySchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => `${spec.table}.${spec.name}`,
  adoptRefusal: (spec) => ({
    reason:
      `attaching the index (ADD CONSTRAINT ${spec.name} PRIMARY KEY USING INDEX ${indexOf(spec)}) hands it to the ` +
      `constraint, so a rollback that drops the constraint would drop an adopted index with it`,
    hint:
      'attach it by hand and remove this step, or remove `if_exists: adopt` and give the plan an index name of its ' +
      'own',
  }),
  forward: (spec, ctx) => [
    guardStep(spec, ctx),
    ...nullable(spec).flatMap((c) => notNullSteps(spec, ctx, c)),
    ...keySteps(spec, ctx),
  ],
  inverse: (spec, ctx) => ({ steps: inverseSteps(spec, ctx) }),
});
