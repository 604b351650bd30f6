/** PostgreSQL's table lock modes and what each does to the application while held or queued. */
import type { LockImpact, RenderedLock } from '../actions.js';

export type PostgresLockMode =
  | 'ACCESS EXCLUSIVE'
  | 'EXCLUSIVE'
  | 'SHARE ROW EXCLUSIVE'
  | 'SHARE'
  | 'SHARE UPDATE EXCLUSIVE'
  | 'ROW EXCLUSIVE'
  | 'ROW SHARE'
  | 'ACCESS SHARE'
  | 'none';

/**
 * ACCESS EXCLUSIVE stops reads too; EXCLUSIVE, SHARE ROW EXCLUSIVE and SHARE stop writes; the weaker
 * modes conflict only with other DDL (an ACCESS SHARE read still keeps ALTER TABLE waiting).
 */
export const LOCK_IMPACT: Readonly<Record<PostgresLockMode, LockImpact>> = {
  'ACCESS EXCLUSIVE': 'blocks-all',
  EXCLUSIVE: 'blocks-writes',
  'SHARE ROW EXCLUSIVE': 'blocks-writes',
  SHARE: 'blocks-writes',
  'SHARE UPDATE EXCLUSIVE': 'blocks-ddl',
  'ROW EXCLUSIVE': 'blocks-ddl',
  'ROW SHARE': 'blocks-ddl',
  'ACCESS SHARE': 'blocks-ddl',
  none: 'none',
};

export function isLockMode(level: string): level is PostgresLockMode {
  return Object.hasOwn(LOCK_IMPACT, level);
}

/** A lock in the dialect-neutral shape; an unknown mode name is a bug in the caller. */
export function lockOf(level: string, on: string[]): RenderedLock {
  if (!isLockMode(level)) throw new Error(`internal: ${level} is not a PostgreSQL lock mode`);
  return { level, impact: LOCK_IMPACT[level], on };
}
