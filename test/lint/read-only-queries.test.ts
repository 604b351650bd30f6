/** read-only-query-side-effects: calls READ ONLY does not stop (or always refuses) in checks, guards and throttles. */
import { describe, expect, it } from 'vitest';
import { lintPlan } from '../../src/lint/lint-plan.js';
import { parsePlan } from '../../src/plan/load.js';

async function findings(
  steps: string,
): Promise<{ rule: string; message: string; at: { line: number; col: number } }[]> {
  const plan = await parsePlan('p.yaml', `name: p\nphases:\n  migrate:\n${steps}`);
  return lintPlan(plan).filter((f) => f.rule === 'read-only-query-side-effects');
}

describe('read-only-query-side-effects', () => {
  it('flags a check that terminates sessions, at the call', async () => {
    const found = await findings(
      '    - check: { sql: "SELECT count(*) FROM pg_stat_activity WHERE pg_terminate_backend(pid)", expect: 0 }\n',
    );
    expect(found).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^pg_terminate_backend\(\) terminates another session/),
        at: expect.objectContaining({ line: 4, col: 66 }),
      }),
    ]);
  });

  it('flags nextval in a guard and an advisory lock in a throttle', async () => {
    const found = await findings(
      [
        '    - flag_rollout: { flag: F, stages: [100], guard: { sql: "SELECT nextval(\'s\')", max: 0 } }',
        '    - backfill: { table: t, set: { v: id }, throttle: { query: "SELECT pg_advisory_lock(1)::int", above: 1 } }',
        '',
      ].join('\n'),
    );
    expect(found.map((f) => f.message.split(':')[0])).toEqual([
      'nextval() advances a sequence, which PostgreSQL refuses in a READ ONLY transaction',
      'pg_advisory_lock() takes a session advisory lock that outlives the query',
    ]);
  });

  it("flags releasing advisory locks: on a one-backend database that is the runner's plan lock", async () => {
    const found = await findings(
      [
        '    - check: { sql: "SELECT count(*) FROM (SELECT pg_advisory_unlock_all()) s", expect: 1 }',
        '    - check: { sql: "SELECT pg_advisory_unlock(1) AND pg_advisory_unlock_shared(2)", expect: true }',
        '',
      ].join('\n'),
    );
    expect(found.map((f) => f.message.split('(')[0])).toEqual([
      'pg_advisory_unlock_all',
      'pg_advisory_unlock',
      'pg_advisory_unlock_shared',
    ]);
    expect(found[0]?.at).toMatchObject({ line: 4, col: 51 });
  });

  it('leaves plain reads and raw sql steps alone', async () => {
    expect(
      await findings(
        '    - check: { sql: "SELECT last_value FROM s", expect: 0 }\n    - sql: { up: "SELECT nextval(\'s\')" }\n',
      ),
    ).toEqual([]);
  });
});
