/**
 * How every command ends on an error: the human text on stderr and, when JSON output was asked for
 * (`--json`, `validate --format json`), one error object on stdout. The `code` values are stable and
 * listed in docs/json-errors.md; a CI script branches on them, never on the message.
 */
import { CommanderError } from 'commander';
import { isUserFacingError, PlanError, UserError, type PlanProblem } from '../errors.js';
import type { Io } from './io.js';

export interface JsonError {
  code: string;
  message: string;
  file?: string;
  line?: number;
  col?: number;
  help?: string;
  /** The process exit code that goes with it. */
  exit_code: number;
  /** Every problem of an invalid plan (the first one is also in file/line/col/message). */
  problems?: { file: string; line: number; col: number; message: string; help?: string }[];
}

export const EXIT_INTERNAL = 70;

/** `--json` anywhere before `--`, or `--format json` / `--format=json` (validate). */
export function jsonRequested(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const args = end < 0 ? argv : argv.slice(0, end);
  return args.some((a, i) => a === '--json' || a === '--format=json' || (a === '--format' && args[i + 1] === 'json'));
}

function problemJson(p: PlanProblem) {
  return { file: p.at.file, line: p.at.line, col: p.at.col, message: p.message, ...(p.hint ? { help: p.hint } : {}) };
}

function planErrorJson(e: PlanError): JsonError {
  const problems = e.problems.map(problemJson);
  const first = problems[0];
  if (!first) return { code: e.errorCode, message: e.message, exit_code: e.exitCode };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
  return { code: e.errorCode, ...first, message: `${first.message}${more}`, exit_code: e.exitCode, problems };
}

/** The error object for anything a command threw; `exit` is decided by `exitCodeFor`. */
export function errorJson(e: unknown): JsonError {
  const exit = exitCodeFor(e);
  if (e instanceof CommanderError)
    return { code: 'usage', message: e.message.replace(/^error: /, ''), exit_code: exit };
  if (e instanceof PlanError) return planErrorJson(e);
  if (e instanceof UserError)
    return { code: e.errorCode, message: e.message, ...(e.hint ? { help: e.hint } : {}), exit_code: exit };
  const message = e instanceof Error ? e.message : String(e);
  return {
    code: 'internal',
    message: `internal error: ${message}`,
    help: 'this is a bug in schemashift; run again with SCHEMASHIFT_DEBUG=1 for details and report it',
    exit_code: exit,
  };
}

export function exitCodeFor(e: unknown): number {
  if (e instanceof CommanderError) return isHelp(e) ? 0 : 2;
  if (e instanceof PlanError || isUserFacingError(e)) return e.exitCode;
  return EXIT_INTERNAL;
}

function isHelp(e: CommanderError): boolean {
  return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help';
}

/** One line `{"error": {...}}` on stdout: the last JSON document or line a command prints. */
export function printJsonError(io: Io, error: JsonError): void {
  io.out(`${JSON.stringify({ error: error })}\n`);
}

/** Report a thrown error; returns the exit code. Never prints a stack trace unless SCHEMASHIFT_DEBUG is set. */
export function reportError(e: unknown, io: Io, json = false): number {
  const exit = exitCodeFor(e);
  if (e instanceof CommanderError && isHelp(e)) return 0;
  if (json) printJsonError(io, errorJson(e));
  if (e instanceof CommanderError) return exit; // commander has already printed its message on stderr
  if (e instanceof PlanError) io.err(`${e.message}\n${e.problems.length} problem(s); nothing was executed.\n`);
  else if (isUserFacingError(e))
    io.err(`schemashift: ${e.message}\n${'hint' in e && e.hint ? `  help: ${e.hint}\n` : ''}`);
  else {
    const message = e instanceof Error ? e.message : String(e);
    io.err(
      `schemashift: internal error: ${message}\n  this is a bug in schemashift; run again with ` +
        `SCHEMASHIFT_DEBUG=1 for details and report it\n`,
    );
    if (io.env.SCHEMASHIFT_DEBUG && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
  }
  return exit;
}
