/** Which steps wait for the replicas before they run, and the lag ceiling they wait for. */
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';
import type { SqlStep } from '../../src/operations/types.js';
import { DEFAULT_REPLICA_LAG_MS, dropsOrRewrites, planReplicaLagCeiling } from '../../src/runner/replica-wait.js';
import { forward } from '../support/operations.js';

const sqlSteps = (kind: string, spec: unknown, phase: 'expand' | 'contract') =>
  forward(kind, spec, phase).filter((s): s is SqlStep => s.kind === 'sql');

describe('contract steps that wait for the replicas', () => {
  it('waits before contract drops and swaps (ACCESS EXCLUSIVE) and index drops', () => {
    const waits = [
      ...sqlSteps('drop_column', { table: 'orders', column: 'client_id' }, 'contract'),
      ...sqlSteps('drop_table', { name: 'old_orders' }, 'contract'),
      ...sqlSteps('drop_index', { table: 'orders', name: 'idx_orders_client_id' }, 'contract'),
    ];
    expect(waits.length).toBeGreaterThanOrEqual(3);
    expect(waits.map(dropsOrRewrites)).toEqual(waits.map(() => true));
    const swap = forward('change_type', { table: 'items', column: 'qty', type: 'bigint' }, 'expand').find(
      (s): s is SqlStep => s.kind === 'sql' && s.id.endsWith('/swap'),
    );
    expect(swap?.phase).toBe('contract');
    expect(dropsOrRewrites(swap!)).toBe(true);
  });

  it('does not wait before expand steps, nor before contract steps that lock nothing exclusively', () => {
    const expand = sqlSteps('drop_column', { table: 'orders', column: 'client_id' }, 'expand').filter(
      (s) => s.phase === 'expand',
    );
    const addColumn = sqlSteps('add_column', { table: 'orders', column: { name: 'note', type: 'text' } }, 'expand');
    expect([...expand, ...addColumn].map(dropsOrRewrites)).toEqual([...expand, ...addColumn].map(() => false));
    const dropFunction = forward('change_type', { table: 'items', column: 'qty', type: 'bigint' }, 'expand').find(
      (s): s is SqlStep => s.kind === 'sql' && s.id.endsWith('/drop-sync-function'),
    );
    expect(dropFunction?.phase).toBe('contract');
    expect(dropsOrRewrites(dropFunction!)).toBe(false);
  });
});

describe('the lag ceiling contract steps wait for', () => {
  const compiled = async (yaml: string) => compilePlan(await parsePlan('p.yaml', yaml));

  it("is the smallest max_replica_lag of the plan's backfills and verifies", async () => {
    const plan = await compiled(`
name: p
phases:
  migrate:
    - backfill: { table: t, set: { b: a }, throttle: { max_replica_lag: 10s } }
    - verify: { table: t, compare: { b: a }, throttle: { max_replica_lag: 2s } }
  contract:
    - drop_column: { table: t, column: a }
`);
    expect(planReplicaLagCeiling(plan)).toBe(2000);
  });

  it('is 5s when the plan sets none', async () => {
    const plan = await compiled(`
name: p
phases:
  contract:
    - drop_column: { table: t, column: a }
`);
    expect(DEFAULT_REPLICA_LAG_MS).toBe(5000);
    expect(planReplicaLagCeiling(plan)).toBe(DEFAULT_REPLICA_LAG_MS);
  });
});
