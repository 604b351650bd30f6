/**
 * `validate` of 200 plans in-process: prints how long it takes and where the time goes
 * (no timing assertion: the machine may be busy). The process-level figure, start-up included,
 * comes from bench/validate-speed.ts.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePlans } from '../../bench/generate-plans.js';
import type { Io } from '../../src/cli/io.js';
import { validateCommand } from '../../src/cli/validate.js';
import { lintPlan } from '../../src/lint/lint-plan.js';
import { compilePlan } from '../../src/plan/compile.js';
import { parsePlan } from '../../src/plan/load.js';

const COUNT = 200;
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'schemashift-speed-'));
  await generatePlans(join(dir, 'plans'), COUNT);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe(`validate ${COUNT} plans in-process`, () => {
  it('validates every plan, and prints the time', async () => {
    let out = '';
    const io: Io = {
      out: (s) => void (out += s),
      err: (s) => void (out += s),
      interactive: false,
      color: false,
      env: {},
      cwd: dir,
    };
    await validateCommand(['plans'], { format: 'json' }, io); // warm-up: module loading, the SQL parser's WASM
    out = '';
    const start = performance.now();
    const code = await validateCommand(['plans'], { format: 'json' }, io);
    const ms = performance.now() - start;
    const report = JSON.parse(out) as { summary: { plans: number; errors: number; invalid: number } };
    expect(code).toBe(0);
    expect(report.summary).toMatchObject({ plans: COUNT, errors: 0, invalid: 0 });
    console.log(`validate ${COUNT} plans in-process: ${ms.toFixed(0)} ms (${(ms / COUNT).toFixed(2)} ms per plan)`);
  });

  it('prints the share of each stage: YAML + schema, compile, lint', async () => {
    const files = (await readdir(join(dir, 'plans'))).sort();
    const texts = await Promise.all(files.map((f) => readFile(join(dir, 'plans', f), 'utf8')));
    const time = { parse: 0, compile: 0, lint: 0 };
    let findings = 0;
    for (const [i, text] of texts.entries()) {
      let t = performance.now();
      const plan = await parsePlan(files[i] ?? '', text);
      time.parse += performance.now() - t;
      t = performance.now();
      const compiled = compilePlan(plan);
      time.compile += performance.now() - t;
      t = performance.now();
      findings += lintPlan(plan, compiled).length;
      time.lint += performance.now() - t;
    }
    expect(findings).toBe(0);
    console.log(
      `per stage for ${COUNT} plans: parse + schema ${time.parse.toFixed(0)} ms, compile ${time.compile.toFixed(0)} ms, lint ${time.lint.toFixed(0)} ms`,
    );
  });
});
