/**
 * `schemashift test` on its default throwaway database, an embedded PGlite: the real runner, each
 * step's effect checked, rollback rehearsed on fresh copies with the schema and rows compared.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';
import {
  LEAKY_ROLLBACK_PLAN,
  ORDERS_SEED,
  ORDERS_WITH_NULL_CLIENTS_SEED,
  WRONG_CHECK_PLAN,
  writePlan,
} from './fixtures/plans.js';

const RENAME = 'plans/rename-orders-client-id.yaml';

async function rehearse(args: string[]) {
  const io = captureIo();
  const started = Date.now();
  const code = await main(['test', ...args], io);
  console.log(`schemashift test ${args.join(' ')}: exit ${code} in ${Date.now() - started} ms`);
  return { code, out: io.stdout(), err: io.stderr() };
}

interface JsonReport {
  ok: boolean;
  failure: { step: string; error: string } | null;
  steps: { step: string; result: string; detail: string; ms: number | null }[];
  rollbacks: { after: string; result: string; detail: string; differences: string[] }[];
}

describe('schemashift test (embedded PGlite)', () => {
  it('rehearses the rename plan from a seed file: every step checked, rollback rehearsed after expand and after migrate', async () => {
    const { code, out, err } = await rehearse([RENAME, '--seed', ORDERS_SEED]);
    expect(code).toBe(0);
    expect(out).toContain('on pglite://memory');
    expect(out).toContain(`data: seed file ${ORDERS_SEED}`);
    expect(out).toMatch(/expand +add_column:orders\.customer_id +✔ probe: in place +\d+/);
    expect(out).toMatch(/migrate +backfill:orders\.customer_id +✔ 2,000 rows = 2,000 matching/);
    expect(out).toMatch(/migrate +check:orders +✔ check passed \(= 0\)/);
    expect(out).toMatch(/migrate +gate:deploy-the-version-that +✔ confirmed/);
    expect(out).toMatch(/contract +drop_column:orders\.client_id +✔ probe: in place/);
    expect(out).not.toContain('✖');
    expect(out).toContain('✔ rollback after expand: 4 step(s) undone; schema and rows equal the original');
    expect(out).toContain('✔ rollback after migrate: 6 step(s) undone; schema and rows equal the original');
    expect(out).toMatch(
      /✔ rehearsal passed: 14 steps of plans\/rename-orders-client-id\.yaml, rollback rehearsed after expand and after migrate/,
    );
    // The runner's own plain lines go to stderr, for each of the three copies.
    expect(err).toContain('-- running every phase of rename-orders-client-id on pglite://memory');
    expect(err).toContain('-- rollback rehearsal after expand, on a fresh copy');
    expect(err).toContain('-- rollback rehearsal after migrate, on a fresh copy');
    expect(err).toContain('✔ drop_column:orders.client_id');
  });

  it('exits 1 naming the step that fails (NOT NULL over rows whose old column is NULL), and rolls the failed run back cleanly', async () => {
    const { code, out } = await rehearse([RENAME, '--seed', ORDERS_WITH_NULL_CLIENTS_SEED, '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(out) as JsonReport;
    expect(report.ok).toBe(false);
    expect(report.failure).toEqual({
      step: 'set_not_null:orders.customer_id/validate',
      error: 'check constraint "customer_id_not_null" of relation "orders" is violated by some row',
    });
    const byId = new Map(report.steps.map((s) => [s.step, s]));
    expect(byId.get('backfill:orders.customer_id')).toMatchObject({
      result: 'ok',
      detail: '1,960 rows = 1,960 matching',
    });
    expect(byId.get('set_not_null:orders.customer_id/validate')).toMatchObject({ result: 'failed', ms: null });
    expect(byId.get('drop_column:orders.client_id')).toMatchObject({ result: 'not-run', detail: 'not run' });
    expect(report.rollbacks).toEqual([
      {
        after: 'failure',
        result: 'ok',
        detail: '5 step(s) undone; schema and rows equal the original',
        undone: expect.any(Array),
        differences: [],
      },
    ]);
  });

  it('exits 1 naming a check whose expected value is wrong', async () => {
    const { code, out } = await rehearse([writePlan(WRONG_CHECK_PLAN), '--seed', ORDERS_SEED]);
    expect(code).toBe(1);
    expect(out).toMatch(/migrate +every-order-has-a-note +✖ failed/);
    expect(out).toMatch(
      /✖ rehearsal failed: every-order-has-a-note: check every-order-has-a-note failed: .*expected 0, the query returned "?2000"?/,
    );
    expect(out).toContain('✔ rollback after failure: 1 step(s) undone; schema and rows equal the original');
  });

  it('exits 1 when a rollback leaves the schema different from the original, listing the difference', async () => {
    const { code, out } = await rehearse([writePlan(LEAKY_ROLLBACK_PLAN), '--seed', ORDERS_SEED]);
    expect(code).toBe(1);
    expect(out).toMatch(/expand +sql:orders +✔ ran \(no probe\)/);
    expect(out).toContain(
      '✖ rollback after expand: 1 step(s) undone, but the database differs from before (2 difference(s))',
    );
    expect(out).toContain('left behind: column public.orders.note_author (text)');
    expect(out).toMatch(/changed: rows public\.orders: was 2000 rows, md5 \w+, now 2000 rows, md5 \w+/);
    expect(out).toContain('– rollback after migrate: skipped — the plan has no migrate steps');
    expect(out).toContain('✖ rehearsal failed: rollback after expand:');
  });
});

describe('schemashift test: bad input exits 2 before anything runs', () => {
  it.each([
    [[RENAME], 'schemashift test needs --seed or --schema-from'],
    [
      [RENAME, '--seed', ORDERS_SEED, '--schema-from', 'postgres://x@localhost/db'],
      '--seed and --schema-from cannot be combined',
    ],
    [[RENAME, '--seed', ORDERS_SEED, '--rows', '10'], '--rows applies to --schema-from'],
    [[RENAME, '--schema-from', 'postgres://x@localhost/db', '--rows', 'lots'], '--rows lots: expected a whole number'],
    [[RENAME, '--seed', 'nope.sql'], 'cannot read the seed file nope.sql: it does not exist'],
    [
      [RENAME, '--seed', ORDERS_SEED, '--database', 'pglite://memory'],
      'a rehearsal creates scratch databases, which needs a PostgreSQL server',
    ],
    [
      [RENAME, '--seed', ORDERS_SEED, '--database', 'postgres://x@localhost/db', '--container'],
      '--database and --container cannot be combined',
    ],
    [['plans/missing.yaml', '--seed', ORDERS_SEED], 'plan file plans/missing.yaml does not exist'],
  ])('%j', async (args, message) => {
    const { code, err } = await rehearse(args);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).toContain('help: ');
  });

  it('exits 2 on a seed that fails, naming it', async () => {
    const { code, err } = await rehearse([
      RENAME,
      '--seed',
      writePlan('CREATE TABLE orders (id bigint PRIMARY KEY);\nINSERT INTO orderz VALUES (1);', 'seed.sql'),
    ]);
    expect(code).toBe(2);
    expect(err).toMatch(
      /the seed \(seed file .*seed\.sql\) failed on pglite:\/\/memory: relation "orderz" does not exist/,
    );
  });

  it('says plainly that --container needs a Docker engine (exit 2) when none answers', async () => {
    const { code, err } = await rehearse([RENAME, '--seed', ORDERS_SEED, '--container']);
    if (code === 0) {
      console.log(
        '!!! a Docker engine answered: --container rehearsed in a container instead of reporting its absence',
      );
      return;
    }
    expect(code).toBe(2);
    expect(err).toContain('--container: no Docker engine answers');
    expect(err).toContain('help: start Docker (or point DOCKER_HOST at an engine)');
  });
});
