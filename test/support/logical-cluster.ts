/**
 * Two PostgreSQL clusters of the test's own for blue/green: initdb into temp directories owned by the
 * `postgres` OS user, started with pg_ctl on free ports, `wal_level = logical` (or as asked), ten
 * replication slots and WAL senders, trust on 127.0.0.1. stop() removes them, also after a failure.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { asPostgres, freePort } from './cluster-process.js';

const run = promisify(execFile);

export interface LogicalCluster {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  /** One statement (or a script) on `database`; rows of the last statement. */
  sql<R = Record<string, unknown>>(database: string, text: string, params?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  const major = majors.find((m) => existsSync(join(root, m, 'bin', 'initdb')));
  return major === undefined ? undefined : join(root, major, 'bin');
}

/** Why no cluster can be started here, or null. */
export function logicalClusterUnavailable(): string | null {
  if (!binDir()) return 'initdb is not installed (/usr/lib/postgresql/<major>/bin/initdb)';
  const user = userInfo().username;
  if (user !== 'root' && user !== 'postgres') return `the test runs as ${user}: it must be root or postgres`;
  return null;
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
  const bin = binDir();
  if (!bin) throw new Error(logicalClusterUnavailable() ?? 'no initdb');
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-logical-'));
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
      `wal_level = ${walLevel}`,
      'max_replication_slots = 10',
      'max_wal_senders = 10',
      'fsync = off',
      'wal_receiver_status_interval = 1s',
    ];
    writeFileSync(join(data, 'postgresql.auto.conf'), `${conf.join('\n')}\n`);
    await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', 'start']);
    started = true;
    const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
    return { port, url, sql: (database, text, params) => query(url(database), text, params), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
