/** What tests that start a PostgreSQL cluster of their own (a standby, one with pg_cron) share. */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Runs a PostgreSQL binary as the `postgres` OS user (the server refuses to run as root); returns its output. */
export async function asPostgres(bin: string, args: string[]): Promise<string> {
  const argv = userInfo().username === 'postgres' ? [bin, ...args] : ['runuser', '-u', 'postgres', '--', bin, ...args];
  const { stdout, stderr } = await run(argv[0]!, argv.slice(1), { timeout: 60_000 });
  return `${stdout}${stderr}`;
}

/** The newest PostgreSQL installed the Debian way whose directory passes `has` (default: it has initdb). */
export function postgresBinDir(has: (majorDir: string) => boolean = (d) => existsSync(join(d, 'bin', 'initdb'))) {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  const major = majors.find((m) => has(join(root, m)) && existsSync(join(root, m, 'bin')));
  return major === undefined ? undefined : join(root, major, 'bin');
}

/** Why this process cannot start a cluster (the server refuses root; runuser needs root), or null. */
export function clusterUserProblem(): string | null {
  const user = userInfo().username;
  return user === 'root' || user === 'postgres' ? null : `the test runs as ${user}: it must be root or postgres`;
}

export interface PrivateCluster {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  stop(): Promise<void>;
}

/**
 * A cluster of the test's own: initdb into a temp directory owned by the `postgres` OS user, `conf`
 * lines added to its settings, started with pg_ctl on a free port, trust on 127.0.0.1 (the main server
 * on :5432 is never touched). stop() removes it all, also when starting it failed.
 */
export async function startPrivateCluster(bin: string, prefix: string, conf: string[]): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
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
    const base = [`port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${dir}'`];
    writeFileSync(join(data, 'postgresql.auto.conf'), `${[...base, 'fsync = off', ...conf].join('\n')}\n`);
    await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', 'start']);
    started = true;
    return { port, url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
