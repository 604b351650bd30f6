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
  readonly problems: PlanProblem[];
  constructor(problems: PlanProblem[]) {
    const sorted = [...problems].sort((a, b) => a.at.file.localeCompare(b.at.file) || a.at.line - b.at.line || a.at.col - b.at.col);
    super(sorted.map(formatProblem).join('\n'));
    this.problems = sorted;
    this.name = 'PlanError';
  }
}

export function formatProblem(p: PlanProblem): string {
  const head = `${formatPos(p.at)}: error: ${p.message}`;
  return p.hint ? `${head}\n  help: ${p.hint}` : head;
}

/** An error meant for the person at the terminal: what is wrong, the exit code, and the safe way instead. */
export abstract class UserError extends Error {
  abstract readonly exitCode: number;
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Wrong command-line use or configuration (exit 2). */
export class UsageError extends UserError {
  readonly exitCode = 2;
}

/** A database could not be reached or answered with an error (exit 1). Never carries a password. */
export class DatabaseError extends UserError {
  readonly exitCode = 1;
  constructor(message: string, hint?: string, readonly code?: string) {
    super(message, hint);
  }
}

/** Another runner holds this plan (exit 3). */
export class LockedError extends UserError {
  readonly exitCode = 3;
}

/** The plan file changed after its run started (exit 2). */
export class DriftError extends UserError {
  readonly exitCode = 2;
}

export type UserFacingError = PlanError | UserError;

export function isUserFacingError(e: unknown): e is UserFacingError {
  return e instanceof PlanError || e instanceof UserError;
}
