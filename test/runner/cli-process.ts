/** Run the built CLI as a separate process, as a user or CI would (needs `npm run build`). */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface Running {
  child: ChildProcess;
  done: Promise<Finished>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const started = Date.now();
  const child = spawn(process.execPath, ['bin/schemashift.js', ...args], {
    env: { ...process.env, CI: 'true', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, done };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return startCli(args, env).done;
}

/** Write a plan to a temp file; returns its path. */
export function writePlan(yaml: string, name = 'plan.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'schemashift-plan-'));
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}
