/**
 * drop_replication (contract, irreversible): after `keep_blue`, every publication, slot and
 * subscription of the plan goes from both sides (a forgotten slot keeps WAL until the disk is full).
 * Blue's schemashift_retired triggers stay: blue must not take writes meant for green.
 */
import { z } from 'zod';
import { refuseWithoutReplication, replicationStep } from './replication-step.js';
import { replicationNames } from './replication-names.js';
import { defineOperation } from './types.js';

export const dropReplicationSchema = z
  .object({})
  .strict()
  .describe('Blue/green: drop the plan’s subscriptions, publications and slots on both sides.');

export const dropReplication = defineOperation<Record<string, never>>({
  kind: 'drop_replication',
  description: 'Blue/green: drop every subscription, publication and slot of the plan on blue and green (contract).',
  schema: dropReplicationSchema,
  allowedPhases: ['contract'],
  target: () => 'blue-green',
  forward: (_spec, ctx) => {
    refuseWithoutReplication(ctx, 'drop_replication');
    const { forward, reverse } = replicationNames(ctx.plan ?? ctx.id);
    const actions = [
      `refused before the switch's keep_blue has passed`,
      `on blue: drop subscription ${reverse} (its slot on green), publication ${forward}, slot ${forward} if left`,
      `on green: drop publication ${reverse}, subscription ${forward} if left; then check none of them is left on either side`,
      `blue's schemashift_retired triggers stay`,
    ];
    return [replicationStep(ctx, 'drop_replication', 'drop the replication between blue and green', actions)];
  },
  inverse: () => ({ irreversible: 'blue stops being a rollback target once the replication back to it is dropped' }),
});
