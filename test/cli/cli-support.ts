/** Running the CLI in-process (main with captured output) and reading what it printed. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/capture-io.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const io = captureIo(options.cwd ?? process.cwd(), options.env ?? {});
  const code = await main(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** Nothing listens on port 1 of the loopback: connecting is refused at once. */
export const UNREACHABLE = 'postgres://schemashift@127.0.0.1:1/nowhere';

/** A fresh empty folder (a working directory with nothing in it). */
export function emptyDir(prefix = 'schemashift-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A folder holding `files` (name → content); returns its path. */
export function folderWith(files: Record<string, string>): string {
  const dir = emptyDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Every non-empty stdout line parsed as JSON (throws on a line that is not JSON). */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The error object that ends a --json output. */
export function errorObjectOf(stdout: string): Record<string, unknown> {
  const lines = jsonLines(stdout);
  const last = lines[lines.length - 1];
  if (!last || typeof last.error !== 'object') throw new Error(`stdout does not end with an error object:\n${stdout}`);
  return last.error as Record<string, unknown>;
}

export const GATE_PLAN = `name: gate-first
phases:
  expand:
    - gate: { confirm: "Deploy the new version first" }
`;
