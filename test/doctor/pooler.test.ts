/**
 * The session-connection check through a real PgBouncer, when one is installed (`apt-get install
 * pgbouncer`): transaction pooling must fail the check, session pooling must pass it with a warning
 * about the proxy. Skipped (and said so) without a pgbouncer binary.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { DoctorReport } from '../../src/doctor/types.js';
import { captureIo } from '../support/capture-io.js';
import { postgresAdminUrl } from '../support/databases.js';

const pgbouncer = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'].find(
  (p) => spawnSync(p, ['--version']).status === 0,
);
if (!pgbouncer) console.log('test/doctor/pooler.test.ts: no pgbouncer binary: the PgBouncer checks are skipped');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listening(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => (socket.end(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pgbouncer never listened on ${port}`);
}

async function startPgbouncer(
  dir: string,
  mode: 'transaction' | 'session',
): Promise<{ port: number; child: ChildProcess }> {
  const server = new URL(postgresAdminUrl!);
  const port = await freePort();
  const ini = join(dir, `${mode}.ini`);
  await writeFile(
    ini,
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      `pool_mode = ${mode}`,
      // One server connection makes transaction pooling interleave the two probes for sure; session
      // pooling pins one per client, and doctor holds up to three at once.
      `default_pool_size = ${mode === 'transaction' ? 1 : 4}`,
      'ignore_startup_parameters = extra_float_digits,application_name',
      'unix_socket_dir =',
    ].join('\n'),
  );
  await chmod(ini, 0o644);
  const asRoot = process.getuid?.() === 0 ? ['-u', 'postgres'] : [];
  const child = spawn(pgbouncer!, [...asRoot, '-q', ini], { stdio: 'ignore' });
  await listening(port);
  return { port, child };
}

describe.skipIf(!pgbouncer || !postgresAdminUrl)('doctor through PgBouncer', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'schemashift-pgbouncer-'));
    await chmod(dir, 0o755);
    await writeFile(
      join(dir, 'users.txt'),
      `"${decodeURIComponent(new URL(postgresAdminUrl!).username || 'postgres')}" ""\n`,
    );
    await chmod(join(dir, 'users.txt'), 0o644);
  });
  afterAll(async () => {
    for (const child of children) child.kill();
    await rm(dir, { recursive: true, force: true });
  });

  async function doctorVia(
    mode: 'transaction' | 'session',
  ): Promise<{ code: number; report: DoctorReport; port: number }> {
    const { port, child } = await startPgbouncer(dir, mode);
    children.push(child);
    const url = new URL(postgresAdminUrl!);
    url.port = String(port);
    const io = captureIo();
    const code = await main(['doctor', '--database', url.toString(), '--json'], io);
    return { code, report: JSON.parse(io.stdout()) as DoctorReport, port };
  }

  it('transaction pooling: session state does not hold → fail, exit 1', async () => {
    const { code, report } = await doctorVia('transaction');
    const pooler = report.checks.find((c) => c.id === 'connection-pooler')!;
    expect(pooler.status).toBe('fail');
    expect(pooler.finding).toMatch(
      /^session state does not hold \(.+\): a transaction-pooling proxy sits in front, so advisory locks and session settings will not hold$/,
    );
    expect(pooler.fix).toContain('pool_mode = session');
    expect(code).toBe(1);
  });

  it("session pooling: state holds, the port differs from the server's → warn", async () => {
    const { code, report, port } = await doctorVia('session');
    const pooler = report.checks.find((c) => c.id === 'connection-pooler')!;
    expect(pooler.status).toBe('warn');
    expect(pooler.finding).toContain(`the URL's port ${port} is not the server's`);
    expect(code).toBe(0);
  });
});
