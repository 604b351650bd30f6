/** SQL Server's table-level locks taken by DDL, and what each does to the application while held or queued. */
import type { LockImpact, RenderedLock } from '../actions.js';

/**
 * Sch-M stops reads and writes; S stops writes; Sch-S and IS (an online index build's main phase)
 * conflict only with Sch-M, i.e. with other DDL. A queued Sch-M also blocks every later reader.
 */
export const MSSQL_LOCK_IMPACT: Readonly<Record<string, LockImpact>> = {
  'Sch-M': 'blocks-all',
  X: 'blocks-all',
  S: 'blocks-writes',
  'Sch-S': 'blocks-ddl',
  IS: 'blocks-ddl',
  none: 'none',
};

export type MssqlLockMode = 'Sch-M' | 'X' | 'S' | 'Sch-S' | 'IS' | 'none';

export function isMssqlLockMode(level: string): level is MssqlLockMode {
  return Object.hasOwn(MSSQL_LOCK_IMPACT, level);
}

/** A lock in the dialect-neutral shape; an unknown mode name is a bug in the caller. */
export function mssqlLock(level: string, on: string[]): RenderedLock {
  const impact = MSSQL_LOCK_IMPACT[level];
  if (impact === undefined || !isMssqlLockMode(level)) {
    throw new Error(`internal: ${level} is not a SQL Server lock mode`);
  }
  return { level, impact, on };
}
