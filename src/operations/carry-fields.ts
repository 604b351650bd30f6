/**
 * The carry declarations of a column replaced by a copy (change_type, rename_column, a constraint
 * added through a copy): the schema fields only, in a module that imports no operation, so that
 * any operation's schema can spread them (carry.ts builds their steps and imports operations).
 */
import { z } from 'zod';
import { REFERENTIAL_ACTIONS } from '../dialects/actions-table.js';
import { identifier, qualifiedName, sqlCondition, sqlExpression } from '../plan/primitives.js';
import { INDEX_METHODS } from './create-index.js';

export const COLUMN_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'REFERENCES'] as const;

export const carriedIndexSchema = z
  .object({
    name: identifier.describe('The index name.'),
    keys: z
      .array(sqlExpression)
      .min(1)
      .describe('Key columns or expressions in order, as the catalog shows them (e.g. qty, lower(email)).'),
    unique: z.boolean().default(false).describe('A unique index.'),
    where: sqlCondition.optional().describe('Partial index predicate.'),
    include: z.array(identifier).min(1).optional().describe('Covering columns (INCLUDE).'),
    method: z.enum(INDEX_METHODS).default('btree').describe('The index access method.'),
    constraint: z
      .enum(['primary_key', 'unique'])
      .optional()
      .describe('The index backs this constraint: it is added USING INDEX at the swap.'),
  })
  .strict();

export const carriedCheckSchema = z
  .object({
    name: identifier.describe('The constraint name.'),
    expression: sqlCondition.describe('The condition, as the catalog shows it.'),
  })
  .strict();

export const carriedForeignKeySchema = z
  .object({
    name: identifier.describe('The constraint name.'),
    columns: z.array(identifier).min(1).describe('Referencing columns, in order.'),
    references: z
      .object({
        table: qualifiedName.describe('The referenced table.'),
        columns: z.array(identifier).min(1).describe('Referenced columns, in the same order.'),
      })
      .strict()
      .describe('The referenced table and columns.'),
    on_delete: z.enum(REFERENTIAL_ACTIONS).default('no_action').describe('ON DELETE action.'),
    on_update: z.enum(REFERENTIAL_ACTIONS).default('no_action').describe('ON UPDATE action.'),
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
    privileges: z.array(z.enum(COLUMN_PRIVILEGES)).min(1).describe('The column privileges granted.'),
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
