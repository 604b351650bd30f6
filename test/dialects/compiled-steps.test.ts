/**
 * Every step every example plan compiles to — SQL, probe, lock, effect, inverse — pinned in a snapshot,
 * so that moving SQL between files (operations ↔ dialects) cannot change a byte of what runs.
 * Regenerate deliberately with UPDATE_GOLDEN=1 when an operation's recipe changes on purpose.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlanFile } from '../../src/plan/load.js';
import { compilePlan } from '../../src/plan/compile.js';

const root = join(import.meta.dirname, '..', '..');
const snapshotFile = join(import.meta.dirname, 'compiled-steps.snapshot.json');
const planFiles = [
  ...readdirSync(join(root, 'plans'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `plans/${f}`),
  'test/fixtures/seam/coverage.yaml',
];

async function compiledSteps(file: string): Promise<unknown> {
  const compiled = compilePlan(await loadPlanFile(file, root));
  return compiled.entries.map((e) => ({ entry: e.entry.id, forward: e.steps, inverse: e.inverse }));
}

/** Key order is how an object literal happened to be written, not what runs. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]),
  );
}

describe('compiled steps of every example plan', () => {
  it('are byte-identical to the snapshot', async () => {
    const actual: Record<string, unknown> = {};
    for (const file of planFiles) actual[file] = await compiledSteps(file);
    const text = `${JSON.stringify(sortedKeys(actual), null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(snapshotFile, text);
    expect(text).toBe(readFileSync(snapshotFile, 'utf8'));
  });
});
