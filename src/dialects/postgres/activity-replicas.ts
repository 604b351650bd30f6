/**
 * Replica lag, from both ends. The primary's pg_stat_replication lists its streaming standbys with
 * the replay lag they last reported; a standby named with `--replica URL` is asked directly, which
 * also covers standbys the primary cannot see (cascading replicas, no pg_read_all_stats).
 */
import type { ReplicaReadSql } from '../activity.js';

/**
 * Whether WAL is arriving: a WAL receiver that is streaming. Without pg_read_all_stats the receiver's row shows
 * no status (null: cannot tell, counted as receiving); no row at all means nothing streams to it.
 */
const RECEIVING_WAL_SQL =
  "coalesce((SELECT coalesce(status = 'streaming', true) FROM pg_stat_wal_receiver LIMIT 1), false)";

/** The cluster (pg_control's system identifier, shared by a primary and all its standbys) and the database. */
export const SERVER_IDENTITY_SQL =
  'SELECT (pg_control_system()).system_identifier::text AS system, current_database() AS database';

/**
 * A standby's own view: how long ago the last transaction it replayed committed, while WAL it has
 * received is still waiting to be replayed; 0 once replay has caught up (an idle primary is not lag). That 0
 * also shows when nothing arrives at all (a disconnected standby has replayed all it received): `receiving`
 * tells that apart, and the contract wait compares WAL positions as well.
 */
export const STANDBY_LAG_SQL =
  `SELECT pg_is_in_recovery() AS standby,
  coalesce(CASE WHEN pg_last_wal_receive_lsn() <> pg_last_wal_replay_lsn() THEN extract(epoch FROM now() - ` +
  `pg_last_xact_replay_timestamp()) * 1000 END, 0)::float8 AS ms,
  CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END AS paused,
  ${RECEIVING_WAL_SQL} AS receiving`;

/**
 * The primary's view. replay_lag is measured when the standby reports progress (whenever WAL reaches
 * it, and every wal_receiver_status_interval), so once a standby has replayed all that was sent its
 * last figure is stale: it counts as 0.
 */
export const PRIMARY_LAG_SQL =
  `SELECT coalesce(nullif(application_name, ''), 'walreceiver') AS name, ` +
  `coalesce(host(client_addr), 'local socket') AS addr,
  (CASE WHEN replay_lsn >= sent_lsn THEN 0 ELSE extract(epoch FROM replay_lag) * 1000 END)::float8 AS ms
FROM pg_stat_replication WHERE replay_lag IS NOT NULL`;

export function notAStandby(name: string): { message: string; hint: string } {
  return {
    message: `--replica ${name} is not a standby (pg_is_in_recovery() is false there)`,
    hint:
      'give the URL of a read replica; the primary itself needs no --replica: its streaming replicas are ' +
      'read from pg_stat_replication',
  };
}

/**
 * The write position, not the insert position: WAL of an asynchronous commit that is not yet written
 * would only make the standby wait for the WAL writer, and every durable commit before has been written.
 */
const PRIMARY_POSITION_SQL = 'SELECT pg_current_wal_lsn()::text AS position';

const REPLAYED_UP_TO_SQL = `SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS replayed,
  pg_last_wal_replay_lsn()::text AS at, pg_is_in_recovery() AND pg_is_wal_replay_paused() AS paused`;

export const postgresReplicaReads: ReplicaReadSql = {
  primaryPosition: PRIMARY_POSITION_SQL,
  replayedUpTo: REPLAYED_UP_TO_SQL,
};
