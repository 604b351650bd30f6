/**
 * Every operation kind in the registry is shown by at least one example plan in plans/: the examples
 * are what the plan goldens and the compiled-steps snapshot pin, so an operation in no plan is unpinned.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPERATION_KINDS } from '../../src/operations/index.js';
import { loadPlanFile } from '../../src/plan/load.js';

const root = join(import.meta.dirname, '..', '..');

/**
 * Kinds no example plan uses yet (found 2026-12-06). Each is in test/fixtures/seam/coverage.yaml, so the
 * compiled-steps snapshot pins it meanwhile. The list only shrinks: add an example plan (and its goldens).
 */
const NOT_YET_IN_PLANS: readonly string[] = [];

async function kindsUsedBy(files: string[]): Promise<Set<string>> {
  const used = new Set<string>();
  for (const file of files) {
    for (const entry of (await loadPlanFile(file, root)).entries) used.add(entry.kind);
  }
  return used;
}

describe('the example plans in plans/', () => {
  it('use every operation kind of the registry at least once', async () => {
    const plans = readdirSync(join(root, 'plans')).filter((f) => /\.ya?ml$/.test(f));
    const used = await kindsUsedBy(plans.map((f) => `plans/${f}`));
    const missing = OPERATION_KINDS.filter((kind) => !used.has(kind));
    expect(missing, 'operation kinds that no plan in plans/ uses').toEqual(NOT_YET_IN_PLANS);
  });

  it('leave no kind unpinned: the ones missing there are in the seam coverage fixture', async () => {
    const covered = await kindsUsedBy(['test/fixtures/seam/coverage.yaml']);
    expect(NOT_YET_IN_PLANS.filter((kind) => !covered.has(kind))).toEqual([]);
  });
});
