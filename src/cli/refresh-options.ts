/** The flags of `schemashift refresh`, checked before any database is opened (exit 2 on a bad one). */
import { UsageError } from '../errors.js';
import { duration, qualifiedName } from '../plan/primitives.js';
import { DEFAULT_SETTINGS } from '../plan/schema.js';

export type ConcurrentlyMode = 'auto' | 'always' | 'never';

export interface RefreshCommandOptions {
  concurrently?: ConcurrentlyMode;
  database?: string;
  json?: boolean;
  maxStaleness?: string;
  lockTimeout?: string;
  lockRetries?: string;
  statementTimeout?: string;
}

export interface RefreshSettings {
  concurrently: ConcurrentlyMode;
  lockTimeoutMs: number;
  lockRetries: number;
  /** 0: none. */
  statementTimeoutMs: number;
  /** Declared for every view named (view_policies, declared_by `cli`); undefined leaves policies as they are. */
  maxStalenessMs?: number;
}

function durationFlag(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const parsed = duration.safeParse(/^\d+$/.test(text) ? Number(text) : text);
  if (!parsed.success) throw new UsageError(`${flag} ${text}: not a duration`, `write e.g. ${flag} 2s, 500ms or 10m`);
  return parsed.data;
}

function retriesFlag(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SETTINGS.lock_retries;
  if (!/^\d+$/.test(text) || Number(text) > 1000)
    throw new UsageError(
      `--lock-retries ${text}: expected a whole number from 0 to 1000`,
      'write e.g. --lock-retries 5',
    );
  return Number(text);
}

export function refreshSettings(opts: RefreshCommandOptions): RefreshSettings {
  const maxStalenessMs =
    opts.maxStaleness === undefined ? undefined : durationFlag('--max-staleness', opts.maxStaleness, 0);
  if (maxStalenessMs === 0)
    throw new UsageError('--max-staleness 0: a view is stale the moment it is refreshed', 'write e.g. 1h or 25h');
  return {
    concurrently: opts.concurrently ?? 'auto',
    lockTimeoutMs: durationFlag('--lock-timeout', opts.lockTimeout, DEFAULT_SETTINGS.lock_timeout),
    lockRetries: retriesFlag(opts.lockRetries),
    statementTimeoutMs: durationFlag('--statement-timeout', opts.statementTimeout, DEFAULT_SETTINGS.statement_timeout),
    ...(maxStalenessMs === undefined ? {} : { maxStalenessMs }),
  };
}

/** Each view as given, checked as a plan's names are: `name` or `schema.name`, never spliced. */
export function checkViewNames(views: string[]): string[] {
  if (views.length === 0) throw new UsageError('name at least one materialized view', 'schemashift refresh VIEW...');
  const problems = views.flatMap((view) => {
    const parsed = qualifiedName.safeParse(view);
    return parsed.success ? [] : [parsed.error.issues[0]?.message ?? `\`${view}\` is not a valid name`];
  });
  if (problems.length > 0)
    throw new UsageError(problems.join('; '), 'name each view as orders_daily or reporting.orders_daily');
  return [...new Set(views)];
}

export const CONCURRENTLY_MODES: readonly ConcurrentlyMode[] = ['auto', 'always', 'never'];
