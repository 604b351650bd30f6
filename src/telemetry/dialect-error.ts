/** A thrown error's category from its dialect's classifier (src/dialects/<name>/errors.ts): codes stay there. */
import type { DialectName } from '../dialects/dialect.js';
import type { ErrorClass as DialectErrorClass } from '../dialects/errors.js';
import { dialectNamed } from '../dialects/registry.js';
import type { ErrorCategory } from './attributes.js';

const CATEGORY: Partial<Record<DialectErrorClass, ErrorCategory>> = {
  lockTimeout: 'lock-timeout',
  deadlock: 'deadlock',
  connectionLost: 'connection',
  statementTimeout: 'statement-timeout',
};

/** undefined when the classifier says `other` (the text's shape decides then: attributes.ts errorClass). */
export function dialectCategory(dialect: DialectName, error: unknown): ErrorCategory | undefined {
  try {
    return CATEGORY[dialectNamed(dialect).errors.classify(error)];
  } catch {
    return undefined;
  }
}
