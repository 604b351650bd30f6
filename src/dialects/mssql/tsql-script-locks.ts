/**
 * The table lock a raw T-SQL statement takes, in SQL Server's lock names (lock-modes.ts), and the
 * strongest of several. ScriptStatement carries LockInfo, whose `level` is typed with PostgreSQL's
 * names; the SQL Server name travels in it as the raw-statements action's lockLevel does.
 */
import type { LockInfo, LockLevel } from '../../operations/types.js';
import { lockOf, type MssqlLockMode } from './lock-modes.js';

/** Weakest first: by what each stops (lock-modes.ts), then by the modes it conflicts with. */
const ORDER: readonly MssqlLockMode[] = [
  'none',
  'Sch-S',
  'IS',
  'IU',
  'IX',
  'S',
  'U',
  'SIU',
  'SIX',
  'UIX',
  'X',
  'BU',
  'Sch-M',
];

export function tsqlLock(level: MssqlLockMode, on: string[]): LockInfo {
  const rendered = lockOf(level, [...new Set(on)]);
  return { ...rendered, level: rendered.level as LockLevel };
}

const rank = (level: string): number => {
  const i = ORDER.indexOf(level as MssqlLockMode);
  return i < 0 ? ORDER.length : i;
};

/** The strongest lock, on every table locked at that level; a level we do not know counts as the strongest. */
export function strongestTsqlLock(locks: LockInfo[]): LockInfo {
  const strongest = locks.reduce<string>((max, l) => (rank(l.level) > rank(max) ? l.level : max), 'none');
  const level = (rank(strongest) >= ORDER.length ? 'Sch-M' : strongest) as MssqlLockMode;
  return tsqlLock(
    level,
    locks.filter((l) => l.level === strongest).flatMap((l) => l.on),
  );
}
