/**
 * A database that cannot do an action says so when the plan is compiled — before anything runs —
 * with why and the way to get there instead (validate and run report it, exit 2).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/dialects/dialect.js';
import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { UsageError } from '../../src/errors.js';
import { compilePlan } from '../../src/plan/compile.js';
import { loadPlanFile } from '../../src/plan/load.js';

const root = join(import.meta.dirname, '..', '..');

const withoutOnlineIndexes: Dialect = {
  ...postgres,
  ddl: {
    ...postgres.ddl,
    'build-index': () => ({
      unsupported: 'this edition builds indexes offline only',
      instead: 'set `concurrently: false` and schedule a window',
    }),
  },
};

describe('an action the dialect cannot render', () => {
  it('stops compilation with the reason and the way instead, naming the dialect and the action', async () => {
    const plan = await loadPlanFile('plans/partial-covering-index.yaml', root);
    let error: unknown;
    try {
      compilePlan(plan, withoutOnlineIndexes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).errorCode).toBe('unsupported-action');
    expect((error as UsageError).message).toBe('postgres cannot build-index: this edition builds indexes offline only');
    expect((error as UsageError).hint).toBe('set `concurrently: false` and schedule a window');
  });

  it('compiles the same plan with the full dialect', async () => {
    const plan = await loadPlanFile('plans/partial-covering-index.yaml', root);
    expect(compilePlan(plan, postgres).entries.length).toBeGreaterThan(0);
  });
});
