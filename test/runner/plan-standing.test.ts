/** When a plan of `after:` has finished a phase, in particular a phase it has no steps in. */
import { describe, expect, it } from 'vitest';
import { dependencyMet } from '../../src/runner/plan-standing.js';
import type { RunRow, StepRow } from '../../src/state/store.js';

const run = (patch: Partial<RunRow> = {}) =>
  ({ plan_name: 'a', status: 'at_gate', phase: 'expand', contract_started: false, ...patch }) as RunRow;
const step = (phase: string, status: string) => ({ phase, status, step_id: `${phase}-${status}` }) as StepRow;

describe('dependencyMet', () => {
  it('a run with no step rows has finished nothing, whatever its status', () => {
    for (const status of ['running', 'at_gate', 'done'] as const)
      for (const phase of ['expand', 'migrate', 'contract', 'complete'] as const)
        expect(dependencyMet(run({ status }), [], phase), `${status} ${phase}`).toBe(false);
  });

  it('a phase without steps is finished when an earlier phase is done', () => {
    const steps = [step('expand', 'done')];
    expect(dependencyMet(run(), steps, 'migrate')).toBe(true);
  });

  it('a phase without steps before the first one that has some: finished only once a later phase began', () => {
    const steps = [step('contract', 'pending')];
    expect(dependencyMet(run({ phase: null }), steps, 'expand')).toBe(false);
    expect(dependencyMet(run({ phase: null, contract_started: true }), steps, 'expand')).toBe(true);
    expect(dependencyMet(run({ phase: 'contract' }), steps, 'migrate')).toBe(true);
    expect(dependencyMet(run({ phase: null }), [step('contract', 'running')], 'migrate')).toBe(true);
  });

  it('a phase with a step not done is not finished; a rolled-back run has finished nothing', () => {
    expect(dependencyMet(run(), [step('expand', 'done'), step('migrate', 'failed')], 'migrate')).toBe(false);
    expect(dependencyMet(run({ status: 'rolled_back' }), [step('expand', 'done')], 'expand')).toBe(false);
  });
});
