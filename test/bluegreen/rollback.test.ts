/**
 * The ways back: a switch refused while a session keeps writing on blue (nothing changes), a rollback
 * after the switch that reopens blue with green's writes (and its sequences past green's), and a
 * rollback before the switch that leaves green's tables and no replication object.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logicalClusterUnavailable } from '../support/logical-cluster.js';
import { DB, planText, replicationObjects, rowsOf, startPair, Writer, type Pair } from './bluegreen-support.js';

const unavailable = logicalClusterUnavailable();
if (unavailable) console.warn(`blue/green rollback tests skipped: ${unavailable}`);

const retiredOn = async (pair: Pair, side: 'blue' | 'green') =>
  (
    await pair[side].sql<{ t: string }>(
      DB,
      `SELECT tgrelid::regclass::text AS t FROM pg_trigger WHERE tgname = 'schemashift_retired' ORDER BY 1`,
    )
  ).map((r) => r.t);

describe.skipIf(unavailable !== null)('blue/green: switch refused under writes, rollback after the switch', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(planText('bg_back').replace('phases:', 'settings:\n  lock_timeout: 300ms\nphases:'));
    const first = await pair.run(['run']);
    expect(first.stdout, first.stderr).toMatch(/stopped at a gate: Switch to green/);
  }, 180_000);
  afterAll(async () => pair?.stop());

  it('refuses the switch while a session keeps writing on blue, and changes nothing', async () => {
    const writer = new Writer();
    await writer.start(pair.blue.url(DB));
    const result = await pair.run(['run', '--yes']).finally(() => writer.stop());
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).toMatch(/writes still arrive on blue: pid \d+ \(RowExclusiveLock on orders/);
    expect(result.stderr + result.stdout).toContain('move them to green first');
    expect(writer.refused).toEqual([]);
    expect(await retiredOn(pair, 'blue')).toEqual([]);
    expect(await replicationObjects(pair.green)).toEqual(['subscription ss_fwd_bg_back']);
  }, 120_000);

  it('rollback after the switch stops green, gives blue green’s writes and sequences, and reopens blue', async () => {
    // A transaction that already wrote holds its lock: the switch waits, retries and names it, then goes on.
    const blocker = new pg.Client({ connectionString: pair.blue.url(DB) });
    await blocker.connect();
    await blocker.query(`BEGIN; UPDATE customers SET name = name WHERE id = 1`);
    const pid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    const release = setTimeout(() => void blocker.query('COMMIT').then(() => blocker.end()), 1500);
    const switched = await pair.run(['advance', '--yes']).finally(() => clearTimeout(release));
    expect(switched.code, switched.stdout + switched.stderr).toBe(0);
    expect(switched.stdout).toMatch(new RegExp(`retry 1 in \\d+ms; blocked by pid ${pid} `));
    expect(await retiredOn(pair, 'blue')).toEqual(['customers', 'orders']);
    await pair.green.sql(DB, `INSERT INTO orders (amount, note) SELECT g, 'green' FROM generate_series(1, 25) g`);
    await pair.green.sql(DB, `UPDATE customers SET name = 'renamed on green' WHERE id = 3`);
    const greenMax = (await pair.green.sql<{ max: number }>(DB, 'SELECT max(id) AS max FROM orders'))[0]?.max ?? 0;

    const back = await pair.run(['rollback', '--yes']);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(await rowsOf(pair.blue, 'orders')).toBe(await rowsOf(pair.green, 'orders'));
    expect(await rowsOf(pair.blue, 'customers')).toBe(await rowsOf(pair.green, 'customers'));
    expect(await retiredOn(pair, 'blue')).toEqual([]);
    const row = await pair.blue.sql<{ id: number }>(DB, `INSERT INTO orders (amount) VALUES (1) RETURNING id`);
    expect(row[0]?.id).toBeGreaterThan(greenMax);
    expect(await replicationObjects(pair.blue)).toEqual([]);
    expect(await replicationObjects(pair.green)).toEqual([]);
    // Green took writes once: after the full rollback a late write there is refused, not silently lost.
    expect(await retiredOn(pair, 'green')).toEqual(['customers', 'orders']);
    expect(back.stdout).toMatch(/green keeps its schemashift_retired triggers/);
    await expect(pair.green.sql(DB, `INSERT INTO orders (amount) VALUES (1)`)).rejects.toThrow(
      /was switched to blue by plan bg_back: write to blue/,
    );
  }, 180_000);
});

describe.skipIf(unavailable !== null)('blue/green: rollback before the switch', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(planText('bg_early'));
    // Enough rows that the initial copy is still under way when the rollback comes (its table-copy slots too).
    await pair.blue.sql(DB, `INSERT INTO orders (amount) SELECT g FROM generate_series(1, 400000) g`);
  }, 120_000);
  afterAll(async () => pair?.stop());

  it('drops the subscription, slot and publication and leaves green’s tables, saying why', async () => {
    const expand = await pair.run(['advance', '--yes']);
    expect(expand.code, expand.stdout + expand.stderr).toBe(0);
    expect(await replicationObjects(pair.blue)).toEqual(
      expect.arrayContaining(['publication ss_fwd_bg_early', 'slot ss_fwd_bg_early']),
    );
    // With 400k rows the copy is usually still running: its table-copy slot on blue must go too (checked below).
    const back = await pair.run(['rollback', '--yes']);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(back.stdout).toMatch(
      /green's public\.orders, public\.customers are left in place: they hold the copied rows/,
    );
    expect(await replicationObjects(pair.blue)).toEqual([]);
    expect(await replicationObjects(pair.green)).toEqual([]);
    const left = await pair.green.sql<{ t: string | null }>(DB, `SELECT to_regclass('orders')::text AS t`);
    expect(left[0]?.t).toBe('orders');
  }, 120_000);
});
