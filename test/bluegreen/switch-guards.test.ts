/**
 * What the switch checks before it retires blue: room on green for the reverse slot and its WAL sender
 * (a full green would strand blue read-only), and that green still follows blue (a forward subscription
 * dropped behind schemashift's back must not lead to blue taking writes while green overwrites it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logicalClusterUnavailable } from '../support/logical-cluster.js';
import { DB, fillReplicationSlots, planText, replicationObjects, startPair, type Pair } from './bluegreen-support.js';

const unavailable = logicalClusterUnavailable();
if (unavailable) console.warn(`blue/green switch guard tests skipped: ${unavailable}`);

const retiredOn = async (pair: Pair, side: 'blue' | 'green') =>
  (
    await pair[side].sql<{ t: string }>(
      DB,
      `SELECT tgrelid::regclass::text AS t FROM pg_trigger WHERE tgname = 'schemashift_retired' ORDER BY 1`,
    )
  ).map((r) => r.t);

describe.skipIf(unavailable !== null)('blue/green: the switch refuses to strand or split blue', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(planText('bg_guard'));
    const first = await pair.run(['run']);
    expect(first.stdout, first.stderr).toMatch(/stopped at a gate: Switch to green/);
  }, 180_000);
  afterAll(async () => pair?.stop());

  it('refuses while green has no free replication slot, naming green, and changes nothing', async () => {
    await fillReplicationSlots(pair.green);
    const result = await pair.run(['advance', '--yes']);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr + result.stdout).toMatch(/no room for the replication back .*green: no free replication slot/);
    expect(await retiredOn(pair, 'blue')).toEqual([]);
    expect(await replicationObjects(pair.green)).toContain('subscription ss_fwd_bg_guard');
    await pair.blue.sql(DB, `INSERT INTO customers (name) VALUES ('blue still takes writes')`);
    await pair.green.sql(
      'postgres',
      `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'filler\\_%'`,
    );
  }, 120_000);

  it('refuses when green no longer follows blue and blue was never stopped, and changes nothing', async () => {
    await pair.green.sql(DB, `ALTER SUBSCRIPTION ss_fwd_bg_guard DISABLE`);
    await pair.green.sql(DB, `ALTER SUBSCRIPTION ss_fwd_bg_guard SET (slot_name = NONE)`);
    await pair.green.sql(DB, `DROP SUBSCRIPTION ss_fwd_bg_guard`);
    const result = await pair.run(['advance', '--yes']);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr + result.stdout).toMatch(
      /green has no subscription ss_fwd_bg_guard .*this switch never stopped blue/,
    );
    expect(result.stdout).not.toMatch(/blue refuses them/);
    expect(await retiredOn(pair, 'blue')).toEqual([]);
    expect(await replicationObjects(pair.green)).toEqual([]);
    expect(await replicationObjects(pair.blue)).not.toContain('subscription ss_rev_bg_guard');
  }, 120_000);
});

describe.skipIf(unavailable !== null)(
  'blue/green: a switch without catch_up waits for every table to be copied',
  () => {
    let pair: Pair;
    beforeAll(async () => {
      pair = await startPair(planText('bg_early_switch').replace(/ {4}- catch_up: .*\n/, ''));
    }, 120_000);
    afterAll(async () => pair?.stop());

    it('refuses while a table is not ready in pg_subscription_rel, and changes nothing on blue', async () => {
      const first = await pair.run(['advance', '--yes']);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      // A copy still under way, made to stay so: the subscription stopped and orders marked as being copied.
      await pair.green.sql(DB, `ALTER SUBSCRIPTION ss_fwd_bg_early_switch DISABLE`);
      await pair.green.sql(DB, `UPDATE pg_subscription_rel SET srsubstate = 'd' WHERE srrelid = 'orders'::regclass`);
      const result = await pair.run(['advance', '--yes']);
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect(result.stderr + result.stdout).toMatch(/green has not finished copying: (.*, )?public\.orders \([dfis]\)/);
      expect(await retiredOn(pair, 'blue')).toEqual([]);
      expect(await replicationObjects(pair.green)).toEqual(['subscription ss_fwd_bg_early_switch']);
    }, 120_000);
  },
);

describe.skipIf(unavailable !== null)('blue/green: the switch back refuses to split too', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(planText('bg_guard_back', '1h'));
    const first = await pair.run(['run']);
    expect(first.stdout, first.stderr).toMatch(/stopped at a gate: Switch to green/);
    const switched = await pair.run(['advance', '--yes']);
    expect(switched.code, switched.stdout + switched.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => pair?.stop());

  it('refuses a rollback when blue no longer follows green and green was never stopped; nothing changes', async () => {
    await pair.blue.sql(DB, `ALTER SUBSCRIPTION ss_rev_bg_guard_back DISABLE`);
    await pair.blue.sql(DB, `ALTER SUBSCRIPTION ss_rev_bg_guard_back SET (slot_name = NONE)`);
    await pair.blue.sql(DB, `DROP SUBSCRIPTION ss_rev_bg_guard_back`);
    const back = await pair.run(['rollback', '--yes']);
    expect(back.code, back.stdout + back.stderr).toBe(2);
    expect(back.stderr + back.stdout).toMatch(/blue has no subscription ss_rev_bg_guard_back .*green was not stopped/);
    expect(await retiredOn(pair, 'blue')).toEqual(['customers', 'orders']);
    expect(await retiredOn(pair, 'green')).toEqual([]);
    expect(await replicationObjects(pair.green)).toEqual([
      'publication ss_rev_bg_guard_back',
      'slot ss_rev_bg_guard_back',
    ]);
  }, 120_000);
});
