/**
 * A PostgreSQL cluster of the test's own with pg_cron loaded (shared_preload_libraries needs a
 * restart, so the main server on :5432 is never touched): initdb into a temp directory owned by the
 * `postgres` OS user, started with pg_ctl on a free port, cron.database_name = CRON_DATABASE (which
 * has the extension) and OTHER_DATABASE beside it without. stop() removes it all, also after a failure.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { asPostgres, freePort } from './cluster-process.js';

const run = promisify(execFile);
export const CRON_DATABASE = 'schemashift_cron';
export const OTHER_DATABASE = 'schemashift_no_cron';

export interface CronCluster {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  stop(): Promise<void>;
}

/** The newest PostgreSQL on this machine that has pg_cron (Debian's postgresql-<major>-cron), or undefined. */
function binWithCron(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  const major = majors.find((m) => existsSync(join(root, m, 'lib', 'pg_cron.so')) && existsSync(join(root, m, 'bin')));
  return major === undefined ? undefined : join(root, major, 'bin');
}

/** Why no pg_cron cluster can be made here (each reason says what is missing), or null. */
export function cronClusterUnavailable(): string | null {
  if (!binWithCron()) return 'pg_cron is not installed (apt-get install postgresql-15-cron; .ci/run does it)';
  const user = userInfo().username;
  if (user !== 'root' && user !== 'postgres') return `the test runs as ${user}: it must be root or postgres`;
  return null;
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
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-cron-'));
  const data = join(dir, 'data');
  let started = false;
  const stop = async () => {
    if (started) await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (userInfo().username !== 'postgres') {
      const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
      chownSync(dir, await id('-u'), await id('-g'));
    }
    await asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    const port = await freePort();
    const conf = [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      "shared_preload_libraries = 'pg_cron'",
      `cron.database_name = '${CRON_DATABASE}'`,
      'fsync = off',
    ];
    writeFileSync(join(data, 'postgresql.auto.conf'), `${conf.join('\n')}\n`);
    await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', 'start']);
    started = true;
    const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
    await sql(url('postgres'), `CREATE DATABASE ${CRON_DATABASE}`);
    await sql(url('postgres'), `CREATE DATABASE ${OTHER_DATABASE}`);
    await sql(url(CRON_DATABASE), 'CREATE EXTENSION pg_cron');
    return { url, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
