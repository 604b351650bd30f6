/**
 * `schemashift/app`: what an application uses while schemashift migrates its database.
 * - DatabaseFeatureFlagProvider: @microsoft/feature-management flags from schemashift.feature_flags,
 *   cached and refreshed in the background.
 * - PercentageFilter: the `Microsoft.Percentage` filter the JavaScript library lacks.
 * - createMigratingRepository: old and new repositories behind one object, routed by flags
 *   (off / dual-write / shadow-read / read-new), mismatches recorded for the `shadow_clean` gate.
 * No database driver is imported: pass your pg.Pool, pg.Client or PGlite as the SqlClient.
 */
export type { SqlClient } from './sql-client.js';
export type { Dialect } from '../dialects/dialect.js';
export {
  DatabaseFeatureFlagProvider,
  DEFAULT_FLAG_REFRESH_MS,
  type DatabaseFeatureFlagProviderOptions,
} from './database-feature-flag-provider.js';
export type { FeatureFlag } from './flag-definition.js';
export { PercentageFilter, type PercentageFilterOptions } from './percentage-filter.js';
export {
  createMigratingRepository,
  type MigratingRepository,
  type MigratingRepositoryOptions,
  type MigrationControls,
} from './migrating-repository.js';
export type { Comparer, MethodKind, MethodKinds, ReadMethod, RepositoryShape } from './method-kinds.js';
export {
  defaultModeFlags,
  type FlagSource,
  type IsEnabled,
  type MigrationMode,
  type ModeFlags,
} from './migration-mode.js';
export {
  memoryMismatchRecorder,
  type MemoryMismatchRecorder,
  type MismatchRecorder,
  type ShadowMismatch,
} from './mismatch-recorder.js';
export { databaseMismatchRecorder, type DatabaseMismatchRecorderOptions } from './database-mismatch-recorder.js';
