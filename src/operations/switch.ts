/**
 * switch (migrate): blue stops taking writes, green gets the last of them and the sequences, and
 * replication turns around (green → blue) so that blue stays a way back for `keep_blue`. Undo does the
 * same in the other direction: green stops, blue gets green's writes and reopens.
 */
import { z } from 'zod';
import { duration } from '../plan/primitives.js';
import { exactDuration, refuseWithoutReplication, replicationStep } from './replication-step.js';
import { replicationNames } from './replication-names.js';
import { defineOperation } from './types.js';

export const DEFAULT_SWITCH_CONFIRM =
  'Switch to green: writes on blue will be refused until the application writes to green';

export const switchSchema = z
  .object({
    confirm: z.string().trim().min(1).optional().describe('What the release manager confirms before the switch.'),
    quiet: duration
      .default(2000)
      .describe('How long blue must stay free of writes while its tables are locked before they are retired.'),
    timeout: duration.default(600_000).describe('How long to wait for green to apply the last of blue.'),
    keep_blue: duration
      .default(86_400_000)
      .describe('How long blue stays a rollback target (drop_replication refuses before then).'),
  })
  .strict()
  .describe('Blue/green: stop writes on blue, let green catch up, copy sequences, replicate back to blue.');

export type SwitchSpec = z.output<typeof switchSchema>;

export const switchToGreen = defineOperation<SwitchSpec>({
  kind: 'switch',
  description:
    'Blue/green: stop writes on blue (a trigger refuses them), wait for green, copy sequences, replicate green → blue.',
  schema: switchSchema,
  allowedPhases: ['migrate'],
  target: () => 'blue-green',
  forward: (spec, ctx) => {
    refuseWithoutReplication(ctx, 'switch');
    const { forward, reverse } = replicationNames(ctx.plan ?? ctx.id);
    const actions = [
      `confirm: "${spec.confirm ?? DEFAULT_SWITCH_CONFIRM}"`,
      `on blue, one transaction: LOCK the tables IN SHARE ROW EXCLUSIVE MODE, hold ${exactDuration(spec.quiet)} with no write waiting (else nothing changes), create trigger schemashift_retired (refuses writes) on each`,
      `wait (at most ${exactDuration(spec.timeout)}) until green applied the last of blue; row counts equal on both; sequences copied to green`,
      `on green: drop subscription ${forward}; publication and slot ${reverse}; on blue: subscription ${reverse} (copy_data = false)`,
      `blue stays a rollback target for ${exactDuration(spec.keep_blue)}`,
    ];
    const settings = {
      confirm: spec.confirm ?? DEFAULT_SWITCH_CONFIRM,
      quietMs: spec.quiet,
      timeoutMs: spec.timeout,
      keepBlueMs: spec.keep_blue,
    };
    return [
      replicationStep(ctx, 'switch', 'switch writes from blue to green, replicate green → blue', actions, {
        switch: settings,
      }),
    ];
  },
  inverse: (spec, ctx) => {
    const { reverse } = replicationNames(ctx.plan ?? ctx.id);
    const actions = [
      `on green, one transaction: LOCK the tables, hold ${exactDuration(spec.quiet)} with no write waiting, create trigger schemashift_retired on each`,
      `wait until blue applied the last of green; row counts equal; sequences copied to blue`,
      `drop subscription ${reverse} (blue), slot and publication ${reverse} (green), blue's schemashift_retired triggers`,
    ];
    const settings = {
      confirm: 'Switch back to blue: writes on green will be refused',
      quietMs: spec.quiet,
      timeoutMs: spec.timeout,
      keepBlueMs: spec.keep_blue,
    };
    const summary = 'switch writes back from green to blue (writes on green are refused from then on)';
    return { steps: [replicationStep(ctx, 'undo-switch', summary, actions, { switch: settings }, `${ctx.id}/undo`)] };
  },
});
