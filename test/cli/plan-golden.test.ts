/**
 * Golden `plan` output for every plans/*.yaml and its SQL Server twin in examples/mssql/, text and JSON;
 * a twin SQL Server refuses has its `validate` output as the golden instead. After an intended change,
 * refresh with `UPDATE_GOLDEN=1 npx vitest run test/cli/plan-golden.test.ts` and review the diff.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';

const plans = readdirSync('plans')
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const mssqlPlans = readdirSync('examples/mssql')
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const update = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, actual: string): void {
  const path = `test/golden/${name}`;
  if (update || !existsSync(path)) {
    mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
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

/** SQL Server twins the dialect refuses, each for a reason its golden `validate` output states. */
const REFUSED_ON_MSSQL = [
  'blue-green-switch.yaml',
  'drop-not-null-with-down.yaml',
  'second-users-over-stats-db.yaml',
  'schedule-daily-sales-refresh.yaml',
];

describe('SQL Server: a twin of every example plan', () => {
  it('every example plan has a twin', () => expect(mssqlPlans).toEqual(plans));

  it.each(mssqlPlans.filter((f) => !REFUSED_ON_MSSQL.includes(f)))('%s', async (file) => {
    const text = captureIo();
    expect(await main(['plan', `examples/mssql/${file}`], text), text.stderr()).toBe(0);
    golden(`mssql/${file.replace(/\.yaml$/, '.plan.txt')}`, text.stdout());
    const json = captureIo();
    expect(await main(['plan', `examples/mssql/${file}`, '--json'], json), json.stderr()).toBe(0);
    golden(`mssql/${file.replace(/\.yaml$/, '.plan.json')}`, json.stdout());
  });

  it.each(REFUSED_ON_MSSQL)('%s is refused at validate, with the SQL Server way instead', async (file) => {
    const io = captureIo();
    expect(await main(['validate', `examples/mssql/${file}`], io)).toBe(2);
    golden(`mssql/${file.replace(/\.yaml$/, '.validate.txt')}`, io.stdout() + io.stderr());
  });
});
