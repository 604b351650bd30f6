/**
 * 500 plans mutated from the examples in plans/ (seeded, so every run checks the same ones): byte
 * flips, truncation, YAML and SQL specials inserted, deep nesting, aliases. Through `validate` and
 * `plan`, in process: every one exits 0, 1 or 2; every invalid plan's errors carry a line and a
 * column; never an internal error (exit 70) or a stack trace.
 */
import { seededRandom } from '../app/support.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';

const SEED = 0x5eed_2026;
const COUNT = 500;

const prng = seededRandom;

const SPECIALS = [
  '*a',
  '&a ',
  '*undefined',
  '[',
  ']',
  '{',
  '}',
  ': ',
  '- ',
  "'",
  '"',
  '|',
  '>-',
  '!!binary ',
  '!!js/function ',
  '%YAML 1.1\n',
  '---\n',
  '...\n',
  '\t',
  '\0',
  '\u0085',
  '\uFEFF',
  '#',
  '? ',
  '<<: *a',
  '\\',
  '\\u',
  '\r\n',
  ' --',
  '--',
  '/*',
  '*/',
  ';',
  '$$',
  '$tag$',
  ')',
  '(',
  "E'\\",
  "'; DROP TABLE orders; --",
  'null',
  '~',
  '1e999',
  '-0',
  '0x1F',
  '.inf',
  'true',
  'NaN',
  '\u202e',
  '\ud800',
];

type Mutation = (text: string, rand: () => number) => string;

const pick = <T>(items: readonly T[], rand: () => number): T => items[Math.floor(rand() * items.length)] as T;
const at = (text: string, rand: () => number) => Math.floor(rand() * (text.length + 1));

const MUTATIONS: Mutation[] = [
  (t, r) => {
    const i = at(t, r);
    return t.slice(0, i) + String.fromCharCode(Math.floor(r() * 256)) + t.slice(i + 1);
  },
  (t, r) => t.slice(0, at(t, r)),
  (t, r) => {
    const i = at(t, r);
    return t.slice(0, i) + pick(SPECIALS, r) + t.slice(i);
  },
  (t, r) => {
    const i = at(t, r);
    return t.slice(0, i) + pick(SPECIALS, r) + t.slice(i + 1 + Math.floor(r() * 8));
  },
  (t, r) => {
    const lines = t.split('\n');
    lines.splice(Math.floor(r() * lines.length), 1);
    return lines.join('\n');
  },
  (t, r) => {
    const lines = t.split('\n');
    const i = Math.floor(r() * lines.length);
    lines.splice(i, 0, lines[Math.floor(r() * lines.length)] ?? '');
    return lines.join('\n');
  },
  (t, r) => {
    const i = at(t, r);
    const n = 1 + Math.floor(r() * 3000);
    return t.slice(0, i) + '['.repeat(n) + (r() < 0.5 ? ']'.repeat(n) : '') + t.slice(i);
  },
  (t, r) => {
    const lines = t.split('\n');
    const i = 1 + Math.floor(r() * (lines.length - 1));
    lines[i] = `${lines[i]} &a`;
    return `${lines.join('\n')}\nx: [${Array(1 + Math.floor(r() * 200))
      .fill('*a')
      .join(', ')}]\n`;
  },
  (t, r) => t.replace(/: ([^\n{[]+)/, (_, v: string) => `: ${v}${pick(SPECIALS, r)}`),
  (t, r) => {
    const i = at(t, r);
    return t.slice(0, i) + '  '.repeat(Math.floor(r() * 6)) + t.slice(i);
  },
];

function mutate(text: string, rand: () => number): string {
  let out = text;
  const rounds = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < rounds; k++) out = pick(MUTATIONS, rand)(out, rand);
  return out;
}

interface JsonReport {
  plans: { valid: boolean; findings: { line: unknown; column: unknown; message: string }[] }[];
}

describe('fuzzed plans', () => {
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-fuzz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bases = readdirSync('plans')
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFileSync(join('plans', f), 'utf8'));

  it(`${COUNT} mutated plans: exit 0/1/2, positions on every error, no internal error`, async () => {
    const rand = prng(SEED);
    const codes = { validate: [0, 0, 0], plan: [0, 0, 0] };
    for (let n = 0; n < COUNT; n++) {
      const file = join(dir, `fuzz-${n}.yaml`);
      writeFileSync(file, mutate(pick(bases, rand), rand), 'utf8');
      const context = `fuzz-${n}.yaml: ${JSON.stringify(readFileSync(file, 'utf8').slice(0, 400))}`;

      const validate = captureIo(dir);
      const code = await main(['validate', file, '--format', 'json'], validate);
      expect([0, 1, 2], `${context}\n${validate.stderr()}`).toContain(code);
      codes.validate[code]!++;
      const report = JSON.parse(validate.stdout()) as JsonReport;
      for (const finding of report.plans.flatMap((p) => p.findings)) {
        expect(finding.line, context).toEqual(expect.any(Number));
        expect(finding.column, context).toEqual(expect.any(Number));
      }
      expect(code === 2, context).toBe(report.plans.some((p) => !p.valid));

      const plan = captureIo(dir);
      const planCode = await main(['plan', file], plan);
      const output = plan.stdout() + plan.stderr();
      expect([0, 2], `${context}\n${output}`).toContain(planCode);
      codes.plan[planCode]!++;
      if (planCode === 2) expect(plan.stderr(), context).toMatch(/^\S*fuzz-\d+\.yaml:\d+:\d+: error: /);
      expect(output, context).not.toMatch(/internal error|^\s+at .+:\d+:\d+\)?$/m);
    }
    // The mutations reach both sides: some plans stay valid, most are refused.
    expect(codes.validate[0]! + codes.validate[1]!).toBeGreaterThan(20);
    expect(codes.validate[2]).toBeGreaterThan(200);
    expect(codes.plan[0]! + codes.plan[2]!).toBe(COUNT);
  }, 120_000);
});
