/**
 * `status --targets` connects to at most --concurrency targets at once (default 1, as run's). Each target's
 * URL points at its own TCP relay in front of the real PostgreSQL; a relay holds every new connection
 * a moment before relaying it, so unbounded status would have every target open at the same time.
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, folderWith } from '../cli/cli-support.js';
import { createPostgresDatabase, postgresAdminUrl, type TestDatabase } from '../support/databases.js';

const HOLD_MS = 150;
/** The PostgreSQL protocol's Terminate message: 'X', then its length (4). */
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);

/** Relays to `port` on the loopback and counts how many of the relays have a connection open. */
class Relays {
  private readonly open = new Map<number, number>();
  private readonly servers: Server[] = [];
  maxTargetsAtOnce = 0;

  async add(targetPort: number): Promise<number> {
    const id = this.servers.length;
    const server = createServer((client) => this.relay(id, client, targetPort));
    this.servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return (server.address() as AddressInfo).port;
  }

  private relay(id: number, client: Socket, targetPort: number) {
    this.open.set(id, (this.open.get(id) ?? 0) + 1);
    const busy = [...this.open.values()].filter((n) => n > 0).length;
    this.maxTargetsAtOnce = Math.max(this.maxTargetsAtOnce, busy);
    let counted = true;
    const release = () => {
      if (counted) this.open.set(id, (this.open.get(id) ?? 1) - 1);
      counted = false;
    };
    // A closed pool does not wait for its sockets to close: the client's Terminate message says it is done.
    client.on('data', (chunk: Buffer) => {
      if (chunk.subarray(-TERMINATE.length).equals(TERMINATE)) release();
    });
    client.once('end', release);
    client.once('close', release);
    client.pause();
    setTimeout(() => {
      const upstream = createConnection(targetPort, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.resume();
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    }, HOLD_MS);
  }

  async close() {
    await Promise.all(this.servers.map((s) => new Promise((done) => s.close(done))));
  }
}

describe.skipIf(!postgresAdminUrl)('status --targets is bounded by --concurrency', () => {
  const shards: TestDatabase[] = [];
  let relays: Relays;
  let env: NodeJS.ProcessEnv;
  let dir: string;

  beforeAll(async () => {
    relays = new Relays();
    env = {};
    for (let i = 0; i < 4; i++) {
      const db = await createPostgresDatabase('schemashift_fleetstat');
      shards.push(db);
      const url = new URL(db.url as string);
      url.port = String(await relays.add(Number(url.port || 5432)));
      env[`STAT_SHARD_${i}_URL`] = url.toString();
    }
    const targets = [0, 1, 2, 3].map((i) => `  - { name: shard-${i}, url_env: STAT_SHARD_${i}_URL }`).join('\n');
    dir = folderWith({ 'targets.yaml': `targets:\n${targets}\n` });
  });
  afterAll(async () => {
    await relays.close();
    for (const db of shards) await db.close();
  });

  const status = async (...extra: string[]) => {
    relays.maxTargetsAtOnce = 0;
    const result = await cli(['status', '--targets', 'targets.yaml', '--json', ...extra], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { targets: { name: string; status: string }[] };
    expect(doc.targets.map((t) => [t.name, t.status])).toEqual([0, 1, 2, 3].map((i) => [`shard-${i}`, 'not started']));
    return relays.maxTargetsAtOnce;
  };

  it('one target at a time by default', async () => {
    expect(await status()).toBe(1);
  });

  it('--concurrency 2: two at a time, never more', async () => {
    expect(await status('--concurrency', '2')).toBe(2);
  });

  it('--concurrency 0 is refused (exit 2)', async () => {
    const result = await cli(['status', '--targets', 'targets.yaml', '--concurrency', '0'], { cwd: dir, env });
    expect(result.code).toBe(2);
  });
});
