import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateCommand } from '../../src/cli/validate.js';
import { OPERATIONS } from '../../src/operations/index.js';
import { anchorOf, planReference, type PlanReference } from '../../scripts/operation-reference/reference-data.js';
import {
  README_END,
  README_START,
  REFERENCE_PATH,
  renderReadmeBlock,
  renderReference,
} from '../../scripts/operation-reference/render-markdown.js';
import { captureIo } from '../support/capture-io.js';

const run = promisify(execFile);

/** The text of one operation's section of the reference: from its heading to the next one. */
function sectionOf(doc: string, kind: string): string {
  const start = doc.indexOf(`\n### ${kind}\n`);
  expect(start, `a section for ${kind}`).toBeGreaterThanOrEqual(0);
  const end = doc.indexOf('\n##', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** Top-level keys of an operation's input, read by zod's JSON Schema output (not by the generator). */
function inputKeys(schema: z.ZodType): string[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, unknown>;
    anyOf?: { properties?: Record<string, unknown> }[];
  };
  const forms = [json, ...(json.anyOf ?? [])];
  return [...new Set(forms.flatMap((form) => Object.keys(form.properties ?? {})))];
}

function yamlBlocks(section: string): string[] {
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

describe('docs/plan-reference.md', () => {
  let reference: PlanReference;
  let doc: string;

  beforeAll(async () => {
    reference = await planReference();
    doc = await readFile(REFERENCE_PATH, 'utf8');
  });

  it('is what the schemas generate (run `npm run docs` when this fails)', () => {
    expect(doc).toBe(renderReference(reference));
  });

  it("README's plan-reference block is what the schemas generate (run `npm run docs` when this fails)", async () => {
    const readme = await readFile('README.md', 'utf8');
    const start = readme.indexOf(README_START);
    const end = readme.indexOf(README_END);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(readme.slice(start, end + README_END.length)).toBe(renderReadmeBlock(reference));
  });

  it('has a section and a README row for every operation, with every top-level key of its schema', async () => {
    const readme = await readFile('README.md', 'utf8');
    for (const op of OPERATIONS) {
      const section = sectionOf(doc, op.kind);
      expect(section).toContain(`- Listed under: ${op.allowedPhases.join(', ')}`);
      const keys = inputKeys(op.schema);
      if (keys.length === 0) expect(section).toContain(`No keys: write \`${op.kind}: {}\`.`);
      for (const key of keys) expect(section, `${op.kind}.${key}`).toContain(`| \`${key}\` |`);
      expect(readme).toContain(`| [\`${op.kind}\`](${REFERENCE_PATH}#${op.kind}) |`);
    }
  });

  it('shows readable types, flattened nested keys and defaults', () => {
    expect(doc).toContain('| `settings.lock_timeout` | duration (e.g. `2s`, `500ms`, or ms) | default `2s` |');
    expect(sectionOf(doc, 'add_column')).toContain('| `sync_from.column` | identifier | required |');
    expect(sectionOf(doc, 'create_index')).toContain('| `method` | enum `btree` \\| `hash`');
    expect(sectionOf(doc, 'drop_table')).toMatch(/- Reversible: no: /);
    expect(sectionOf(doc, 'sql')).toMatch(/- Reversible: depends on the step .*no `down` SQL given/);
  });

  it('links only to headings it has', () => {
    const headings = new Set([...doc.matchAll(/^#+ (.+)$/gm)].map((m) => anchorOf(m[1] ?? '')));
    const targets = [...doc.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(targets.length).toBeGreaterThan(OPERATIONS.length);
    for (const target of targets) expect(headings, `#${target}`).toContain(target);
  });

  it('gives each operation one example, a plan that passes `schemashift validate`', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'schemashift-reference-'));
    try {
      for (const op of OPERATIONS) {
        const examples = yamlBlocks(sectionOf(doc, op.kind));
        expect(examples, op.kind).toHaveLength(1);
        expect(examples[0]).toMatch(new RegExp(`^\\s+- ${op.kind}:`, 'm'));
        await writeFile(join(dir, `${op.kind}.yaml`), examples[0] ?? '');
      }
      const io = captureIo(dir);
      const code = await validateCommand(['.'], { format: 'text' }, io);
      expect(io.stdout()).toContain(`${OPERATIONS.length} plan(s), 0 error(s)`);
      expect(code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('npm run docs -- --check', () => {
  it('exits 1 and says to run npm run docs when the reference or the README block is stale', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'schemashift-docs-check-'));
    try {
      await symlink(resolve('plans'), join(dir, 'plans'));
      await mkdir(join(dir, 'docs'));
      await writeFile(join(dir, REFERENCE_PATH), '# stale\n');
      await writeFile(join(dir, 'README.md'), `# x\n\n${README_START}\nold\n${README_END}\n`);
      const script = resolve('scripts/generate-operation-reference.ts');
      const tsx = resolve('node_modules/.bin/tsx');
      const failed = await run(tsx, [script, '--check'], { cwd: dir }).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toContain('docs/plan-reference.md and README.md are stale: run npm run docs');

      await run(tsx, [script], { cwd: dir });
      const reference = await planReference();
      expect(await readFile(join(dir, 'README.md'), 'utf8')).toBe(`# x\n\n${renderReadmeBlock(reference)}\n`);
      expect(await readFile(join(dir, REFERENCE_PATH), 'utf8')).toBe(renderReference(reference));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
