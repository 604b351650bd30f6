/** A position in a plan file, 1-based, as editors and compilers print it. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(at: SourcePos): string {
  return `${at.file}:${at.line}:${at.col}`;
}

/** One problem in a plan: where, what was found, what is expected, and how to fix it. */
export interface PlanProblem {
  at: SourcePos;
  message: string;
  hint?: string;
}

/**
 * The plan cannot be used as written. Exit code 2, nothing executed.
 * Carries every problem found, not only the first, so a user fixes them in one pass.
 */
export class PlanError extends Error {
  readonly exitCode = 2;
  readonly errorCode = 'invalid-plan';
  readonly problems: PlanProblem[];
  constructor(problems: PlanProblem[]) {
    const sorted = [...problems].sort(
      (a, b) => a.at.file.localeCompare(b.at.file) || a.at.line - b.at.line || a.at.col - b.at.col,
    );
    super(sorted.map(formatProblem).join('\n'));
    this.problems = sorted;
    this.name = 'PlanError';
  }
}

export function formatProblem(p: PlanProblem): string {
  const head = `${formatPos(p.at)}: error: ${p.message}`;
  return p.hint ? `${head}\n  help: ${p.hint}` : head;
}

/**
 * An error meant for the person at the terminal: what is wrong, the exit code, and the safe way instead.
 * `errorCode` is the stable `code` of the `--json` error object (docs/json-errors.md lists them all).
 */
export abstract class UserError extends Error {
  abstract readonly exitCode: number;
  readonly errorCode: string = 'error';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Wrong command-line use or configuration (exit 2); `errorCode` narrows it (e.g. `bad-database-url`). */
export class UsageError extends UserError {
  readonly exitCode = 2;
  constructor(
    message: string,
    hint?: string,
    override readonly errorCode: string = 'usage',
  ) {
    super(message, hint);
  }
}

/**
 * SQLSTATE classes that mean "no usable connection": connection exceptions (08), bad login (28),
 * no such database (3D000), server starting or shutting down (57P03), no free slot (53300).
 */
export function isConnectFailureCode(code: string | undefined): boolean {
  return code !== undefined && (/^(08|28)/.test(code) || ['3D000', '57P03', '53300'].includes(code));
}

/**
 * A database could not be reached (exit 4) or answered with an error (exit 1). Never carries a
 * password. `code` is the SQLSTATE (or driver number) when there is one.
 */
export class DatabaseError extends UserError {
  readonly exitCode: number;
  override readonly errorCode: string;
  constructor(
    message: string,
    hint?: string,
    readonly code?: string,
    /**
     * The server's severity. A class-08 ERROR (not FATAL) comes from a live backend: postgres_fdw or
     * dblink could not reach their server, which is a failed statement, not an unreachable database.
     */
    readonly severity?: string,
  ) {
    super(message, hint);
    this.exitCode = isConnectFailureCode(code) && severity !== 'ERROR' ? 4 : 1;
    this.errorCode = databaseErrorCode(code);
  }
}

function databaseErrorCode(code: string | undefined): string {
  if (code === undefined) return 'database-error';
  if (/^28/.test(code)) return 'database-login-failed';
  if (code === '3D000') return 'database-not-found';
  return isConnectFailureCode(code) ? 'database-unreachable' : 'database-error';
}

/** The embedded database a read-only command was pointed at does not exist (exit 4): nothing was read. */
export class NoDatabaseError extends UserError {
  readonly exitCode = 4;
  override readonly errorCode = 'no-database';
}

/** Another runner holds this plan (exit 3). */
export class LockedError extends UserError {
  readonly exitCode = 3;
  override readonly errorCode = 'locked';
}

/** The plan file changed after its run started (exit 2). */
export class DriftError extends UserError {
  readonly exitCode = 2;
  override readonly errorCode = 'drift';
}

export type UserFacingError = PlanError | UserError;

export function isUserFacingError(e: unknown): e is UserFacingError {
  return e instanceof PlanError || e instanceof UserError;
}
