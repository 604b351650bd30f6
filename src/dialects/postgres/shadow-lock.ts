/**
 * The PostgreSQL lock modes the shadow renderers take, with what each does to the application.
 * (The full lock-mode table belongs with the table renderers; this is the part these need.)
 */
import type { LockImpact, RenderedLock } from '../actions.js';

const IMPACT = {
  'ACCESS EXCLUSIVE': 'blocks-all',
  EXCLUSIVE: 'blocks-writes',
  'SHARE ROW EXCLUSIVE': 'blocks-writes',
  SHARE: 'blocks-writes',
  'SHARE UPDATE EXCLUSIVE': 'blocks-ddl',
  'ACCESS SHARE': 'blocks-ddl',
  none: 'none',
} as const satisfies Record<string, LockImpact>;

export type ShadowLockMode = keyof typeof IMPACT;

export function lockOf(level: ShadowLockMode, on: string[]): RenderedLock {
  return { level, impact: IMPACT[level], on };
}
