/**
 * Replica lag, from both ends. The primary's pg_stat_replication lists its streaming standbys with
 * the replay lag they last reported; a standby named with `--replica URL` is asked directly, which
 * also covers standbys the primary cannot see (cascading replicas, no pg_read_all_stats).
 */
import { connect, parseDatabaseUrl, type Connection, type Queryable } from '../db/index.js';
import { UsageError } from '../errors.js';

/** A read replica the runner watches. */
export interface Replica {
  /** host:port: never the password, never the user. */
  name: string;
  db: Queryable;
}

export interface ReplicaLag {
  /** Which replica, for messages. */
  on: string;
  ms: number;
  /** Set when the lag could not be read: the replica counts as lagging until it answers. */
  error?: string;
  /** Replay paused on the standby (pg_wal_replay_pause()): it will not catch up by itself. */
  paused?: boolean;
}

/**
 * A standby's own view: how long ago the last transaction it replayed committed, while WAL it has
 * received is still waiting to be replayed; 0 once replay has caught up (an idle primary is not lag).
 */
const STANDBY_LAG_SQL = `SELECT pg_is_in_recovery() AS standby,
  coalesce(CASE WHEN pg_last_wal_receive_lsn() <> pg_last_wal_replay_lsn() THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000 END, 0)::float8 AS ms,
  CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END AS paused`;

/**
 * The primary's view. replay_lag is measured when the standby reports progress (whenever WAL reaches
 * it, and every wal_receiver_status_interval), so once a standby has replayed all that was sent its
 * last figure is stale: it counts as 0.
 */
const PRIMARY_LAG_SQL = `SELECT coalesce(nullif(application_name, ''), 'walreceiver') AS name, coalesce(host(client_addr), 'local socket') AS addr,
  (CASE WHEN replay_lsn >= sent_lsn THEN 0 ELSE extract(epoch FROM replay_lag) * 1000 END)::float8 AS ms
FROM pg_stat_replication WHERE replay_lag IS NOT NULL`;

export async function lagsSeenByPrimary(primary: Queryable): Promise<ReplicaLag[]> {
  const { rows } = await primary.query<{ name: string; addr: string; ms: number | null }>(PRIMARY_LAG_SQL);
  return rows.map((r) => ({ on: `${r.name} at ${r.addr} (pg_stat_replication)`, ms: Number(r.ms ?? 0) }));
}

export async function lagOfReplica(replica: Replica): Promise<ReplicaLag> {
  try {
    const { rows } = await replica.db.query<{ standby: boolean; ms: number; paused: boolean }>(STANDBY_LAG_SQL);
    const row = rows[0];
    return { on: replica.name, ms: Number(row?.ms ?? 0), ...(row?.paused ? { paused: true } : {}) };
  } catch (e) {
    return { on: replica.name, ms: Number.POSITIVE_INFINITY, error: (e as Error).message.split('\n')[0] ?? String(e) };
  }
}

export interface OpenReplicas {
  replicas: Replica[];
  close(): Promise<void>;
}

async function openOne(url: string, applicationName: string): Promise<{ replica: Replica; conn: Connection }> {
  const target = parseDatabaseUrl(url);
  if (target.scheme !== 'postgres') {
    throw new UsageError(`--replica ${target.displayUrl}: a replica must be a PostgreSQL standby`, 'give its postgres:// URL (host and port of the standby)');
  }
  const name = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  const conn = await connect(url, { applicationName });
  const { rows } = await conn.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby').catch(async (e: unknown) => {
    await conn.close();
    throw e;
  });
  if (!rows[0]?.standby) {
    await conn.close();
    throw new UsageError(
      `--replica ${name} is not a standby (pg_is_in_recovery() is false there)`,
      'give the URL of a read replica; the primary itself needs no --replica: its streaming replicas are read from pg_stat_replication',
    );
  }
  return { replica: { name, db: conn }, conn };
}

/** Connect to every `--replica` URL, checking each is a standby; all or none are left open. */
export async function openReplicas(urls: string[], applicationName: string): Promise<OpenReplicas> {
  const opened: { replica: Replica; conn: Connection }[] = [];
  const close = async () => void (await Promise.all(opened.map((o) => o.conn.close())));
  try {
    for (const url of urls) opened.push(await openOne(url, applicationName));
  } catch (e) {
    await close();
    throw e;
  }
  return { replicas: opened.map((o) => o.replica), close };
}
