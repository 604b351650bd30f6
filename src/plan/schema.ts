/**
 * The plan schema. One zod definition: the loader validates with its parts (so each error can be
 * pinned to a line), and scripts/generate-plan-schema.ts turns the whole into schema/plan.schema.json.
 */
import { z } from 'zod';
import { OPERATIONS } from '../operations/index.js';
import { PHASES } from '../operations/types.js';
import { duration, qualifiedName } from './primitives.js';

export const DEFAULT_SETTINGS = { lock_timeout: 2000, lock_retries: 10, statement_timeout: 0 } as const;

export const settingsSchema = z
  .object({
    lock_timeout: duration
      .default(DEFAULT_SETTINGS.lock_timeout)
      .describe('lock_timeout for each DDL attempt (default 2s).'),
    lock_retries: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(DEFAULT_SETTINGS.lock_retries)
      .describe('Retries on lock timeout, with exponential backoff and jitter (default 10).'),
    statement_timeout: duration
      .default(DEFAULT_SETTINGS.statement_timeout)
      .describe('statement_timeout for each statement; 0 = none.'),
    flags: z
      .union([
        z.object({ table: qualifiedName.describe('The flag table, e.g. schemashift.feature_flags.') }).strict(),
        z.object({ file: z.string().min(1).describe('The flag file, e.g. config/feature-flags.json.') }).strict(),
      ])
      .optional()
      .describe(
        'Where feature flags live: { table: schemashift.feature_flags } or { file: config/feature-flags.json }.',
      ),
  })
  .strict();

export const lintSuppressionSchema = z
  .object({
    ignore: z
      .array(z.string().regex(/^[a-z0-9-]+$/, 'a rule id such as require-concurrent-index'))
      .min(1)
      .describe('The rule ids to suppress, e.g. [require-concurrent-index].'),
    reason: z
      .string()
      .trim()
      .min(1, 'say why the finding is acceptable here')
      .describe('Why the findings are acceptable here (shown in lint output).'),
  })
  .strict()
  .describe('Suppress lint rules for this step; a reason is mandatory.');

export const ifExistsSchema = z
  .enum(['adopt', 'error'])
  .describe(
    'What to do when an object this step creates already exists and this plan did not create it: `error` (default) ' +
      "refuses; `adopt` takes it over when its definition matches the plan's, and rollback then leaves it in place.",
  );

export const STEP_META_KEYS = ['id', 'lint', 'if_exists'] as const;

export const stepIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'letters, digits, and _ . : - (not starting with a symbol)')
  .max(100)
  .describe('A stable id for the step (default: <operation>:<target>).');

export const planNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, and _ . - (not starting with a symbol)')
  .max(100);

/** `after:` — plans (by `name:`) that must be finished in this database before this one starts. */
export const afterSchema = z
  .array(
    z.union([
      z
        .object({
          plan: planNameSchema.describe('The `name:` of the other plan.'),
          phase: z.enum(PHASES).describe('The phase of that plan that must be finished (and every phase before it).'),
        })
        .strict(),
      planNameSchema.describe('A plan that must have finished completely (every phase, contract included).'),
    ]),
  )
  .describe(
    'Plans that must be finished in this database before this one starts: `after: [add-email]` waits until ' +
      'add-email is done (contract included); `after: [{ plan: add-email, phase: expand }]` until its expand is.',
  );

export const planHeaderSchema = z
  .object({
    $schema: z.string().optional().describe('The JSON Schema for editor completion, e.g. ../schema/plan.schema.json.'),
    name: planNameSchema.describe('Unique per database: the state key of this change.'),
    description: z.string().optional().describe('What the change is for, in prose; shown by `plan`.'),
    dialect: z.enum(['postgres', 'mssql']).default('postgres').describe('The database the plan is written for.'),
    after: afterSchema.optional(),
    settings: settingsSchema
      .default({ ...DEFAULT_SETTINGS })
      .describe('Lock and statement timeouts, retries, the flag store.'),
    phases: z
      .object(
        Object.fromEntries(
          PHASES.map((p) => [p, z.array(z.unknown()).default([]).describe(`The steps of ${p}, run in order.`)]),
        ) as Record<(typeof PHASES)[number], z.ZodDefault<z.ZodArray<z.ZodUnknown>>>,
      )
      .strict()
      .describe('The steps of each phase, run in the order expand, migrate, contract.'),
  })
  .strict();

/** The complete schema, each step a union of `{ <operation>: spec, id?, lint?, if_exists? }`; for JSON Schema. */
export function fullPlanSchema() {
  const step = z.union(
    OPERATIONS.map((op) =>
      z
        .object({
          [op.kind]: op.schema.describe(op.description),
          id: stepIdSchema.optional(),
          lint: lintSuppressionSchema.optional(),
          if_exists: ifExistsSchema.optional(),
        })
        .strict(),
    ) as unknown as [z.ZodTypeAny, z.ZodTypeAny, ...z.ZodTypeAny[]],
  );
  return planHeaderSchema.extend({
    phases: z.object(Object.fromEntries(PHASES.map((p) => [p, z.array(step).optional()]))).strict(),
  });
}
