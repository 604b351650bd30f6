/**
 * PostgreSQL's lint rules over raw SQL and plan queries: adding one touches its file, one line here, and
 * docs/rules/<id>.md.
 */
import { addingNotNullConstraint } from './adding-not-null-constraint.js';
import { addingRequiredField } from './adding-required-field.js';
import { backfillNotIdempotent } from './backfill-not-idempotent.js';
import { banDropCascade } from './ban-drop-cascade.js';
import { banDropDatabase } from './ban-drop-database.js';
import { banExclusionConstraint } from './ban-exclusion-constraint.js';
import { banStoredGeneratedColumn } from './ban-stored-generated-column.js';
import { changingColumnType } from './changing-column-type.js';
import { concurrentlyInTransaction } from './concurrently-in-transaction.js';
import { constraintMissingNotValid } from './constraint-missing-not-valid.js';
import { disallowedAddPrimaryKey } from './disallowed-add-primary-key.js';
import { disallowedUniqueConstraint } from './disallowed-unique-constraint.js';
import { preferBigintOverInt } from './prefer-bigint-over-int.js';
import { preferJsonb } from './prefer-jsonb.js';
import { preferRobustStmts } from './prefer-robust-stmts.js';
import { preferTimestamptz } from './prefer-timestamptz.js';
import { readOnlyQuerySideEffects } from './read-only-query-side-effects.js';
import { refreshInDdlTransaction } from './refresh-in-ddl-transaction.js';
import { refreshWithoutConcurrently } from './refresh-without-concurrently.js';
import { renamingColumn } from './renaming-column.js';
import { renamingTable } from './renaming-table.js';
import { requireConcurrentIndexCreation } from './require-concurrent-index-creation.js';
import { requireConcurrentIndexDeletion } from './require-concurrent-index-deletion.js';
import { requireConcurrentDetachPartition } from './require-concurrent-detach-partition.js';
import { requireConcurrentReindex } from './require-concurrent-reindex.js';
import { requireTimeoutSettings } from './require-timeout-settings.js';
import { volatileDefault } from './volatile-default.js';
import type { Rule } from '../../../../lint/types.js';

export const POSTGRES_RULES: readonly Rule[] = [
  concurrentlyInTransaction,
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
  banDropCascade,
  refreshWithoutConcurrently,
  refreshInDdlTransaction,
  banExclusionConstraint,
  banStoredGeneratedColumn,
  preferRobustStmts,
  preferJsonb,
  preferBigintOverInt,
  preferTimestamptz,
  backfillNotIdempotent,
  readOnlyQuerySideEffects,
];
