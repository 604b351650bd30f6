/**
 * A PostgreSQL cluster of the test's own with pg_cron loaded (shared_preload_libraries needs a
 * restart, so the main server on :5432 is never touched): initdb into a temp directory owned by the
 * `postgres` OS user, started with pg_ctl on a free port, cron.database_name = CRON_DATABASE (which
 * has the extension) and OTHER_DATABASE beside it without. stop() removes it all, also after a failure.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { clusterUserProblem, postgresBinDir, startPrivateCluster } from './cluster-process.js';

export const CRON_DATABASE = 'schemashift_cron';
export const OTHER_DATABASE = 'schemashift_no_cron';

export interface CronCluster {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  stop(): Promise<void>;
}

/** The newest PostgreSQL on this machine that has pg_cron (Debian's postgresql-<major>-cron), or undefined. */
const binWithCron = () => postgresBinDir((major) => existsSync(join(major, 'lib', 'pg_cron.so')));

/** Why no pg_cron cluster can be made here (each reason says what is missing), or null. */
export function cronClusterUnavailable(): string | null {
  if (!binWithCron()) return 'pg_cron is not installed (apt-get install postgresql-15-cron; .ci/run does it)';
  return clusterUserProblem();
}

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export async function startCronCluster(): Promise<CronCluster> {
  const bin = binWithCron();
  if (!bin) throw new Error(cronClusterUnavailable() ?? 'no pg_cron');
  const cluster = await startPrivateCluster(bin, 'schemashift-cron-', [
    "shared_preload_libraries = 'pg_cron'",
    `cron.database_name = '${CRON_DATABASE}'`,
  ]);
  try {
    await sql(cluster.url('postgres'), `CREATE DATABASE ${CRON_DATABASE}`);
    await sql(cluster.url('postgres'), `CREATE DATABASE ${OTHER_DATABASE}`);
    await sql(cluster.url(CRON_DATABASE), 'CREATE EXTENSION pg_cron');
    return cluster;
  } catch (e) {
    await cluster.stop();
    throw e;
  }
}
