/**
 * An IFeatureFlagProvider over schemashift.feature_flags for @microsoft/feature-management.
 *
 * Evaluations read an in-memory snapshot, never the database. The first evaluation (or `load()`)
 * waits for the first query; after that a timer refreshes the snapshot in the background every
 * `refreshIntervalMs`, so no evaluation ever waits for I/O again. A refresh that fails keeps the
 * last good snapshot (and a malformed row keeps that flag's last good definition) and reports the
 * problem to `onError`. If the very first load fails, flags read as absent (off) until a background
 * refresh succeeds.
 */
import type { IFeatureFlagProvider } from '@microsoft/feature-management';
import { toFeatureFlag, type FeatureFlag } from './flag-definition.js';
import type { Dialect } from '../dialects/dialect.js';
import { appStateSql } from '../dialects/app-registry.js';
import { checkedTableName, type SqlClient } from './sql-client.js';

export interface DatabaseFeatureFlagProviderOptions {
  /** Default `schemashift.feature_flags` (columns `id text`, `definition jsonb`). */
  table?: string;
  /** How often the snapshot is reloaded in the background. Default 30 000 ms. */
  refreshIntervalMs?: number;
  /** A failed refresh or a malformed flag row. Default: a console warning. */
  onError?: (error: Error) => void;
  /** The database's dialect, which writes the query. Default PostgreSQL. */
  dialect?: Dialect;
}

export const DEFAULT_FLAG_REFRESH_MS = 30_000;

function warn(error: Error): void {
  console.warn(`schemashift: ${error.message} (feature flags keep their last good values)`);
}

export class DatabaseFeatureFlagProvider implements IFeatureFlagProvider {
  readonly #client: SqlClient;
  readonly #sql: string;
  readonly #intervalMs: number;
  readonly #onError: (error: Error) => void;
  #flags: ReadonlyMap<string, FeatureFlag> = new Map();
  #firstLoad: Promise<void> | undefined;
  #inFlight: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #loadedAt: Date | undefined;

  constructor(client: SqlClient, options: DatabaseFeatureFlagProviderOptions = {}) {
    const interval = options.refreshIntervalMs ?? DEFAULT_FLAG_REFRESH_MS;
    if (!Number.isFinite(interval) || interval <= 0)
      throw new RangeError(`refreshIntervalMs must be a positive number of milliseconds, got ${interval}`);
    this.#client = client;
    this.#intervalMs = interval;
    this.#onError = options.onError ?? warn;
    const table = checkedTableName(options.table ?? 'schemashift.feature_flags', 'table');
    this.#sql = appStateSql(options.dialect).readFlags(table);
  }

  async getFeatureFlag(featureName: string): Promise<FeatureFlag | undefined> {
    await this.#started();
    return this.#flags.get(featureName);
  }

  async getFeatureFlags(): Promise<FeatureFlag[]> {
    await this.#started();
    return [...this.#flags.values()];
  }

  /** Load now (the first time: start the background refresh). Rejects when the query fails. */
  load(): Promise<void> {
    this.#startTimer();
    this.#firstLoad ??= this.refresh();
    return this.#firstLoad;
  }

  /** Reload the snapshot now (joining a reload already under way). Rejects when the query fails. */
  refresh(): Promise<void> {
    this.#inFlight ??= this.#reload().finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  /** When the snapshot was last loaded, or undefined before the first successful load. */
  get loadedAt(): Date | undefined {
    return this.#loadedAt;
  }

  /** Stop the background refresh. Evaluations keep answering from the last snapshot. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #started(): Promise<void> {
    if (this.#firstLoad === undefined && this.#closed) return;
    await this.load().catch(() => undefined);
  }

  #startTimer(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setInterval(() => void this.refresh().catch(() => undefined), this.#intervalMs);
    this.#timer.unref();
  }

  async #reload(): Promise<void> {
    let rows: unknown[];
    try {
      rows = (await this.#client.query(this.#sql)).rows;
    } catch (e) {
      const error = new Error(`reading feature flags failed: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
      this.#onError(error);
      throw error;
    }
    const next = new Map<string, FeatureFlag>();
    for (const row of rows as { id: string; definition: unknown }[]) {
      try {
        next.set(row.id, toFeatureFlag(row.id, row.definition));
      } catch (e) {
        const previous = this.#flags.get(row.id);
        if (previous) next.set(row.id, previous);
        this.#onError(e as Error);
      }
    }
    this.#flags = next;
    this.#loadedAt = new Date();
  }
}
