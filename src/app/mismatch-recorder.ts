/** Where a migrating repository reports what the new side got wrong; never on the caller's path. */
import type { MigrationMode } from './migration-mode.js';

export interface ShadowMismatch {
  /** `mismatch`: both sides answered, differently; `read-error` / `write-error`: the secondary side failed. */
  kind: 'mismatch' | 'read-error' | 'write-error';
  /** The repository name given to createMigratingRepository. */
  repository: string;
  method: string;
  args: unknown[];
  mode: MigrationMode;
  /** The old side's result (mismatches; also the primary result of a failed secondary write). */
  oldResult?: unknown;
  /** The new side's result (mismatches). */
  newResult?: unknown;
  /** What failed, for read-error and write-error. */
  error?: string;
  /** When the repository saw it (the database recorder lets the database stamp `at` instead). */
  at: Date;
}

export interface MismatchRecorder {
  record(mismatch: ShadowMismatch): void | Promise<void>;
}

export interface MemoryMismatchRecorder extends MismatchRecorder {
  /** Everything recorded so far, oldest first. */
  readonly mismatches: readonly ShadowMismatch[];
  clear(): void;
}

/** Keeps mismatches in memory (tests, or a process that reports them its own way); at most `limit`, newest kept. */
export function memoryMismatchRecorder(limit = 10_000): MemoryMismatchRecorder {
  const mismatches: ShadowMismatch[] = [];
  return {
    mismatches,
    record(mismatch) {
      mismatches.push(mismatch);
      if (mismatches.length > limit) mismatches.splice(0, mismatches.length - limit);
    },
    clear() {
      mismatches.length = 0;
    },
  };
}
