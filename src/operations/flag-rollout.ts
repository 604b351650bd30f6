import ms from 'ms';
import { z } from 'zod';
import { duration, percent, sqlQuery } from '../plan/primitives.js';
import { defineOperation, type FlagRolloutStep } from './types.js';

const FLAG_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

export const flagRolloutSchema = z
  .object({
    flag: z
      .string()
      .superRefine((value, ctx) => {
        if (!FLAG_NAME.test(value)) {
          ctx.addIssue({
            code: 'custom',
            message: `\`${value}\` is not a flag name: expected a letter, then letters, digits, _, . or -`,
            params: { hint: 'name the flag like UseNewCustomerIdColumn or orders.use-customer-id' },
          });
        }
      })
      .describe('The feature flag (Microsoft feature management id).'),
    stages: z.array(percent).min(1).describe('Percentages to move through, strictly increasing, e.g. [10, 50, 100].'),
    hold: duration.default(0).describe('How long to stay at each stage before the next.'),
    filter: z
      .enum(['targeting', 'percentage'])
      .optional()
      .describe(
        'targeting: sticky per user; percentage: random per call. Default: the filter the flag already has ' +
          '(Targeting or Percentage); otherwise, in a .NET FeatureManagement section, the filter its other flags ' +
          'mostly use, else Percentage (Targeting needs .WithTargeting() there); elsewhere Targeting.',
      ),
    guard: z
      .object({
        sql: sqlQuery.describe('A read-only query returning one number, checked while holding each stage.'),
        max: z.number().describe('The highest acceptable value; above it the flag goes back to 0%.'),
      })
      .strict()
      .optional()
      .describe('A health query checked during each stage: above `max`, the rollout goes back to 0%.'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const at = spec.stages.findIndex((stage, i) => i > 0 && stage <= spec.stages[i - 1]!);
    if (at > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['stages'],
        message: `stages must increase: ${spec.stages[at]}% comes after ${spec.stages[at - 1]}%`,
        params: {
          hint:
            'list the percentages in rising order, e.g. [10, 50, 100]; to turn the flag off again, roll back (the ' +
            'inverse sets it to 0%)',
        },
      });
    }
  });

export type FlagRolloutSpec = z.output<typeof flagRolloutSchema>;

export const flagRollout = defineOperation<FlagRolloutSpec>({
  kind: 'flag_rollout',
  description:
    'Move a feature flag through percentage stages, holding each and checking a guard query; a failed guard sets it ' +
    'back to 0%.',
  schema: flagRolloutSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) => spec.flag,
  forward(spec, ctx) {
    const hold = spec.hold > 0 ? `, hold ${ms(spec.hold)} each` : '';
    const step: FlagRolloutStep = {
      id: ctx.id,
      phase: ctx.phase,
      kind: 'flag_rollout',
      summary: `roll out flag ${spec.flag}: ${spec.stages.map((s) => `${s}%`).join(' → ')}${hold}`,
      flag: spec.flag,
      stages: spec.stages,
      holdMs: spec.hold,
      ...(spec.filter ? { filter: spec.filter } : {}),
    };
    if (spec.guard) step.guard = { sql: spec.guard.sql, max: spec.guard.max };
    return [step];
  },
  inverse: (spec, ctx) => ({
    steps: [
      {
        id: `${ctx.id}/undo`,
        phase: ctx.phase,
        kind: 'flag_rollout',
        summary: `set flag ${spec.flag} to 0%`,
        flag: spec.flag,
        stages: [0],
        holdMs: 0,
        ...(spec.filter ? { filter: spec.filter } : {}),
      },
    ],
  }),
});
