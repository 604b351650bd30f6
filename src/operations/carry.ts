/**
 * What change_type and rename_column carry from the old column to the one that replaces it. The
 * plan declares every attachment (so `plan` shows the exact SQL without a database); the runner
 * and `validate --database` compare the declarations with the catalog (carry-diff.ts) and refuse
 * a plan that would lose or change one.
 *
 * Declarations are written over the OLD column's name, as the catalog shows them; the SQL built
 * here rewrites them onto the new column. Built the safe way, in the phase where it is safe:
 * comment and grants in expand; CHECKs and foreign keys NOT VALID → VALIDATE and indexes
 * CONCURRENTLY in migrate, under temporary names; in contract's swap transaction the temporary
 * names take the original ones and the DEFAULT is set. The new column has no default before that:
 * the sync trigger tells a new-version INSERT by the new column being non-NULL.
 */
import { z } from 'zod';
import type { Grantee, SwapCarry } from '../dialects/actions-shadow.js';
import type { Dialect } from '../dialects/dialect.js';
import { identifier, qualifiedName, sqlCondition, sqlExpression } from '../plan/primitives.js';
import { actionStep } from './action-step.js';
import { addCheck } from './add-check.js';
import { addForeignKey, REFERENTIAL_ACTIONS } from './add-foreign-key.js';
import { createIndexStep, INDEX_METHODS } from './create-index.js';
import { boundedName } from './sync-trigger.js';
import type { OperationContext, SqlStep, Step } from './types.js';

export const COLUMN_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'REFERENCES'] as const;

export const carriedIndexSchema = z
  .object({
    name: identifier,
    keys: z
      .array(sqlExpression)
      .min(1)
      .describe('Key columns or expressions in order, as the catalog shows them (e.g. qty, lower(email)).'),
    unique: z.boolean().default(false),
    where: sqlCondition.optional(),
    include: z.array(identifier).min(1).optional(),
    method: z.enum(INDEX_METHODS).default('btree'),
    constraint: z
      .enum(['primary_key', 'unique'])
      .optional()
      .describe('The index backs this constraint: it is added USING INDEX at the swap.'),
  })
  .strict();

export const carriedCheckSchema = z.object({ name: identifier, expression: sqlCondition }).strict();

export const carriedForeignKeySchema = z
  .object({
    name: identifier,
    columns: z.array(identifier).min(1),
    references: z.object({ table: qualifiedName, columns: z.array(identifier).min(1) }).strict(),
    on_delete: z.enum(REFERENTIAL_ACTIONS).default('no_action'),
    on_update: z.enum(REFERENTIAL_ACTIONS).default('no_action'),
  })
  .strict();

export const carriedGrantSchema = z
  .object({
    role: z
      .string()
      .min(1)
      .max(63)
      .refine((role) => role.toLowerCase() !== 'public', {
        message: 'a role spelled public is ambiguous: the pseudo-role PUBLIC (every role) is written `public: true`',
        params: {
          hint:
            'write `public: true` instead of `role: …` for a grant to every role; a real role with that name cannot ' +
            'be carried (revoke it before the plan and grant it again after contract)',
        },
      })
      .optional()
      .describe('The role granted to (always quoted: exactly this name).'),
    public: z
      .literal(true)
      .optional()
      .describe('The grant is to PUBLIC, the pseudo-role of every role (instead of `role`).'),
    privileges: z.array(z.enum(COLUMN_PRIVILEGES)).min(1),
  })
  .strict()
  .superRefine((grant, ctx) => {
    if ((grant.role === undefined) === (grant.public === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'a grant names exactly one of `role` and `public: true`',
        params: { hint: 'role: reporting, or public: true for PUBLIC (every role)' },
      });
    }
  });

/** The fields both operations add to their schema. */
export const carryFields = {
  not_null: z
    .boolean()
    .optional()
    .describe(
      'The new column is NOT NULL (CHECK NOT VALID → VALIDATE → SET NOT NULL in migrate). Required when the old ' +
        'column is NOT NULL; false drops it deliberately.',
    ),
  default: sqlExpression
    .nullable()
    .optional()
    .describe(
      'The DEFAULT of the new column, set in the contract swap (null: deliberately none). Required when the old ' +
        'column has one.',
    ),
  comment: z.string().nullable().optional().describe("The column's comment (null: deliberately none)."),
  collation: z
    .string()
    .regex(/^[^.]+\.[^]+$/, 'write the collation as schema.name, as the catalog names it (e.g. public.ci)')
    .max(127)
    .nullable()
    .optional()
    .describe(
      'The non-default COLLATION of the old column, as schema.name (e.g. public.ci), given to the new column in ' +
        'expand (null: deliberately the default). Required when the old column has one.',
    ),
  grants: z
    .array(carriedGrantSchema)
    .optional()
    .describe('Column privileges of the old column, granted on the new one in expand.'),
  indexes: z
    .array(carriedIndexSchema)
    .optional()
    .describe(
      'Indexes that use the old column, rebuilt online on the new one in migrate and renamed back at the swap.',
    ),
  checks: z
    .array(carriedCheckSchema)
    .optional()
    .describe('CHECK constraints that use the old column, added NOT VALID and validated in migrate.'),
  foreign_keys: z
    .array(carriedForeignKeySchema)
    .optional()
    .describe('Foreign keys from the old column, added NOT VALID and validated in migrate.'),
  sequence: qualifiedName
    .optional()
    .describe(
      'The sequence the old column owns (a serial): handed to the new column at the swap instead of being dropped ' +
        'with the old one.',
    ),
  drop_with_old_column: z
    .array(identifier)
    .optional()
    .describe(
      'Indexes or constraints of the old column that are deliberately NOT carried (dropped with it at contract).',
    ),
};

export type CarriedIndex = z.output<typeof carriedIndexSchema>;
export type CarriedCheck = z.output<typeof carriedCheckSchema>;
export type CarriedForeignKey = z.output<typeof carriedForeignKeySchema>;
export type CarriedGrant = z.output<typeof carriedGrantSchema>;

export interface CarrySpec {
  table: string;
  /** The new column's type (rename_column: the column's type; change_type: the new type). */
  type?: string | undefined;
  not_null?: boolean | undefined;
  default?: string | null | undefined;
  comment?: string | null | undefined;
  collation?: string | null | undefined;
  grants?: CarriedGrant[] | undefined;
  indexes?: CarriedIndex[] | undefined;
  checks?: CarriedCheck[] | undefined;
  foreign_keys?: CarriedForeignKey[] | undefined;
  sequence?: string | undefined;
  drop_with_old_column?: string[] | undefined;
}

/** The old column, the column that replaces it until contract, and its name after contract. */
export interface CarryColumns {
  old: string;
  building: string;
  final: string;
}

/** The name a carried index or constraint has until the swap gives it the original one back. */
export const buildingName = (name: string): string => boundedName(name, 'new');

/** How a grantee is named in messages and summaries. */
export const granteeLabel = (grant: { role?: string | undefined; public?: boolean | undefined }): string =>
  grant.public === true ? 'PUBLIC' : `role "${grant.role ?? ''}"`;

/** PUBLIC, the pseudo-role, only from `public: true`; any other grant names its role exactly. */
const granteeOf = (grant: CarriedGrant): Grantee =>
  grant.public === true ? { public: true } : { role: grant.role ?? '' };

/** Collation, comment and column privileges go on the new column right after it is added. */
export function carryExpandSteps(d: Dialect, spec: CarrySpec, cols: CarryColumns, id: string): SqlStep[] {
  const ctx = { dialect: d, phase: 'expand' as const };
  const [table, column] = [spec.table, cols.building];
  const steps: SqlStep[] = [];
  if (typeof spec.collation === 'string') {
    if (spec.type === undefined) throw new Error(`internal: ${id} carries a collation without the column's type`);
    steps.push(
      actionStep(ctx, {
        id: `${id}/carry-collation`,
        summary: `carry the collation ${spec.collation} of ${cols.old} to ${cols.building}`,
        action: { kind: 'set-column-collation', table, column, type: spec.type, collation: spec.collation },
      }),
    );
  }
  if (typeof spec.comment === 'string') {
    steps.push(
      actionStep(ctx, {
        id: `${id}/carry-comment`,
        summary: `carry the comment of ${cols.old} to ${cols.building}`,
        action: { kind: 'set-column-comment', table, column, comment: spec.comment },
      }),
    );
  }
  (spec.grants ?? []).forEach((grant, i) => {
    steps.push(
      actionStep(ctx, {
        id: `${id}/carry-grant-${i + 1}`,
        summary: `grant ${grant.privileges.join(', ')} on ${cols.building} to ${granteeLabel(grant)}`,
        action: {
          kind: 'grant-column-privileges',
          table,
          column,
          privileges: grant.privileges,
          grantee: granteeOf(grant),
        },
      }),
    );
  });
  return steps;
}

/** Checks and foreign keys NOT VALID → VALIDATE, then indexes CONCURRENTLY, on the new column. */
export function carryMigrateSteps(d: Dialect, spec: CarrySpec, cols: CarryColumns, id: string): Step[] {
  const over = (expr: string) => d.parser.renameColumnRefs(expr, cols.old, cols.building);
  const onNew = (c: string) => (c === cols.old ? cols.building : c);
  const ctxFor = (suffix: string, name: string): OperationContext => ({
    dialect: d,
    id: `${id}/carry-${suffix}-${name}`,
    phase: 'migrate',
  });
  const checks = (spec.checks ?? []).flatMap((c) =>
    addCheck.forward(
      { table: spec.table, name: buildingName(c.name), expression: over(c.expression), validate: true },
      ctxFor('check', c.name),
    ),
  );
  const foreignKeys = (spec.foreign_keys ?? []).flatMap((fk) =>
    addForeignKey.forward(
      {
        table: spec.table,
        name: buildingName(fk.name),
        columns: fk.columns.map(onNew),
        references: fk.references,
        ...(fk.on_delete === 'no_action' ? {} : { on_delete: fk.on_delete }),
        ...(fk.on_update === 'no_action' ? {} : { on_update: fk.on_update }),
        validate: true,
      },
      ctxFor('fk', fk.name),
    ),
  );
  const indexes = (spec.indexes ?? []).map((ix) => {
    const keys = ix.keys.map((k) => {
      const column = d.parser.bareColumn(k);
      return column === undefined ? { expression: over(k) } : { column: onNew(column) };
    });
    const built = {
      table: spec.table,
      name: buildingName(ix.name),
      ...splitKeys(keys),
      unique: ix.unique,
      method: ix.method,
      concurrently: true,
      ...(ix.where === undefined ? {} : { where: over(ix.where) }),
      ...(ix.include === undefined ? {} : { include: ix.include.map(onNew) }),
    };
    return createIndexStep(built, ctxFor('index', ix.name), `${id}/carry-index-${ix.name}`);
  });
  return [...checks, ...foreignKeys, ...indexes];
}

/**
 * create_index lists plain columns before expressions; a key list where an expression comes
 * first is kept in order by writing every key as an expression (a bare column is one too).
 */
function splitKeys(keys: ({ column: string } | { expression: string })[]): {
  columns?: string[];
  expressions?: string[];
} {
  const firstExpression = keys.findIndex((k) => 'expression' in k);
  const columnsFirst = firstExpression === -1 || keys.slice(firstExpression).every((k) => 'expression' in k);
  if (columnsFirst) {
    const columns = keys.flatMap((k) => ('column' in k ? [k.column] : []));
    const expressions = keys.flatMap((k) => ('expression' in k ? [k.expression] : []));
    return { ...(columns.length ? { columns } : {}), ...(expressions.length ? { expressions } : {}) };
  }
  return { expressions: keys.map((k) => ('column' in k ? k.column : k.expression)) };
}

/**
 * What the contract swap hands over: the sequence, the carried indexes and constraints under their
 * building names, the DEFAULT, and the tables a renamed foreign key locks besides the table.
 */
export function swapCarryOf(spec: CarrySpec): SwapCarry {
  const carry: SwapCarry = {
    indexes: (spec.indexes ?? []).map((ix) => ({
      name: ix.name,
      building: buildingName(ix.name),
      ...(ix.constraint === undefined ? {} : { constraint: ix.constraint }),
    })),
    constraints: [...(spec.checks ?? []), ...(spec.foreign_keys ?? [])].map((c) => ({
      name: c.name,
      building: buildingName(c.name),
    })),
    alsoLocks: (spec.foreign_keys ?? []).map((fk) => fk.references.table).filter((t) => t !== spec.table),
  };
  if (spec.sequence !== undefined) carry.sequence = spec.sequence;
  if (typeof spec.default === 'string') carry.default = spec.default;
  return carry;
}
