/** The single registry of lint rules: adding one touches its file, one line here, and docs/rules/<id>.md. */
import { accessExclusiveWithoutLockTimeout } from './access-exclusive-without-lock-timeout.js';
import { addingNotNullConstraint } from './adding-not-null-constraint.js';
import { addingRequiredField } from './adding-required-field.js';
import { backfillNotIdempotent } from './backfill-not-idempotent.js';
import { banDropDatabase } from './ban-drop-database.js';
import { banExclusionConstraint } from './ban-exclusion-constraint.js';
import { banStoredGeneratedColumn } from './ban-stored-generated-column.js';
import { changingColumnType } from './changing-column-type.js';
import { concurrentlyInTransaction } from './concurrently-in-transaction.js';
import { constraintMissingNotValid } from './constraint-missing-not-valid.js';
import { destructiveOutsideContract } from './destructive-outside-contract.js';
import { disallowedAddPrimaryKey } from './disallowed-add-primary-key.js';
import { disallowedUniqueConstraint } from './disallowed-unique-constraint.js';
import { dropColumnStillSynced } from './drop-column-still-synced.js';
import { flagRolloutIncomplete } from './flag-rollout-incomplete.js';
import { missingCheckBeforeContract } from './missing-check-before-contract.js';
import { notNullBeforeBackfill } from './not-null-before-backfill.js';
import { preferBigintOverInt } from './prefer-bigint-over-int.js';
import { preferJsonb } from './prefer-jsonb.js';
import { preferRobustStmts } from './prefer-robust-stmts.js';
import { preferTimestamptz } from './prefer-timestamptz.js';
import { readOnlyQuerySideEffects } from './read-only-query-side-effects.js';
import { renamingColumn } from './renaming-column.js';
import { renamingTable } from './renaming-table.js';
import { requireConcurrentIndexCreation } from './require-concurrent-index-creation.js';
import { requireConcurrentIndexDeletion } from './require-concurrent-index-deletion.js';
import { requireConcurrentDetachPartition } from './require-concurrent-detach-partition.js';
import { requireConcurrentReindex } from './require-concurrent-reindex.js';
import { requireTimeoutSettings } from './require-timeout-settings.js';
import { volatileDefault } from './volatile-default.js';
import type { Rule } from '../types.js';

export const RULES: readonly Rule[] = [
  destructiveOutsideContract,
  concurrentlyInTransaction,
  notNullBeforeBackfill,
  requireConcurrentIndexCreation,
  requireConcurrentIndexDeletion,
  constraintMissingNotValid,
  addingNotNullConstraint,
  addingRequiredField,
  volatileDefault,
  changingColumnType,
  renamingColumn,
  renamingTable,
  disallowedUniqueConstraint,
  disallowedAddPrimaryKey,
  requireConcurrentReindex,
  requireConcurrentDetachPartition,
  requireTimeoutSettings,
  banDropDatabase,
  banExclusionConstraint,
  banStoredGeneratedColumn,
  preferRobustStmts,
  preferJsonb,
  preferBigintOverInt,
  preferTimestamptz,
  dropColumnStillSynced,
  flagRolloutIncomplete,
  backfillNotIdempotent,
  missingCheckBeforeContract,
  accessExclusiveWithoutLockTimeout,
  readOnlyQuerySideEffects,
];

/** Findings that are not rules of their own: they cannot be suppressed. */
export const META_RULE_IDS = ['unknown-lint-rule', 'invalid-plan', 'duplicate-plan-name'] as const;

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
