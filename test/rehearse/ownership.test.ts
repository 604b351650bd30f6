/**
 * `schemashift test` runs the real runner on a copy of the structure: a drop of something missing
 * (a typo) and a step creating what is already there both fail the rehearsal, naming the step.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';
import { ORDERS_SEED, writePlan } from './fixtures/plans.js';

async function rehearse(yaml: string) {
  const io = captureIo();
  const code = await main(['test', writePlan(yaml), '--seed', ORDERS_SEED, '--json'], io);
  return { code, report: JSON.parse(io.stdout()) as { ok: boolean; failure: { step: string; error: string } | null } };
}

describe('schemashift test: ownership (embedded PGlite)', () => {
  it('a drop_column of a column that does not exist fails the rehearsal (the real column would stay)', async () => {
    const { code, report } = await rehearse(`name: typo
phases:
  contract:
    - drop_column: { table: orders, column: no_such_column }
`);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.failure?.step).toBe('drop_column:orders.no_such_column');
    expect(report.failure?.error).toContain(
      'column orders.no_such_column does not exist, so drop_column:orders.no_such_column has nothing to remove',
    );
  });

  it('an add_column of a column that exists fails the rehearsal unless the step adopts it', async () => {
    const plan = (adopt: boolean) => `name: exists
phases:
  expand:
    - add_column: { table: orders, column: { name: client_id, type: bigint } }${adopt ? '\n      if_exists: adopt' : ''}
`;
    const refused = await rehearse(plan(false));
    expect(refused.code).toBe(1);
    expect(refused.report.failure?.error).toContain(
      'column orders.client_id already exists and was not created by this plan',
    );
    const adopted = await rehearse(plan(true));
    expect(adopted.report.failure).toBeNull();
    expect(adopted.code).toBe(0);
  });
});
