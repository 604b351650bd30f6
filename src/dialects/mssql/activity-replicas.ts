/**
 * Availability-group lag, from both ends, for the current database (sys.dm_hadr_database_replica_states:
 * on the primary a row per replica of each database, on a secondary its own).
 */
import type { Unsupported } from '../actions.js';

/**
 * The primary's view: secondary_lag_seconds (SQL Server 2016+; whole seconds, null while unknown,
 * such as a replica that is not synchronizing) of each other replica.
 */
export const PRIMARY_LAG_SQL = `SELECT ar.replica_server_name AS name, COALESCE(ar.endpoint_url, N'unknown endpoint') AS addr,
  CONVERT(float, drs.secondary_lag_seconds) * 1000 AS ms
FROM sys.dm_hadr_database_replica_states AS drs
JOIN sys.availability_replicas AS ar ON ar.replica_id = drs.replica_id
WHERE drs.database_id = DB_ID() AND drs.is_local = 0 AND drs.secondary_lag_seconds IS NOT NULL`;

/** This database is a secondary replica's copy. */
const LOCAL_SECONDARY = `drs.database_id = DB_ID() AND drs.is_local = 1 AND drs.is_primary_replica = 0`;

export const IS_STANDBY_SQL = `SELECT CONVERT(bit, CASE WHEN EXISTS (SELECT 1 FROM sys.dm_hadr_database_replica_states AS drs
  WHERE ${LOCAL_SECONDARY}) THEN 1 ELSE 0 END) AS standby`;

/**
 * A secondary's own view: while log it has received waits to be redone, how long ago the last
 * transaction it redid committed (last_commit_time); 0 once redo has caught up. `paused`: data
 * movement to it is suspended.
 */
export const STANDBY_LAG_SQL = `SELECT CONVERT(bit, CASE WHEN drs.database_id IS NULL THEN 0 ELSE 1 END) AS standby,
  CONVERT(float, CASE WHEN drs.redo_queue_size > 0 AND drs.last_commit_time IS NOT NULL
    THEN DATEDIFF_BIG(millisecond, drs.last_commit_time, GETDATE()) ELSE 0 END) AS ms,
  CONVERT(bit, COALESCE(drs.is_suspended, 0)) AS paused
FROM (SELECT 1 AS one) AS o
LEFT JOIN sys.dm_hadr_database_replica_states AS drs ON ${LOCAL_SECONDARY}`;

/**
 * An availability group's database has the same group_database_id on every replica (null outside a group: then the
 * database name alone is compared).
 */
export const SERVER_IDENTITY_SQL = `SELECT COALESCE(CONVERT(nvarchar(64), d.group_database_id), N'') AS system,
  DB_NAME() AS [database] FROM sys.databases AS d WHERE d.database_id = DB_ID()`;

export function notAStandby(name: string): { message: string; hint: string } {
  return {
    message: `--replica ${name} is not a secondary replica of this database (sys.dm_hadr_database_replica_states has no secondary row there)`,
    hint:
      'give the URL of a readable secondary (ApplicationIntent=ReadOnly); the primary itself needs no --replica: ' +
      'its replicas are read from sys.dm_hadr_database_replica_states',
  };
}

/**
 * A verify on a readable secondary would have to wait until the secondary has redone the primary's log up to a point
 * (sys.dm_hadr_database_replica_states.last_redone_lsn against the primary's last_hardened_lsn) before each chunk;
 * schemashift does not do that wait for SQL Server, and a chunk compared on a secondary that is behind would pass or
 * fail on old rows.
 */
export const replicaReadsRefused: Unsupported = {
  unsupported:
    'a verify on a readable secondary of an availability group is not supported: schemashift cannot yet wait for ' +
    "the secondary to redo the primary's log before each chunk, so it could compare old rows",
  instead: 'leave `on` out (or write `on: primary`): the verify reads on the primary, in short read-only chunks',
};
