/**
 * The blue/green comparison over real logical replication: a cluster of the test's own
 * (wal_level = logical; the main server on :5432 is not touched) with a blue and a green database,
 * green subscribed to blue. `waitForGreen` waits for the subscription's slot on blue to confirm
 * the LSN, as bg-core's catch_up does. A writer updates, inserts and deletes across the whole key
 * range during the walk: every chunk still verifies. Idle, it verifies too (the LSN it waits for
 * is reached without further writes); a row changed on green only is found.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/db/index.js';
import { postgresReplicationCompare } from '../../src/dialects/postgres/replication-compare.js';
import { compareReplicatedTables, countBothSides, type CompareOptions } from '../../src/runner/replication-compare.js';
import { logicalClusterUnavailable, startLogicalCluster, type LogicalCluster } from '../support/logical-cluster.js';
import { sleep, waitFor } from './seed.js';

const ROWS = 30_000;
/** The largest id so far: the writer inserts after it, one run after another. */
let lastId = ROWS;

const unavailable = logicalClusterUnavailable();
if (unavailable) console.warn(`\n!!! SKIPPING test/runner/replication-compare-logical.test.ts: ${unavailable} !!!\n`);

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

describe.skipIf(unavailable !== null)('compareReplicatedTables over real logical replication', () => {
  let cluster: LogicalCluster;
  let blueAdmin: pg.Client;
  let greenAdmin: pg.Client;
  let blue: Connection;
  let green: Connection;

  /** Resolves once the subscription's slot on blue has confirmed `lsn`, as bg-core's catch_up waits. */
  async function waitForGreen(lsn: string): Promise<void> {
    const sql = "SELECT confirmed_flush_lsn >= $1::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = 'rc_slot'";
    await waitFor(
      `the slot to confirm ${lsn}`,
      async () => (await blueAdmin.query<{ ok: boolean }>(sql, [lsn])).rows[0]?.ok,
      30_000,
      10,
    );
  }

  function options(extra: Partial<CompareOptions> = {}): CompareOptions {
    const signal = new AbortController().signal;
    const sql = postgresReplicationCompare;
    return {
      blue,
      green,
      sql,
      tables: ['items'],
      chunkRows: 2000,
      rechecks: 5,
      recheckPauseMs: 50,
      waitForGreen,
      signal,
      ...extra,
    };
  }

  beforeAll(async () => {
    cluster = await startLogicalCluster();
    const admin = await client(cluster.url('postgres'));
    await admin.query('CREATE DATABASE blue');
    await admin.query('CREATE DATABASE green');
    await admin.end();
    [blueAdmin, greenAdmin] = await Promise.all([client(cluster.url('blue')), client(cluster.url('green'))]);
    const table = 'CREATE TABLE items (id int PRIMARY KEY, n int NOT NULL, note text)';
    await blueAdmin.query(`${table}; INSERT INTO items SELECT g, 0, 'note ' || g FROM generate_series(1, ${ROWS}) g;
      CREATE PUBLICATION rc_pub FOR TABLE items`);
    // A subscription to the same cluster cannot create its slot (it would wait for itself): made first.
    await blueAdmin.query("SELECT pg_create_logical_replication_slot('rc_slot', 'pgoutput')");
    await greenAdmin.query(table);
    await greenAdmin.query(
      `CREATE SUBSCRIPTION rc_sub CONNECTION 'host=127.0.0.1 port=${cluster.port} dbname=blue user=postgres' ` +
        "PUBLICATION rc_pub WITH (create_slot = false, slot_name = 'rc_slot')",
    );
    const synced = "SELECT count(*) = 1 AND bool_and(srsubstate = 'r') AS ok FROM pg_subscription_rel";
    await waitFor(
      'the initial copy',
      async () => (await greenAdmin.query<{ ok: boolean }>(synced)).rows[0]?.ok,
      60_000,
      100,
    );
    [blue, green] = await Promise.all([connect(cluster.url('blue')), connect(cluster.url('green'))]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([blue?.close(), green?.close()]);
    await Promise.all([blueAdmin?.end(), greenAdmin?.end()]);
    await cluster?.stop();
  });

  const walks: Partial<CompareOptions>[] = [{ chunksPerWait: 1 }, { chunksPerWait: 5 }, { waitOnlyOnDifference: true }];
  it.each(walks)(
    'verifies every chunk while a writer updates, inserts and deletes across the key range (%o)',
    async (walk) => {
      const writer = await client(cluster.url('blue'));
      let writing = true;
      let writes = 0;
      const writing$ = (async () => {
        for (let i = 1; writing; i++, writes++) {
          const id = ((i * 7919) % ROWS) + 1;
          if (i % 10 === 0) await writer.query('DELETE FROM items WHERE id = $1', [id]);
          else if (i % 10 === 1) await writer.query('INSERT INTO items VALUES ($1, 0, $2)', [++lastId, 'new']);
          else await writer.query('UPDATE items SET n = n + 1 WHERE id = $1', [id]);
          await sleep(1);
        }
      })();
      try {
        const [result] = await compareReplicatedTables(options(walk));
        expect(result!.mismatches).toEqual([]);
        expect(result).toMatchObject({ table: 'items', keyed: true });
        // Chunks of 2000 over the rows blue had at the start (30000, and what earlier runs added).
        expect(result!.chunks).toBeGreaterThanOrEqual(15);
        expect(writes).toBeGreaterThan(100);
      } finally {
        writing = false;
        await writing$;
        await writer.end();
      }
    },
    120_000,
  );

  it('idle, the walk finishes (the LSN waited for is reached; without waits when green is current) and the exact counts agree', async () => {
    const [current] = (await blueAdmin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows;
    await waitForGreen(current!.lsn);
    // Each wait lasts until green's next status report when blue writes only WAL that is not
    // replicated; a wait for an LSN that idle green never confirms fails after 30 s (waitForGreen).
    // Counted rather than timed: the machine's load sets the time, the walk sets the count.
    let waits = 0;
    const counted = (lsn: string) => (waits++, waitForGreen(lsn));
    const [result] = await compareReplicatedTables(options({ rechecks: 0, chunksPerWait: 5, waitForGreen: counted }));
    expect(result!.mismatches).toEqual([]);
    expect(waits).toBe(Math.ceil(result!.chunks / 5));
    waits = 0;
    const [again] = await compareReplicatedTables(
      options({ rechecks: 0, waitOnlyOnDifference: true, waitForGreen: counted }),
    );
    expect(again!.mismatches).toEqual([]);
    expect(waits).toBe(0);
    const [counts] = await countBothSides(options());
    expect(counts!.blue).toBe(counts!.green);
  }, 60_000);

  it('a row changed on green only is a mismatch, even with rechecks', async () => {
    await greenAdmin.query(`UPDATE items SET note = 'diverged' WHERE id = 4321`);
    const [result] = await compareReplicatedTables(options({ rechecks: 2 }));
    // The writer deleted rows, so chunk bounds moved: the one chunk reported is the one holding 4321.
    expect(result!.mismatches).toHaveLength(1);
    const [m] = result!.mismatches;
    expect(Number(m!.from)).toBeLessThan(4321);
    expect(Number(m!.to)).toBeGreaterThanOrEqual(4321);
    expect(m!.blue.rows).toBe(m!.green.rows);
  }, 60_000);
});
