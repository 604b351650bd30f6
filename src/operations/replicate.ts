/**
 * replicate (expand): green built from blue by PostgreSQL's logical replication. The schema of the
 * tables is copied to green (pg_dump --schema-only) or must already be there and empty, then a
 * publication and a slot on blue and a subscription on green copy the rows and follow every write.
 * Undo drops the subscription, the slot and the publication; green's tables stay (they hold data).
 */
import { z } from 'zod';
import { qualifiedName } from '../plan/primitives.js';
import { ENV_NAME, refuseWithoutReplication, replicationOf, replicationStep } from './replication-step.js';
import { replicationNames } from './replication-names.js';
import { defineOperation, type OperationContext, type ReplicateSettings } from './types.js';

const urlEnv = z
  .object({
    url_env: z
      .string()
      .regex(ENV_NAME, 'url_env is the NAME of an environment variable (e.g. GREEN_URL), not a URL')
      .describe('The environment variable holding postgres://user:password@host:port/dbname, read at run time.'),
  })
  .strict();

export const replicateSchema = z
  .object({
    tables: z.array(qualifiedName).min(1).optional().describe('The tables to replicate to green.'),
    all: z
      .literal(true)
      .optional()
      .describe('Every ordinary table outside the system schemas and schemashift, listed when it runs.'),
    green: urlEnv.describe('Green: schemashift connects to it, and blue subscribes to it after the switch.'),
    blue: urlEnv.describe("Blue as green's subscription reaches it (may differ from --database)."),
    schema: z
      .enum(['copy', 'existing'])
      .default('copy')
      .describe(
        "copy: blue's definitions of the tables (a schema-only dump) applied to green; existing: green has them, empty.",
      ),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if ((spec.tables === undefined) === (spec.all === undefined))
      ctx.addIssue({
        code: 'custom',
        message: 'replicate takes `tables` or `all: true`, exactly one of them',
        params: { hint: 'e.g. tables: [orders, customers], or all: true for every table' },
      });
  })
  .describe('Replicate tables from blue (this database) to green with logical replication.');

export type ReplicateSpec = z.output<typeof replicateSchema>;

function settingsOf(spec: ReplicateSpec): ReplicateSettings {
  return {
    tables: spec.tables ?? 'all',
    greenEnv: spec.green.url_env,
    blueEnv: spec.blue.url_env,
    schema: spec.schema,
  };
}

function tablesText(spec: ReplicateSpec): string {
  return spec.tables ? spec.tables.join(', ') : 'every table (listed when it runs)';
}

function forwardActions(spec: ReplicateSpec, ctx: OperationContext): string[] {
  const { forward } = replicationNames(ctx.plan ?? ctx.id);
  const schema =
    spec.schema === 'copy'
      ? replicationOf(ctx).schemaCopyText
      : 'check every table exists on green with the same columns, and is empty';
  return [
    `check wal_level = logical on blue and green, free replication slots and WAL senders, a key or replica identity on every table`,
    schema,
    `on blue: CREATE PUBLICATION ${forward} FOR TABLE ${tablesText(spec)}; slot ${forward} (pgoutput)`,
    `on green ($${spec.green.url_env}): CREATE SUBSCRIPTION ${forward} CONNECTION <$${spec.blue.url_env}> PUBLICATION ${forward} WITH (create_slot = false, copy_data = true)`,
  ];
}

export const replicate = defineOperation<ReplicateSpec>({
  kind: 'replicate',
  description:
    'Blue/green: replicate tables from this database (blue) to green with PostgreSQL logical replication (12+).',
  schema: replicateSchema,
  allowedPhases: ['expand'],
  target: () => 'blue-green',
  forward: (spec, ctx) => {
    refuseWithoutReplication(ctx, 'replicate');
    const summary = `replicate ${tablesText(spec)} to green ($${spec.green.url_env})`;
    return [replicationStep(ctx, 'replicate', summary, forwardActions(spec, ctx), { replicate: settingsOf(spec) })];
  },
  inverse: (spec, ctx) => {
    const { forward } = replicationNames(ctx.plan ?? ctx.id);
    const summary = `stop replicating to green: drop subscription, slot and publication ${forward} (green's tables stay)`;
    const actions = [
      `on green: drop subscription ${forward} (only this plan's)`,
      `on blue: drop slot ${forward} if left, drop publication ${forward}`,
      `on green: drop the schemashift_retired triggers if any; the tables stay (they hold data)`,
    ];
    return {
      steps: [
        replicationStep(ctx, 'undo-replicate', summary, actions, { replicate: settingsOf(spec) }, `${ctx.id}/undo`),
      ],
    };
  },
});
