/**
 * YAML that used to crash the loader (exit 70): aliases that refer to nothing or expand too far,
 * deep nesting, bytes that are not UTF-8, NUL characters. Each is a plan error (exit 2) with its
 * file:line:col, and one such file in a folder does not stop `validate DIR` from reporting the others.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { PlanError } from '../../src/errors.js';
import { parsePlan } from '../../src/plan/load.js';
import { captureIo } from '../support/capture-io.js';

const fixtures = 'test/fixtures/invalid-plans';

async function problemOf(text: string): Promise<PlanError> {
  const error = await parsePlan('p.yaml', text).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlanError);
  return error as PlanError;
}

describe('YAML the loader refuses with a position', () => {
  it('100,000 unclosed [ : a plain message, no stack trace', async () => {
    const error = await problemOf(`name: deep\nphases: ${'['.repeat(100_000)}\n`);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.message).toBe(
      'the plan is nested too deeply to read (thousands of levels inside each other)',
    );
    expect(error.problems[0]?.at.line).toBe(2);
    expect(error.message).not.toMatch(/call stack|RangeError/);
  });

  it('deep but balanced nesting of sequences and maps', async () => {
    for (const text of [
      `name: deep\nphases: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`,
      `name: deep\nphases: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`,
    ]) {
      const error = await problemOf(text);
      expect(error.problems[0]?.message).toMatch(/nested too deeply/);
    }
  });

  it('an alias to an anchor defined after it', async () => {
    const error = await problemOf(
      'name: late\nphases:\n  expand:\n    - check: { sql: SELECT 1, message: *m }\nm: &m hello\n',
    );
    expect(error.problems[0]).toMatchObject({
      at: { line: 4, col: 40 },
      message: 'the alias `*m` refers to no anchor `&m` defined before it',
    });
  });

  it('a small shared setting through an alias is still fine', async () => {
    const plan = await parsePlan(
      'ok.yaml',
      'name: shared\nphases:\n  migrate:\n    - backfill: { table: a, set: { v: id }, batch: &b { size: 10 } }\n    - backfill: { table: b, set: { v: id }, batch: *b }\n',
    );
    expect(plan.entries.map((e) => (e.spec as { batch: { size: number } }).batch.size)).toEqual([10, 10]);
  });
});

describe('validate DIR with broken files among good ones', () => {
  let dir: string;
  const broken = ['41-undefined-alias', '42-billion-laughs', '43-alias-fan-out', '44-nul-byte', '45-invalid-utf8'];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'schemashift-yaml-'));
    copyFileSync('plans/rename-orders-client-id.yaml', join(dir, 'a-good.yaml'));
    for (const name of broken) copyFileSync(join(fixtures, `${name}.yaml`), join(dir, `${name}.yaml`));
    writeFileSync(join(dir, 'z-deep.yaml'), `name: deep\nphases: ${'['.repeat(100_000)}\n`);
    copyFileSync('plans/add-unique-constraint.yaml', join(dir, 'zz-good.yaml'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--format json: every file reported, the broken ones invalid with a line and column', async () => {
    const io = captureIo();
    expect(await main(['validate', dir, '--format', 'json'], io), io.stderr()).toBe(2);
    const doc = JSON.parse(io.stdout()) as {
      plans: { file: string; valid: boolean; findings: { line: number; column: number; rule: string }[] }[];
    };
    expect(doc.plans).toHaveLength(8);
    const byName = new Map(doc.plans.map((p) => [p.file.split('/').pop()!.replace('.yaml', ''), p]));
    expect(byName.get('a-good')?.valid).toBe(true);
    expect(byName.get('zz-good')?.valid).toBe(true);
    for (const name of [...broken, 'z-deep']) {
      const report = byName.get(name);
      expect(report?.valid, name).toBe(false);
      expect(report?.findings[0]).toMatchObject({
        rule: 'invalid-plan',
        line: expect.any(Number),
        column: expect.any(Number),
      });
    }
    expect(io.stderr()).not.toMatch(/internal error|\n\s+at /);
  });

  it('--format github and text: one annotation per broken file, exit 2, no internal error', async () => {
    const github = captureIo();
    expect(await main(['validate', dir, '--format', 'github'], github)).toBe(2);
    for (const name of [...broken, 'z-deep'])
      expect(github.stdout()).toMatch(new RegExp(`::error file=[^,]*${name}\\.yaml,line=\\d+,col=\\d+,`));
    const text = captureIo();
    expect(await main(['validate', dir], text)).toBe(2);
    expect(text.stdout()).toMatch(/8 plan\(s\)/);
    expect(text.stdout() + text.stderr()).not.toMatch(/internal error/);
  });
});
