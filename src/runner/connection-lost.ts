import type { ErrorClassifier } from '../dialects/errors.js';

/**
 * The runner's backend went away (terminated, server restart, network): the run can go on after
 * reconnecting, because every step is idempotent by catalog probe or recorded atomically.
 */
export function isConnectionLost(errors: ErrorClassifier, e: unknown): boolean {
  return errors.classify(e) === 'connectionLost';
}
