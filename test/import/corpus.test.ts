/**
 * Every migration of the corpus is imported, compared with its golden plan (`<name>.expected.yaml`) and validated:
 * validate is clean, or its findings are exactly those `<name>.findings.yaml` lists, each with the reason it is
 * expected. After an intended change: `UPDATE_GOLDEN=1 npx vitest run test/import/corpus.test.ts`, review the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { cli, emptyDir } from '../cli/cli-support.js';

const CORPUS = 'test/fixtures/import/corpus';
const files = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.sql') && !f.endsWith('.before.sql'))
  .sort();
const update = process.env.UPDATE_GOLDEN === '1';

interface ExpectedFinding {
  rule: string;
  severity: 'error' | 'warning';
  reason: string;
}

function expectedFindings(stem: string): ExpectedFinding[] {
  const path = join(CORPUS, `${stem}.findings.yaml`);
  if (!existsSync(path)) return [];
  const listed = (YAML.parse(readFileSync(path, 'utf8')) as { findings: ExpectedFinding[] }).findings;
  for (const f of listed) expect(f.reason?.trim().length ?? 0, `${path}: ${f.rule} needs a reason`).toBeGreaterThan(10);
  return listed;
}

async function validateFindings(plan: string): Promise<{ code: number; found: string[] }> {
  const result = await cli(['validate', plan, '--format', 'json']);
  const report = JSON.parse(result.stdout) as { plans: { findings: { rule: string; severity: string }[] }[] };
  const found = report.plans.flatMap((p) => p.findings.map((f) => `${f.severity} ${f.rule}`)).sort();
  return { code: result.code, found };
}

describe('import: the corpus of real-world-shaped migrations', () => {
  it('holds at least 30 migrations', () => expect(files.length).toBeGreaterThanOrEqual(30));

  it.each(files)('%s', async (file) => {
    const stem = file.replace(/\.sql$/, '');
    const out = join(emptyDir('schemashift-import-'), 'plans', `${stem}.yaml`);
    const imported = await cli(['import', join(CORPUS, file), '--out', out]);
    expect(imported.code, imported.stderr).toBe(0);
    const plan = readFileSync(out, 'utf8');
    const golden = join(CORPUS, `${stem}.expected.yaml`);
    if (update || !existsSync(golden)) writeFileSync(golden, plan);
    expect(plan).toBe(readFileSync(golden, 'utf8'));

    const expected = expectedFindings(stem);
    const { code, found } = await validateFindings(out);
    expect(found).toEqual(expected.map((f) => `${f.severity} ${f.rule}`).sort());
    expect(code).toBe(expected.some((f) => f.severity === 'error') ? 1 : 0);
  });
});
