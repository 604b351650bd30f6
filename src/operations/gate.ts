import { z } from 'zod';
import { duration, qualifiedName } from '../plan/primitives.js';
import { defineOperation, type OperationContext, type Step } from './types.js';

const confirmText = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    if (value === '') {
      ctx.addIssue({
        code: 'custom',
        message: '`confirm` is empty: a gate needs the text a person confirms before the run goes on',
        params: {
          hint:
            'write what must happen first, e.g. confirm: "Deploy the version that reads customer_id, then ' +
            'continue"',
        },
      });
    }
  })
  .describe(
    'What a person must do or confirm before the run goes on, e.g. "Deploy the version that reads customer_id".',
  );

const shadowClean = z
  .object({
    since: duration.describe(
      'The window that must be free of mismatches, e.g. 1h: rows with `at` newer than now() minus this block the gate.',
    ),
    repository: z
      .string()
      .trim()
      .min(1)
      .optional()
      .describe('Only count mismatches of this repository (the name given to createMigratingRepository).'),
    table: qualifiedName
      .default('schemashift.shadow_mismatches')
      .describe('Where the application records mismatches (databaseMismatchRecorder).'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.since < 1000) {
      ctx.addIssue({
        code: 'custom',
        path: ['since'],
        message: `\`since\` is ${spec.since}ms: a window that short proves nothing about shadow reads`,
        params: { hint: 'give the window in which shadow reads must have run clean, e.g. since: 1h' },
      });
    }
  })
  .describe('Pass only when the application recorded no shadow-read mismatch (or new-side error) in the window.');

export const gateSchema = z
  .object({ confirm: confirmText.optional(), shadow_clean: shadowClean.optional() })
  .strict()
  .superRefine((spec, ctx) => {
    const given = [spec.confirm, spec.shadow_clean].filter((v) => v !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          given === 0
            ? 'a gate needs `confirm` or `shadow_clean`'
            : 'a gate takes `confirm` or `shadow_clean`, not both',
        params: {
          hint:
            'write two gates, e.g. gate: { shadow_clean: { since: 1h } } then gate: { confirm: "Deploy the version ' +
            'that reads customer_id" }',
        },
      });
    }
  });

export type GateSpec = z.output<typeof gateSchema>;
type ShadowCleanSpec = NonNullable<GateSpec['shadow_clean']>;

/** A short stable label from the first words: `deploy-the-version-that`. */
function slug(text: string): string {
  const words = text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return words.slice(0, 4).join('-') || 'confirm';
}

/** Exact, for summaries: 1h, 90s, 1500ms (never rounded). */
function exactDuration(millis: number): string {
  const units: [number, string][] = [
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  const [size, unit] = units.find(([n]) => millis % n === 0) ?? [1, 'ms'];
  return `${millis / size}${unit}`;
}

/** A check step counting recent mismatches: the runner fails the run (exit 1) while any is in the window. */
function shadowCleanStep(spec: ShadowCleanSpec, ctx: OperationContext): Step {
  const scope = spec.repository === undefined ? 'any repository' : `repository ${spec.repository}`;
  return {
    id: ctx.id,
    phase: ctx.phase,
    kind: 'check',
    summary:
      `shadow reads clean: no mismatch or new-side error recorded for ${scope} in ${spec.table} in the ` +
      `last ${exactDuration(spec.since)}`,
    sql: ctx.dialect.probes.recentMismatches(spec.table, spec.since, spec.repository),
    expect: 0,
  };
}

export const gate = defineOperation<GateSpec>({
  kind: 'gate',
  description:
    'Stop the run until a person confirms (`confirm`; `run --yes` confirms it), or unless the application recorded ' +
    'no shadow-read mismatch in a window (`shadow_clean`).',
  schema: gateSchema,
  allowedPhases: ['expand', 'migrate', 'contract'],
  target: (spec) =>
    spec.shadow_clean
      ? ['shadow-clean', ...(spec.shadow_clean.repository?.toLowerCase().match(/[a-z0-9]+/g) ?? [])].join('-')
      : slug(spec.confirm ?? ''),
  forward: (spec, ctx) =>
    spec.shadow_clean
      ? [shadowCleanStep(spec.shadow_clean, ctx)]
      : [
          {
            id: ctx.id,
            phase: ctx.phase,
            kind: 'gate',
            summary: `confirm: ${spec.confirm}`,
            confirm: spec.confirm ?? '',
          },
        ],
  inverse: () => ({ steps: [] }),
});
