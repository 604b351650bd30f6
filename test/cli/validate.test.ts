import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { validateCommand } from '../../src/cli/validate.js';
import { UsageError } from '../../src/errors.js';

const CLEAN = `name: clean
phases:
  expand:
    - add_column: { table: orders, column: { name: customer_id, type: bigint } }
    - create_index: { table: orders, name: idx_orders_customer_id, columns: [customer_id] }
`;

const UNSAFE = `name: unsafe
phases:
  expand:
    - sql:
        up: |
          SELECT 1;
          CREATE INDEX idx_orders_a ON orders (a);
`;

const INVALID = `name: invalid
phases:
  expand:
    - add_colum: { table: orders }
`;

function fakeIo(cwd: string): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => void (io.stdout += text),
    err: (text: string) => void (io.stderr += text),
    interactive: false,
    color: false,
    env: {},
    cwd,
  };
  return io;
}

describe('schemashift validate', () => {
  let dir: string;
  let io: ReturnType<typeof fakeIo>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'schemashift-validate-'));
    await mkdir(join(dir, 'plans'));
    io = fakeIo(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => writeFile(join(dir, 'plans', name), text);

  it('exit 0 for clean plans; plans/ by default', async () => {
    await write('clean.yaml', CLEAN);
    expect(await validateCommand([], { format: 'text' }, io)).toBe(0);
    expect(io.stdout).toBe('1 plan(s), 0 error(s), 0 warning(s)\n');
  });

  it('exit 1 for a lint error, with position, excerpt, caret and help', async () => {
    await write('unsafe.yaml', UNSAFE);
    expect(await validateCommand(['plans/unsafe.yaml'], { format: 'text' }, io)).toBe(1);
    const lines = io.stdout.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'plans/unsafe.yaml:7:11: error[require-concurrent-index-creation]: CREATE INDEX without CONCURRENTLY blocks every write to orders (SHARE lock) for the whole build',
      '  |',
      '7 |           CREATE INDEX idx_orders_a ON orders (a);',
      '  |           ^',
      '  help: build it CONCURRENTLY, outside a transaction: the create_index operation does this by default',
    ]);
    expect(lines.at(-2)).toBe('1 plan(s), 1 error(s), 0 warning(s)');
  });

  it('exit 2 when any plan is invalid, still reporting every plan in the chosen format', async () => {
    await write('a-invalid.yaml', INVALID);
    await write('b-unsafe.yaml', UNSAFE);
    await write('c-clean.yml', CLEAN);
    expect(await validateCommand(['plans'], { format: 'text' }, io)).toBe(2);
    expect(io.stdout).toContain(
      'plans/a-invalid.yaml:4:7: error[invalid-plan]: unknown operation `add_colum`\n  |\n4 |     - add_colum: { table: orders }\n  |       ^\n  help: did you mean `add_column`?',
    );
    expect(io.stdout).toContain('plans/b-unsafe.yaml:7:11: error[require-concurrent-index-creation]');
    expect(io.stdout.split('\n').at(-2)).toBe('3 plan(s), 2 error(s), 0 warning(s), 1 invalid plan(s)');
  });

  it('json: one document, invalid plans included', async () => {
    await write('a-invalid.yaml', INVALID);
    await write('b-unsafe.yaml', UNSAFE);
    expect(await validateCommand(['plans'], { format: 'json' }, io)).toBe(2);
    const doc = JSON.parse(io.stdout) as {
      summary: unknown;
      plans: { file: string; name: string | null; valid: boolean; findings: [unknown] }[];
    };
    expect(doc.summary).toEqual({ plans: 2, errors: 2, warnings: 0, invalid: 1 });
    expect(doc.plans.map((p) => [p.file, p.name, p.valid])).toEqual([
      ['plans/a-invalid.yaml', null, false],
      ['plans/b-unsafe.yaml', 'unsafe', true],
    ]);
    expect(doc.plans[1]?.findings[0]).toMatchObject({
      rule: 'require-concurrent-index-creation',
      severity: 'error',
      file: 'plans/b-unsafe.yaml',
      line: 7,
      column: 11,
      step: 'sql:orders',
    });
  });

  it('github: workflow commands', async () => {
    await write('b-unsafe.yaml', UNSAFE);
    expect(await validateCommand(['plans'], { format: 'github' }, io)).toBe(1);
    const [first] = io.stdout.split('\n');
    expect(first).toMatch(
      /^::error file=plans\/b-unsafe\.yaml,line=7,col=11,title=schemashift require-concurrent-index-creation::CREATE INDEX without CONCURRENTLY .*%0Ahelp: build it CONCURRENTLY/,
    );
  });

  it('a suppression with its reason makes the plan clean', async () => {
    await write(
      'ok.yaml',
      `${UNSAFE}        lint: { ignore: [require-concurrent-index-creation], reason: orders is a 10-row fixture here }\n`,
    );
    expect(await validateCommand(['plans'], { format: 'text' }, io)).toBe(0);
  });

  it('two plans with one name: duplicate-plan-name at the second name', async () => {
    await write('a.yaml', CLEAN);
    await write('b.yaml', CLEAN);
    expect(await validateCommand(['plans'], { format: 'text' }, io)).toBe(1);
    expect(io.stdout).toContain(
      'plans/b.yaml:1:7: error[duplicate-plan-name]: plan name `clean` is already used by plans/a.yaml',
    );
  });

  it('usage errors: a missing path, a folder without plans', async () => {
    await expect(validateCommand(['nope'], { format: 'text' }, io)).rejects.toBeInstanceOf(UsageError);
    await expect(validateCommand(['plans'], { format: 'text' }, io)).rejects.toThrow(
      /no \.yaml plan files found in plans/,
    );
  });
});
