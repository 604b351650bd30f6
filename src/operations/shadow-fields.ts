/**
 * set_not_null `up` and drop_not_null `down` turn an in-place change into a shadow column swapped in
 * at contract; the fields of that form (its type, the carried attachments, the backfill) mean
 * nothing without it, and are refused rather than silently ignored.
 */
import type { z } from 'zod';
import { carryFields } from './carry.js';

const SHADOW_ONLY = ['up', 'down', 'type', 'temp_column', 'backfill', ...Object.keys(carryFields)] as const;

export function refuseShadowFieldsWithout(
  spec: Record<string, unknown>,
  ctx: z.RefinementCtx,
  key: 'up' | 'down',
  kind: string,
): void {
  for (const field of SHADOW_ONLY) {
    if (field === key || spec[field] === undefined) continue;
    ctx.addIssue({
      code: 'custom',
      path: [field],
      message: `\`${field}\` belongs to ${kind} with \`${key}\` (a shadow column swapped in at contract): without \`${key}\` the change is made in place`,
      params: { hint: `remove \`${field}\`, or give \`${key}\`` },
    });
  }
}
