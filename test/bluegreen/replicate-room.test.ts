/**
 * replicate checks room for the way back before it creates anything: a green without a free
 * replication slot (the reverse slot lives there after the switch) is refused at replicate, naming
 * green, instead of at the switch with blue about to be retired.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logicalClusterUnavailable } from '../support/logical-cluster.js';
import { DB, fillReplicationSlots, planText, replicationObjects, startPair, type Pair } from './bluegreen-support.js';

const unavailable = logicalClusterUnavailable();
if (unavailable) console.warn(`blue/green replicate room test skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)('blue/green: replicate checks room for the way back', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(planText('bg_room'));
  }, 120_000);
  afterAll(async () => pair?.stop());

  it('refuses when green has no free replication slot, naming green; nothing is created', async () => {
    await fillReplicationSlots(pair.green);
    const result = await pair.run(['advance', '--yes']);
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stderr + result.stdout).toMatch(/blue\/green cannot start: .*green: no free replication slot/);
    expect(await replicationObjects(pair.blue)).toEqual([]);
    const greenTables = await pair.green.sql<{ t: string | null }>(DB, `SELECT to_regclass('orders')::text AS t`);
    expect(greenTables[0]?.t).toBeNull();
  }, 120_000);
});
