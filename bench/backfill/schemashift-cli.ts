/**
 * schemashift contenders through the real CLI: `node bin/schemashift.js run <plan> --database <url>
 * --yes --json` in its own process, timed from spawn to exit (start-up counted), with the runner's
 * own step time read back from `schemashift.events` (its start event → its done event).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { stringify } from 'yaml';
import type { Timed } from './contenders.js';
import { TABLE } from './db.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'bin', 'schemashift.js');

/** `batch:` as written in the plan; null: no `batch:` at all (the defaults). */
export type BatchSpec = Record<string, string | number> | null;

export interface SchemashiftResult extends Timed {
  /** The step as the runner recorded it: its start event to its done event (server clock). */
  stepMs: number;
  /** The step's start and done events, ms since the epoch (server clock, same machine). */
  stepWindow: { from: number; to: number };
  /** Spawn to the run's first event (run-start): process start-up, plan load and compile, connect, plan lock. */
  startupMs: number;
  batches: number;
  /** Batch sizes seen in progress events: first, largest, last. */
  sizes: { first: number; max: number; last: number };
  /** The adaptive pace's recorded changes (pace events), in order. */
  pace: string[];
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  return newest;
}

/** Builds dist/ (`npm run build`) when it is missing or older than src/, so that the CLI runs the code being measured. */
export function ensureBuilt(say: (text: string) => void): void {
  const main = join(ROOT, 'dist', 'cli', 'main.js');
  let built = 0;
  try {
    built = statSync(main).mtimeMs;
  } catch {
    built = 0;
  }
  if (built >= newestMtime(join(ROOT, 'src'))) return;
  say('dist/ is missing or older than src/: npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

interface CliRun {
  ms: number;
  /** Date.now() at spawn, to compare with the events' server timestamps (same machine). */
  spawnedAt: number;
  sizes: number[];
}

function runCli(planFile: string, url: string, signal: AbortSignal): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const spawnedAt = Date.now();
    const child = spawn(process.execPath, [CLI, 'run', planFile, '--database', url, '--yes', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t;
      if (code !== 0) return reject(new Error(`schemashift run exited ${code}: ${(err || out).slice(-2000)}`));
      const sizes: number[] = [];
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        const e = JSON.parse(line) as { type?: string; progress?: { batchSize?: number; waiting?: string } };
        if (e.type === 'progress' && e.progress?.waiting === undefined && e.progress?.batchSize)
          sizes.push(e.progress.batchSize);
      }
      resolve({ ms, spawnedAt, sizes });
    });
  });
}

let plans = 0;

/** One plan with one migrate step (`kind`: backfill or verify) on `orders`, run by the CLI on the copy at `url`. */
export async function schemashiftCli(
  c: pg.Client,
  url: string,
  kind: 'backfill' | 'verify',
  batch: BatchSpec,
  signal: AbortSignal,
): Promise<SchemashiftResult> {
  const name = `bench-${kind}-${++plans}`;
  const spec: Record<string, unknown> =
    kind === 'backfill'
      ? { table: TABLE, set: { customer_id: 'client_id' } }
      : { table: TABLE, compare: { customer_id: 'client_id' } };
  if (batch) spec['batch'] = batch;
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-bench-plan-'));
  const planFile = join(dir, `${name}.yaml`);
  writeFileSync(
    planFile,
    stringify({ name, settings: { lock_timeout: '5s' }, phases: { migrate: [{ [kind]: spec }] } }),
  );
  try {
    const run = await runCli(planFile, url, signal);
    const { rows } = await c.query<{ kind: string; at: Date; data: { rowsDone?: number; batches?: number } | null }>(
      `SELECT kind, at, data FROM schemashift.events WHERE plan_name = $1 AND kind IN ('run-start', $2, $3) ORDER BY id`,
      [name, `${kind}-start`, `${kind}-done`],
    );
    const runStart = rows.find((r) => r.kind === 'run-start');
    const start = rows.find((r) => r.kind === `${kind}-start`);
    const done = rows.find((r) => r.kind === `${kind}-done`);
    if (!runStart || !start || !done?.data)
      throw new Error(`the ${kind} step recorded no ${kind}-start/${kind}-done events`);
    const sizes = run.sizes;
    const pace = await c.query<{ message: string }>(
      "SELECT message FROM schemashift.events WHERE plan_name = $1 AND kind = 'pace' ORDER BY id",
      [name],
    );
    if (process.env['BENCH_PACE'] === '1') for (const p of pace.rows) console.log(`    pace: ${p.message}`);
    return {
      pace: pace.rows.map((p) => p.message),
      ms: run.ms,
      rows: done.data.rowsDone ?? 0,
      stepMs: done.at.getTime() - start.at.getTime(),
      startupMs: runStart.at.getTime() - run.spawnedAt,
      stepWindow: { from: start.at.getTime(), to: done.at.getTime() },
      batches: done.data.batches ?? 0,
      sizes: { first: sizes[0] ?? 0, max: Math.max(0, ...sizes), last: sizes.at(-1) ?? 0 },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
