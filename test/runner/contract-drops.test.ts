import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/plan/compile.js';
import { loadPlanFile } from '../../src/plan/load.js';
import { contractConfirmation, contractDrops } from '../../src/runner/contract-drops.js';
import { writePlan } from './cli-process.js';

describe('contract confirmation', () => {
  it('lists exactly what the contract of the shipped rename plan drops', async () => {
    const compiled = compilePlan(await loadPlanFile('plans/rename-orders-client-id.yaml', process.cwd()));
    expect(contractDrops(compiled)).toEqual([
      'trigger schemashift_sync_orders_customer_id on orders',
      'function schemashift_sync_orders_customer_id',
      'column orders.client_id',
    ]);
    expect(contractConfirmation(compiled)).toContain(
      'It drops:\n  - trigger schemashift_sync_orders_customer_id on orders\n',
    );
  });

  it('reads drop_column, drop_index, raw SQL drops and constraints from the statements themselves', async () => {
    const file = writePlan(`name: drops
phases:
  expand: []
  contract:
    - drop_column: { table: users, column: legacy_login }
    - drop_index: { table: users, name: users_legacy_idx }
    - sql:
        up: ALTER TABLE public.users DROP CONSTRAINT users_legacy_check
`);
    const compiled = compilePlan(await loadPlanFile(file, process.cwd()));
    const drops = contractDrops(compiled);
    expect(drops).toContain('column users.legacy_login');
    expect(drops.some((d) => /^index (public\.)?users_legacy_idx$/.test(d))).toBe(true);
    expect(drops).toContain('constraint users_legacy_check on public.users');
  });
});
