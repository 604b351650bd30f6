import { describe, expect, it } from 'vitest';
import { findOperation } from '../../src/operations/index.js';
import { forward, inverse } from '../support/operations.js';

function issuesOf(spec: unknown) {
  const result = findOperation('flag_rollout')!.schema.safeParse(spec);
  if (result.success) throw new Error('expected the spec to be refused');
  return result.error.issues as {
    code: string;
    message: string;
    path: PropertyKey[];
    params?: { offset?: number; hint?: string };
  }[];
}

describe('flag_rollout', () => {
  it('normalises hold to ms and applies defaults', () => {
    const guard = { sql: "SELECT count(*) FROM app_errors WHERE at > now() - interval '5 minutes'", max: 0 };
    expect(
      forward(
        'flag_rollout',
        { flag: 'UseNewCustomerIdColumn', stages: [10, 50, 100], hold: '10m', guard },
        'migrate',
        'f',
      ),
    ).toEqual([
      {
        id: 'f',
        phase: 'migrate',
        kind: 'flag_rollout',
        summary: 'roll out flag UseNewCustomerIdColumn: 10% → 50% → 100%, hold 10m each',
        flag: 'UseNewCustomerIdColumn',
        stages: [10, 50, 100],
        holdMs: 600_000,
        guard,
      },
    ]);
    expect(
      forward('flag_rollout', { flag: 'orders.use-customer_id', stages: [100], filter: 'percentage' }),
    ).toMatchObject([{ summary: 'roll out flag orders.use-customer_id: 100%', holdMs: 0, filter: 'percentage' }]);
  });

  it('inverse sets the flag back to 0%', () => {
    expect(inverse('flag_rollout', { flag: 'F', stages: [10, 100], hold: '1h' }, 'migrate', 'f')).toEqual({
      steps: [
        {
          id: 'f/undo',
          phase: 'migrate',
          kind: 'flag_rollout',
          summary: 'set flag F to 0%',
          flag: 'F',
          stages: [0],
          holdMs: 0,
        },
      ],
    });
    // No filter in the plan: the store decides when it writes (the flag's own, else its format's default).
    expect(inverse('flag_rollout', { flag: 'F', stages: [10], filter: 'percentage' }, 'migrate', 'f')).toMatchObject({
      steps: [{ stages: [0], filter: 'percentage' }],
    });
  });

  it('refuses stages that do not increase, naming the first offending stage', () => {
    const issues = issuesOf({ flag: 'F', stages: [10, 50, 50, 20] });
    expect(issues).toMatchObject([{ path: ['stages'], message: 'stages must increase: 50% comes after 50%' }]);
    expect(issues[0]!.params?.hint).toMatch(/\[10, 50, 100\]/);
  });

  it('refuses a stage over 100 (percent)', () => {
    const [issue] = issuesOf({ flag: 'F', stages: [10, 150] });
    expect(issue).toMatchObject({ code: 'too_big', path: ['stages', 1] });
  });

  it('refuses a guard without max', () => {
    const [issue] = issuesOf({ flag: 'F', stages: [100], guard: { sql: 'SELECT 1' } });
    expect(issue).toMatchObject({ code: 'invalid_type', path: ['guard', 'max'] });
  });

  it('refuses a guard query that does not parse, with its offset', () => {
    const [issue] = issuesOf({ flag: 'F', stages: [100], guard: { sql: 'SELECT count(*) FROM errors WHERE', max: 0 } });
    expect(issue).toMatchObject({
      code: 'custom',
      path: ['guard', 'sql'],
      params: { offset: 'SELECT count(*) FROM errors WHERE'.length },
    });
  });

  it.each([
    { flag: '1flag', stages: [10] },
    { flag: 'with space', stages: [10] },
    { flag: 'F', stages: [] },
    { flag: 'F', stages: [10], hold: 'soon' },
    { flag: 'F', stages: [10], filter: 'random' },
  ])('refuses %j', (spec) => expect(issuesOf(spec).length).toBeGreaterThan(0));
});
