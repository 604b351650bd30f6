/**
 * Golden `plan` output for every plans/*.yaml, text and JSON. After an intended change, refresh
 * with `UPDATE_GOLDEN=1 npx vitest run test/cli/plan-golden.test.ts` and review the diff.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';

const plans = readdirSync('plans')
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const update = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, actual: string): void {
  const path = `test/golden/${name}`;
  if (update || !existsSync(path)) {
    mkdirSync('test/golden', { recursive: true });
    writeFileSync(path, actual);
    if (!update) throw new Error(`wrote missing golden file ${path}; review it and run again`);
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('plan output for every example plan', () => {
  it('there are example plans', () => expect(plans.length).toBeGreaterThanOrEqual(6));

  it.each(plans)('%s', async (file) => {
    const text = captureIo();
    expect(await main(['plan', `plans/${file}`], text), text.stderr()).toBe(0);
    golden(file.replace(/\.yaml$/, '.plan.txt'), text.stdout());
    const json = captureIo();
    expect(await main(['plan', `plans/${file}`, '--json'], json), json.stderr()).toBe(0);
    golden(file.replace(/\.yaml$/, '.plan.json'), json.stdout());
  });
});
