/**
 * A second SIGTERM (or Ctrl-C) during `schemashift refresh`, through the built CLI: the process exits
 * 130 only after the refresh's session was ended on the server. The CLI reaches PostgreSQL through a
 * proxy that, like a pooler, keeps the server connection open after its client has gone: there the
 * server never notices the exit (client_connection_check_interval sees only the proxy), so without the
 * explicit end the REFRESH would go on for its whole pg_sleep, holding the view's advisory lock.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';
import { startCli, type Running } from '../runner/cli-process.js';
import { waitFor } from '../runner/seed.js';
import { refresh, refreshingPid, VIEWS_SQL } from './refresh-support.js';

interface KeepAliveProxy {
  url: string;
  close(): Promise<void>;
}

/** Forwards to the URL's server; a client that leaves does not close its server connection. */
async function keepAliveProxy(target: string): Promise<KeepAliveProxy> {
  const to = new URL(target);
  const upstreams: Socket[] = [];
  const server: Server = createServer((client) => {
    const upstream = connect(Number(to.port || 5432), to.hostname);
    upstreams.push(upstream);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => client.writable && client.write(d));
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = new URL(target);
  url.host = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url: url.toString(),
    close: async () => {
      for (const u of upstreams) u.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!postgresAdminUrl)('refresh: a second SIGTERM ends the refresh on the server', () => {
  let db: TestDatabase;
  let proxy: KeepAliveProxy;
  beforeAll(async () => {
    db = await createPostgresDatabase('schemashift_refresh_quit');
    await db.exec(VIEWS_SQL);
    proxy = await keepAliveProxy(db.url!);
  });
  afterAll(async () => {
    await proxy?.close();
    await db?.close();
  });

  it('exits 130 with no backend left refreshing and the view free for the next refresh', async () => {
    await db.exec('UPDATE delay SET seconds = 60');
    let run: Running | undefined;
    try {
      run = startCli(['refresh', 'slow_mv', '--database', proxy.url]);
      let stderr = '';
      run.child.stderr!.on('data', (d) => (stderr += d));
      const pid = await refreshingPid(db, 'slow_mv');
      run.child.kill('SIGTERM');
      await waitFor('the first SIGTERM to be heard', () => Promise.resolve(stderr.includes('SIGTERM: stopping')));
      const started = performance.now();
      run.child.kill('SIGTERM');
      const done = await run.done;
      expect(done.code).toBe(130);
      expect(performance.now() - started).toBeLessThan(4000);

      const left = await db.query(
        `SELECT pid FROM pg_stat_activity WHERE pid = $1 OR (query ILIKE 'REFRESH MATERIALIZED VIEW%slow_mv%' AND state = 'active')`,
        [pid],
      );
      expect(left).toEqual([]);
      const advisory = await db.query(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      );
      expect(advisory).toEqual([]);
      expect(done.stderr).toContain(`SIGTERM: ending the refresh on the server (backend pid ${pid}), then quitting`);
      await db.exec('UPDATE delay SET seconds = 0');
      const next = await refresh(db, 'slow_mv');
      expect(next.code).toBe(0);
    } finally {
      if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
      await db.exec('UPDATE delay SET seconds = 0');
    }
  });
});
