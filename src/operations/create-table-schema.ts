/** The plan shape of create_table: columns with their shorthands, table constraints, comments. */
import { z } from 'zod';
import { REFERENTIAL_ACTIONS } from '../dialects/actions-table.js';
import { identifier, qualifiedName, sqlCondition, sqlExpression, sqlType } from '../plan/primitives.js';

const referentialAction = z.enum(REFERENTIAL_ACTIONS);
const match = z
  .enum(['simple', 'full'])
  .optional()
  .describe('MATCH SIMPLE (default: a row with any NULL key column is not checked) or MATCH FULL.');

const columnCheck = z.union([
  sqlCondition.describe('A condition every row must meet, e.g. amount > 0 (constraint named <table>_<column>_check).'),
  z
    .object({
      name: identifier.optional().describe('The constraint name (default <table>_<column>_check).'),
      constraint: sqlCondition.describe('The condition every row must meet.'),
      no_inherit: z.boolean().default(false).describe('NO INHERIT: not enforced on tables inheriting from this one.'),
    })
    .strict(),
]);

const columnReferences = z
  .object({
    table: qualifiedName.describe('The referenced table.'),
    column: identifier.optional().describe("The referenced column (default: the referenced table's primary key)."),
    name: identifier.optional().describe('The constraint name (default <table>_<column>_fkey).'),
    on_delete: referentialAction.optional().describe('ON DELETE action (default no_action).'),
    on_update: referentialAction.optional().describe('ON UPDATE action (default no_action).'),
    match,
  })
  .strict();

const identityGeneration = z
  .enum(['always', 'by_default'])
  .describe('always: values come from the sequence only (OVERRIDING SYSTEM VALUE to set one); by_default: may be set.');

const identity = z.union([
  identityGeneration,
  z
    .object({
      generation: identityGeneration.default('always'),
      start: z.number().int().optional().describe('START WITH.'),
      increment: z
        .number()
        .int()
        .refine((n) => n !== 0, { message: 'increment cannot be 0' })
        .optional()
        .describe('INCREMENT BY.'),
    })
    .strict(),
]);

export const tableColumn = z
  .object({
    name: identifier.describe('The column name.'),
    type: sqlType.describe('A SQL type; serial, bigserial and smallserial are allowed (a new, empty table).'),
    pk: z.boolean().default(false).describe('Part of the primary key (composite when several columns say so).'),
    unique: z.boolean().default(false).describe('UNIQUE on this column alone (constraint <table>_<column>_key).'),
    nullable: z
      .boolean()
      .optional()
      .describe('false: NOT NULL (default: nullable). Primary key columns are NOT NULL: leave it out for them.'),
    default: sqlExpression.optional().describe('The default value (any expression: the table is new and empty).'),
    check: columnCheck
      .optional()
      .describe('A CHECK on this column: its condition, or { name, constraint, no_inherit }.'),
    references: columnReferences.optional().describe('A foreign key from this column.'),
    comment: z.string().optional().describe('COMMENT ON COLUMN, set in the same transaction.'),
    generated: z
      .object({ expression: sqlExpression.describe('Computed from other columns of the row (immutable functions).') })
      .strict()
      .optional()
      .describe('GENERATED ALWAYS AS (expression) STORED.'),
    identity: identity.optional().describe('GENERATED ALWAYS | BY DEFAULT AS IDENTITY, with sequence options.'),
  })
  .strict();

const indexParameters = z
  .object({
    tablespace: identifier.optional().describe('USING INDEX TABLESPACE.'),
    storage_parameters: z
      .record(identifier, z.union([z.number().finite(), z.boolean(), z.string()]))
      .optional()
      .describe('Storage parameters of the index, e.g. { fillfactor: 70 }.'),
    include: z.array(identifier).min(1).optional().describe('Non-key columns stored in the index (INCLUDE).'),
  })
  .strict();

const timing = {
  deferrable: z.boolean().default(false).describe('DEFERRABLE: may be checked at commit.'),
  initially_deferred: z.boolean().default(false).describe('INITIALLY DEFERRED (needs deferrable: true).'),
};

const columnList = z.array(identifier).min(1).describe('The constrained columns, in order.');

export const tableConstraint = z.discriminatedUnion('type', [
  z
    .object({
      name: identifier.describe('The constraint name.'),
      type: z.literal('check').describe('The kind of constraint: check, unique, primary_key or foreign_key.'),
      check: sqlCondition.describe('The condition every row must meet.'),
      no_inherit: z.boolean().default(false).describe('NO INHERIT: not enforced on tables inheriting from this one.'),
      ...timing,
    })
    .strict(),
  z
    .object({
      name: identifier.describe('The constraint name.'),
      type: z.literal('unique').describe('The kind of constraint: check, unique, primary_key or foreign_key.'),
      columns: columnList,
      nulls_not_distinct: z.boolean().default(false).describe('NULLS NOT DISTINCT (PostgreSQL 15+): one NULL at most.'),
      index_parameters: indexParameters.optional().describe('Options of the index behind the constraint.'),
      ...timing,
    })
    .strict(),
  z
    .object({
      name: identifier.describe('The constraint name.'),
      type: z.literal('primary_key').describe('The kind of constraint: check, unique, primary_key or foreign_key.'),
      columns: columnList,
      index_parameters: indexParameters.optional().describe('Options of the index behind the constraint.'),
      ...timing,
    })
    .strict(),
  z
    .object({
      name: identifier.describe('The constraint name.'),
      type: z.literal('foreign_key').describe('The kind of constraint: check, unique, primary_key or foreign_key.'),
      columns: columnList,
      references: z
        .object({
          table: qualifiedName.describe('The referenced table.'),
          columns: columnList.optional().describe("Referenced columns (default: the referenced table's primary key)."),
          on_delete: referentialAction.optional().describe('ON DELETE action (default no_action).'),
          on_update: referentialAction.optional().describe('ON UPDATE action (default no_action).'),
          match,
        })
        .strict()
        .describe('The referenced table and columns, and the referential actions.'),
      ...timing,
    })
    .strict(),
]);

export type TableColumnSpec = z.output<typeof tableColumn>;
export type TableConstraintSpec = z.output<typeof tableConstraint>;

export const createTableFields = z
  .object({
    name: qualifiedName.describe('The new table, optionally schema-qualified.'),
    columns: z.array(tableColumn).min(1).describe('The columns, in order.'),
    constraints: z.array(tableConstraint).default([]).describe('Table constraints (several columns, or named).'),
    comment: z.string().optional().describe('COMMENT ON TABLE, set in the same transaction.'),
  })
  .strict();
