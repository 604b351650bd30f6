/**
 * `schemashift validate` of 200 plans, process start included: the figure CI sees.
 *
 *   npx tsx bench/validate-speed.ts [--plans 200] [--runs 10] [--dist DIR]
 *
 * Compiles src/ into node_modules/.cache/schemashift-bench/ (so the shared dist/ is left alone;
 * pass --dist dist to time the installed build instead), writes the plans into a temp folder
 * (copies of plans/*.yaml with unique names), then times `node <cli> validate <folder>` with
 * hyperfine when it is installed, else with a loop of spawns. Also prints where one run's time
 * goes: module loading, the SQL parser (WASM), and the per-plan work.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generatePlans } from './generate-plans.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    plans: { type: 'string', default: '200' },
    runs: { type: 'string', default: '10' },
    dist: { type: 'string' },
  },
});
const count = Number(values.plans);
const runs = Number(values.runs);

function build(): string {
  const out = join(ROOT, 'node_modules/.cache/schemashift-bench/dist');
  rmSync(out, { recursive: true, force: true });
  const tsc = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(ROOT, 'tsconfig.build.json'),
      '--outDir',
      out,
      '--sourceMap',
      'false',
      '--declaration',
      'false',
    ],
    { encoding: 'utf8' },
  );
  if (tsc.status !== 0)
    console.warn(`tsc reported errors (the build is used anyway):\n${tsc.stdout.split('\n').slice(0, 10).join('\n')}`);
  return out;
}

/** The same two lines as bin/schemashift.js, pointed at `dist`. */
function entryFor(dist: string, dir: string): string {
  const entry = join(dir, 'cli.mjs');
  writeFileSync(
    entry,
    `const { main } = await import(${JSON.stringify(new URL(`file://${join(dist, 'cli/main.js')}`).href)});\nprocess.exitCode = await main(process.argv.slice(2));\n`,
  );
  return entry;
}

function phases(dist: string, plansDir: string): string {
  const script = `
    const t0 = performance.now();
    const { main } = await import(${JSON.stringify(`file://${join(dist, 'cli/main.js')}`)});
    const t1 = performance.now();
    await (await import(${JSON.stringify(`file://${join(dist, 'sql/parser.js')}`)})).ensureSqlParser();
    await import(${JSON.stringify(`file://${join(dist, 'cli/validate.js')}`)});
    const t2 = performance.now();
    const io = { out() {}, err() {}, interactive: false, color: false, env: {}, cwd: process.cwd() };
    const code = await main(['validate', ${JSON.stringify(plansDir)}], io);
    const t3 = performance.now();
    console.log(JSON.stringify({ boot: t0, cli: t1 - t0, validateModules: t2 - t1, validate: t3 - t2, code }));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const p = JSON.parse(run.stdout) as {
    boot: number;
    cli: number;
    validateModules: number;
    validate: number;
    code: number;
  };
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  return `node start ${ms(p.boot)}, CLI modules ${ms(p.cli)}, validate modules + SQL parser ${ms(p.validateModules)}, ${count} plans ${ms(p.validate)} (${(p.validate / count).toFixed(2)} ms/plan), exit ${p.code}`;
}

function timeWithHyperfine(command: string[], dir: string): { mean: number; min: number; max: number } | undefined {
  const exported = join(dir, 'hyperfine.json');
  const quoted = command.map((c) => `'${c.replace(/'/g, "'\\''")}'`).join(' ');
  const run = spawnSync(
    'hyperfine',
    ['--warmup', '2', '--runs', String(runs), '--export-json', exported, '--ignore-failure', quoted],
    { encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (run.error || run.status !== 0) return undefined;
  const result = (
    JSON.parse(spawnSync('cat', [exported], { encoding: 'utf8' }).stdout) as {
      results: { mean: number; min: number; max: number }[];
    }
  ).results[0];
  return result && { mean: result.mean * 1000, min: result.min * 1000, max: result.max * 1000 };
}

function timeWithLoop(command: string[]): { mean: number; min: number; max: number } {
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = performance.now();
    spawnSync(command[0] ?? '', command.slice(1), { stdio: 'ignore' });
    if (i >= 2) times.push(performance.now() - start);
  }
  return { mean: times.reduce((a, b) => a + b, 0) / times.length, min: Math.min(...times), max: Math.max(...times) };
}

const dist = values.dist ? resolve(values.dist) : build();
const dir = mkdtempSync(join(tmpdir(), 'schemashift-bench-'));
try {
  const plansDir = join(dir, 'plans');
  await generatePlans(plansDir, count);
  const command = [process.execPath, entryFor(dist, dir), 'validate', plansDir];
  const check = spawnSync(command[0] ?? '', command.slice(1), { encoding: 'utf8' });
  console.log(`one run: ${check.stdout.trim().split('\n').pop()} (exit ${check.status})`);
  console.log(`where one run's time goes: ${phases(dist, plansDir)}`);
  const timed =
    timeWithHyperfine(command, dir) ??
    (console.log('hyperfine not found: timing a loop of spawns'), timeWithLoop(command));
  console.log(
    `\nvalidate ${count} plans, process start included: mean ${timed.mean.toFixed(0)} ms (min ${timed.min.toFixed(0)}, max ${timed.max.toFixed(0)}, ${runs} runs); target ≤ 1000 ms`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
