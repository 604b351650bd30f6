/**
 * Two PostgreSQL clusters of the test's own for blue/green: initdb into temp directories owned by the
 * `postgres` OS user, started with pg_ctl on free ports, `wal_level = logical` (or as asked), ten
 * replication slots and WAL senders, trust on 127.0.0.1. stop() removes them, also after a failure.
 */
import pg from 'pg';
import { clusterUserProblem, postgresBinDir, startPrivateCluster } from './cluster-process.js';

export interface LogicalCluster {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  /** One statement (or a script) on `database`; rows of the last statement. */
  sql<R = Record<string, unknown>>(database: string, text: string, params?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

/** Why no cluster can be started here, or null. */
export function logicalClusterUnavailable(): string | null {
  if (!postgresBinDir()) return 'initdb is not installed (/usr/lib/postgresql/<major>/bin/initdb)';
  return clusterUserProblem();
}

export async function query<R>(url: string, text: string, params?: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

export async function startLogicalCluster(walLevel: 'logical' | 'replica' = 'logical'): Promise<LogicalCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(logicalClusterUnavailable() ?? 'no initdb');
  const cluster = await startPrivateCluster(bin, 'schemashift-logical-', [
    `wal_level = ${walLevel}`,
    'max_replication_slots = 10',
    'max_wal_senders = 10',
    // Green reports what it applied every second, not every 10 s: an idle blue's slot confirms a new LSN
    // only with that report.
    'wal_receiver_status_interval = 1s',
  ]);
  return { ...cluster, sql: (database, text, params) => query(cluster.url(database), text, params) };
}
