/** What tests that start a PostgreSQL cluster of their own (a standby, one with pg_cron) share. */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
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
