/** Where feature flags live (a JSON file or a table in the target database) and how to reach them. */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Queryable } from '../db/connection.js';
import type { StateSql } from '../dialects/state.js';
import { UsageError } from '../errors.js';
import type { LockInfo } from '../operations/types.js';
import type { Plan } from '../plan/types.js';
import type { FeatureFlag, RolloutFilter } from './definition.js';
import { JsonFileFlagStore } from './json-file-store.js';
import { TableFlagStore } from './table-store.js';

export type FlagLocation = { file: string } | { table: string };

export const DEFAULT_FLAG_TABLE = 'schemashift.feature_flags';

export interface FlagChange {
  before: FeatureFlag | undefined;
  after: FeatureFlag;
}

export interface FlagStore {
  /** For messages: `file /srv/app/flags.json`, `table schemashift.feature_flags`. */
  readonly where: string;
  list(): Promise<FeatureFlag[]>;
  get(id: string): Promise<FeatureFlag | undefined>;
  /** The lock a write takes (table stores), so a write that waits can name who holds it. */
  readonly writeLock?: LockInfo;
  /**
   * Write `percent` with the Targeting (sticky per user) or Percentage (per call) filter; creates the flag if absent.
   * `filter` undefined: the flag's own rollout filter, else the store's default for its format
   * (Targeting; Percentage, or the filter its other flags use, in a .NET `FeatureManagement` section).
   */
  setPercentage(id: string, percent: number, filter: RolloutFilter | undefined, by: string): Promise<FlagChange>;
  /**
   * Refuse (UsageError) a rollout through `percents` that the store's app could not read, before
   * anything is written: a fractional Percentage value in a .NET file, a current value .NET cannot read.
   */
  checkRollout?(id: string, percents: number[], filter: RolloutFilter | undefined): Promise<void>;
}

/**
 * The store a plan uses: `--flags-file` (relative to `cwd`) wins over `settings.flags`, whose file is
 * relative to the plan file's folder; the default is the table schemashift.feature_flags.
 * Files come back absolute, so the location means the same from any working directory.
 */
export function flagLocation(
  plan: Pick<Plan, 'file' | 'settings'> | undefined,
  cwd: string,
  flagsFile?: string,
): FlagLocation {
  if (flagsFile !== undefined) return { file: resolve(cwd, flagsFile) };
  const configured = plan?.settings.flags;
  if (!configured) return { table: DEFAULT_FLAG_TABLE };
  if ('table' in configured) return configured;
  return {
    file: isAbsolute(configured.file) ? configured.file : resolve(dirname(resolve(cwd, plan.file)), configured.file),
  };
}

/** The plan with its flag store settled (and `--flags-file` applied); its hash is unchanged. */
export function withFlagLocation(plan: Plan, cwd: string, flagsFile?: string): Plan {
  return { ...plan, settings: { ...plan.settings, flags: flagLocation(plan, cwd, flagsFile) } };
}

export function describeLocation(location: FlagLocation): string {
  return 'file' in location ? `file ${location.file}` : `table ${location.table}`;
}

export function sameLocation(a: FlagLocation, b: FlagLocation): boolean {
  return 'file' in a ? 'file' in b && a.file === b.file : 'table' in b && a.table === b.table;
}

/**
 * A store over `location`. A table store needs `db` and the state part of its database's dialect
 * (`state` undefined: the database has no flag table yet, SQL Server).
 */
export function openFlagStore(location: FlagLocation, db?: Queryable, state?: StateSql): FlagStore {
  if ('file' in location) return new JsonFileFlagStore(location.file);
  if (!db)
    throw new UsageError(
      `the flags are in the ${describeLocation(location)}: a database is needed`,
      'pass --database URL (or set DATABASE_URL), or use --flags-file PATH',
    );
  if (!state)
    throw new UsageError(
      'the flag table store needs PostgreSQL (its definitions are jsonb)',
      'keep the flags in a JSON file: settings.flags: { file: config/feature-flags.json } or --flags-file PATH',
    );
  return new TableFlagStore(db, location.table, state);
}

export function isFlagLocation(value: unknown): value is FlagLocation {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.file === 'string' || typeof v.table === 'string';
}
