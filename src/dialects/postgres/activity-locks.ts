/** Which table lock modes conflict, and the sessions holding such a lock on a set of tables. */
import type { LockLevel } from '../../operations/types.js';
import type { BoundSql } from '../session.js';
import { ACTIVITY_COLUMNS } from './activity-columns.js';

/** pg_locks' names of the table lock modes, weakest first (the order of PostgreSQL's conflict table). */
const MODES = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
] as const;
type Mode = (typeof MODES)[number];

const LEVEL_MODE: Record<Exclude<LockLevel, 'none'>, Mode> = {
  'ACCESS SHARE': 'AccessShareLock',
  'ROW SHARE': 'RowShareLock',
  'ROW EXCLUSIVE': 'RowExclusiveLock',
  'SHARE UPDATE EXCLUSIVE': 'ShareUpdateExclusiveLock',
  SHARE: 'ShareLock',
  'SHARE ROW EXCLUSIVE': 'ShareRowExclusiveLock',
  EXCLUSIVE: 'ExclusiveLock',
  'ACCESS EXCLUSIVE': 'AccessExclusiveLock',
};

/** For each mode, the modes it conflicts with (PostgreSQL's table 13.2). */
const CONFLICTS: Record<Mode, readonly string[]> = {
  AccessShareLock: ['AccessExclusiveLock'],
  RowShareLock: ['ExclusiveLock', 'AccessExclusiveLock'],
  RowExclusiveLock: ['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ShareUpdateExclusiveLock: [
    'ShareUpdateExclusiveLock',
    'ShareLock',
    'ShareRowExclusiveLock',
    'ExclusiveLock',
    'AccessExclusiveLock',
  ],
  ShareLock: [
    'RowExclusiveLock',
    'ShareUpdateExclusiveLock',
    'ShareRowExclusiveLock',
    'ExclusiveLock',
    'AccessExclusiveLock',
  ],
  ShareRowExclusiveLock: [
    'RowExclusiveLock',
    'ShareUpdateExclusiveLock',
    'ShareLock',
    'ShareRowExclusiveLock',
    'ExclusiveLock',
    'AccessExclusiveLock',
  ],
  ExclusiveLock: MODES.slice(1),
  AccessExclusiveLock: MODES,
};

/** The table lock modes that make a request for `level` wait. */
export function conflictingModes(level: LockLevel): readonly string[] {
  return level === 'none' ? [] : CONFLICTS[LEVEL_MODE[level]];
}

const HOLDERS_SQL =
  `SELECT ${ACTIVITY_COLUMNS}, string_agg(DISTINCT l.mode || ' on ' || ` +
  `l.relation::regclass::text, ', ') AS lock, bool_or(l.mode = ANY ($2::text[])) AS conflicting
     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.granted AND l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_database WHERE datname = ` +
  `current_database())
       AND l.relation IN (SELECT to_regclass(t) FROM unnest($1::text[]) t)
       AND l.pid <> pg_backend_pid() AND l.pid <> ALL ($3::int[]) AND a.xact_start IS NOT NULL
     GROUP BY a.pid, a.state, a.application_name, a.query, a.xact_start, a.state_change, a.query_start ORDER BY a.pid`;

export function holdersSql(relations: string[], level: LockLevel, ownPids: number[]): BoundSql {
  return { sql: HOLDERS_SQL, params: [relations, conflictingModes(level), ownPids] };
}
