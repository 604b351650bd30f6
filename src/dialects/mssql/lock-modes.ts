/**
 * SQL Server's lock modes (request_mode in sys.dm_tran_locks) as taken on a table, and what each does
 * to the application while held or queued. Compatibility matrix:
 * learn.microsoft.com/sql/relational-databases/sql-server-transaction-locking-and-row-versioning-guide
 */
import type { LockImpact, RenderedLock } from '../actions.js';

export type MssqlLockMode =
  'Sch-M' | 'BU' | 'X' | 'SIX' | 'UIX' | 'SIU' | 'S' | 'U' | 'IX' | 'IU' | 'IS' | 'Sch-S' | 'none';

/**
 * Sch-M conflicts with every lock, Sch-S included, so it stops reads (even under read committed
 * snapshot, whose readers still take Sch-S). X and BU conflict with the IS every locking reader takes;
 * readers under row versioning pass an X, but the worst case is what counts. S, U, SIX, SIU and UIX
 * conflict with IX, so they stop writes. IX, IU, IS and Sch-S let reads and writes through and only
 * keep DDL (Sch-M) waiting.
 */
export const LOCK_IMPACT: Readonly<Record<MssqlLockMode, LockImpact>> = {
  'Sch-M': 'blocks-all',
  BU: 'blocks-all',
  X: 'blocks-all',
  SIX: 'blocks-writes',
  UIX: 'blocks-writes',
  SIU: 'blocks-writes',
  S: 'blocks-writes',
  U: 'blocks-writes',
  IX: 'blocks-ddl',
  IU: 'blocks-ddl',
  IS: 'blocks-ddl',
  'Sch-S': 'blocks-ddl',
  none: 'none',
};

export function isLockMode(level: string): level is MssqlLockMode {
  return Object.hasOwn(LOCK_IMPACT, level);
}

/** What a lock of this name does to the application; an unknown name: the worst. */
export function lockImpact(level: string): LockImpact {
  return isLockMode(level) ? LOCK_IMPACT[level] : 'blocks-all';
}

/** A lock in the dialect-neutral shape; an unknown mode name is a bug in the caller. */
export function lockOf(level: string, on: string[]): RenderedLock {
  if (!isLockMode(level)) throw new Error(`internal: ${level} is not a SQL Server lock mode`);
  return { level, impact: LOCK_IMPACT[level], on };
}
