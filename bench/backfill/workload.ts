/**
 * The application beside a backfill: single-row updates of random orders at a fixed rate. pgbench
 * (-R, Poisson arrivals) when installed, else a Node driver on a fixed schedule; both measure each
 * update's latency from its scheduled start, so time spent queued behind a stalled update shows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One update: when it was due and how long after that it finished (ms since the epoch; ms). */
export interface Sample {
  dueMs: number;
  latencyMs: number;
}

export interface WorkloadResult {
  samples: Sample[];
  errors: string[];
}

export interface Workload {
  /** Stops the workload (waiting for updates in flight) and returns what it measured. */
  stop(): Promise<WorkloadResult>;
  tool: string;
}

export interface WorkloadOptions {
  url: string;
  table: string;
  rows: number;
  rate: number;
  clients: number;
  /** pgbench's binary, or null for the Node driver. */
  pgbench: string | null;
}

export function findPgbench(): string | null {
  for (const dir of [
    '/usr/lib/postgresql/17/bin',
    '/usr/lib/postgresql/16/bin',
    '/usr/lib/postgresql/15/bin',
    '/usr/bin',
  ]) {
    if (existsSync(join(dir, 'pgbench'))) return join(dir, 'pgbench');
  }
  return null;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('close', () => resolve()),
  );
}

/** pgbench's per-transaction log: `client txno latency_us script epoch_s epoch_us [lag_us]`; latency counts from the scheduled start under -R. */
function parsePgbenchLog(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[2] === 'skipped' || f[2] === 'failed') continue;
    const latencyMs = Number(f[2]) / 1000;
    const doneMs = Number(f[4]) * 1000 + Number(f[5]) / 1000;
    if (Number.isFinite(latencyMs) && Number.isFinite(doneMs)) samples.push({ dueMs: doneMs - latencyMs, latencyMs });
  }
  return samples;
}

/**
 * pgbench runs for a long -T and is stopped with SIGINT: its log is written through a buffer, so the
 * last few kB may be lost. The caller stops it a couple of seconds after its window, so that what
 * is lost lies outside the window.
 */
function startPgbench(o: WorkloadOptions & { pgbench: string }): Workload {
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-bench-pgbench-'));
  writeFileSync(
    join(dir, 'update.sql'),
    `\\set id random(1, ${o.rows})\nUPDATE ${o.table} SET total = total + 1 WHERE id = :id;\n`,
  );
  const u = new URL(o.url);
  const args = [
    '-n',
    '-h',
    u.hostname,
    '-p',
    u.port || '5432',
    '-U',
    decodeURIComponent(u.username || 'postgres'),
    '-R',
    String(o.rate),
    '-T',
    '3600',
    '-c',
    String(o.clients),
    '-j',
    '1',
    '-f',
    join(dir, 'update.sql'),
    '-l',
    `--log-prefix=${join(dir, 'log')}`,
    u.pathname.slice(1),
  ];
  const child = spawn(o.pgbench, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.resume();
  return {
    tool: `pgbench -R ${o.rate} -c ${o.clients}`,
    async stop() {
      child.kill('SIGINT');
      await exited(child);
      const logs = readdirSync(dir).filter((f) => f.startsWith('log'));
      const samples = logs.flatMap((f) => parsePgbenchLog(readFileSync(join(dir, f), 'utf8')));
      rmSync(dir, { recursive: true, force: true });
      const errors = stderr.split('\n').filter((l) => /aborted|ERROR|FATAL/.test(l));
      return { samples, errors };
    },
  };
}

/** The Node driver in a child process (its own event loop, away from the runner's). */
function startNodeDriver(o: WorkloadOptions): Workload {
  const script = fileURLToPath(new URL('./node-writer.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(o)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return {
    tool: `node driver, ${o.rate}/s fixed schedule, ${o.clients} connections`,
    async stop() {
      child.stdin.end('stop\n');
      await exited(child);
      return JSON.parse(out) as WorkloadResult;
    },
  };
}

export function startWorkload(o: WorkloadOptions): Workload {
  return o.pgbench ? startPgbench({ ...o, pgbench: o.pgbench }) : startNodeDriver(o);
}

export interface LatencyStats {
  count: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Latency of the updates whose due time `keep` accepts (errors: the whole run's, pgbench reports them per client). */
export function statsWhere(result: WorkloadResult, keep: (dueMs: number) => boolean): LatencyStats {
  const lat = result.samples.filter((s) => keep(s.dueMs)).map((s) => s.latencyMs);
  lat.sort((a, b) => a - b);
  return {
    count: lat.length,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat.at(-1) ?? Number.NaN,
    errors: result.errors.length,
  };
}
