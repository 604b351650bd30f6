/**
 * Which table locks conflict, in SQL Server's terms, and the sessions holding such a lock on a set
 * of tables. The neutral lock levels are read as the table lock SQL Server's statement of that kind
 * takes; conflicts follow the lock compatibility matrix (IU, SIU and UIX are counted with the
 * stronger mode they contain, so a doubtful one is named rather than missed).
 * https://learn.microsoft.com/sql/relational-databases/sql-server-transaction-locking-and-row-versioning-guide#lock_compatibility
 */
import type { LockLevel } from '../../operations/types.js';
import type { BoundSql } from '../session.js';
import { SESSION_COLUMNS, SESSION_JOINS, sessionIds } from './activity-sessions.js';
import { qualified } from './sql-names.js';

type Mode = 'IS' | 'IX' | 'S' | 'SIX' | 'X' | 'Sch-M';

const LEVEL_MODE: Record<Exclude<LockLevel, 'none'>, Mode> = {
  'ACCESS SHARE': 'IS',
  'ROW SHARE': 'IS',
  'ROW EXCLUSIVE': 'IX',
  'SHARE UPDATE EXCLUSIVE': 'S',
  SHARE: 'S',
  'SHARE ROW EXCLUSIVE': 'SIX',
  EXCLUSIVE: 'X',
  'ACCESS EXCLUSIVE': 'Sch-M',
};

const ALL = ['Sch-S', 'Sch-M', 'IS', 'IU', 'IX', 'S', 'U', 'SIU', 'SIX', 'UIX', 'X', 'BU'];

const CONFLICTS: Record<Mode, readonly string[]> = {
  IS: ['X', 'Sch-M', 'BU'],
  IX: ['S', 'U', 'SIU', 'SIX', 'UIX', 'X', 'Sch-M', 'BU'],
  S: ['IU', 'IX', 'SIU', 'SIX', 'UIX', 'X', 'Sch-M', 'BU'],
  SIX: ['IU', 'IX', 'S', 'U', 'SIU', 'SIX', 'UIX', 'X', 'Sch-M', 'BU'],
  X: ALL.filter((m) => m !== 'Sch-S'),
  'Sch-M': ALL,
};

const isMode = (level: string): level is Mode => Object.hasOwn(CONFLICTS, level);

/**
 * The table lock modes (sys.dm_tran_locks.request_mode) that make a request for `level` wait. `level`
 * is SQL Server's own mode (what its DDL steps declare) or a neutral level; any other SQL Server mode
 * is counted as Sch-M, so that a doubtful holder is named rather than missed.
 */
export function conflictingModes(level: string): readonly string[] {
  if (level === 'none') return [];
  if (isMode(level)) return CONFLICTS[level];
  return CONFLICTS[(LEVEL_MODE as Record<string, Mode | undefined>)[level] ?? 'Sch-M'];
}

/** $1 the tables (JSON array of bracket-quoted names), $2 the conflicting modes (JSON), $3 own session ids (JSON). */
const HOLDERS_SQL = `SELECT ${SESSION_COLUMNS}, h.[lock], CONVERT(bit, h.conflicting) AS conflicting
FROM (SELECT l.request_session_id AS session_id,
    STRING_AGG(CONVERT(nvarchar(max), l.request_mode + N' on ' + QUOTENAME(OBJECT_SCHEMA_NAME(l.resource_associated_entity_id))
      + N'.' + QUOTENAME(OBJECT_NAME(l.resource_associated_entity_id))), N', ') AS [lock],
    MAX(CASE WHEN m.value IS NULL THEN 0 ELSE 1 END) AS conflicting
  FROM sys.dm_tran_locks AS l
  LEFT JOIN OPENJSON($2) AS m ON m.value COLLATE Latin1_General_BIN2 = l.request_mode COLLATE Latin1_General_BIN2
  WHERE l.request_status = N'GRANT' AND l.resource_type = N'OBJECT' AND l.resource_database_id = DB_ID()
    AND l.resource_associated_entity_id IN (SELECT OBJECT_ID(j.value) FROM OPENJSON($1) AS j)
    AND l.request_session_id <> @@SPID AND l.request_session_id NOT IN ${sessionIds('$3')}
  GROUP BY l.request_session_id) AS h
JOIN sys.dm_exec_sessions AS s ON s.session_id = h.session_id
  ${SESSION_JOINS}
WHERE s.open_transaction_count > 0
ORDER BY s.session_id`;

export function holdersSql(relations: string[], level: LockLevel, ownPids: number[]): BoundSql {
  const tables = JSON.stringify(relations.map(qualified));
  return { sql: HOLDERS_SQL, params: [tables, JSON.stringify(conflictingModes(level)), JSON.stringify(ownPids)] };
}
