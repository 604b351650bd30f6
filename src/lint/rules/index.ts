/** The plan-level lint rules (they look at operations, and at raw SQL only as the dialect describes it). */
import { accessExclusiveWithoutLockTimeout } from './access-exclusive-without-lock-timeout.js';
import { destructiveOutsideContract } from './destructive-outside-contract.js';
import { dropColumnStillSynced } from './drop-column-still-synced.js';
import { flagRolloutIncomplete } from './flag-rollout-incomplete.js';
import { missingCheckBeforeContract } from './missing-check-before-contract.js';
import { notNullBeforeBackfill } from './not-null-before-backfill.js';
import { notNullWhileSynced } from './not-null-while-synced.js';
import { columnHiddenFromOldName, oldTableNameAfterRename } from './renamed-table.js';
import type { Rule } from '../types.js';

export const PLAN_RULES: readonly Rule[] = [
  destructiveOutsideContract,
  notNullBeforeBackfill,
  notNullWhileSynced,
  dropColumnStillSynced,
  flagRolloutIncomplete,
  missingCheckBeforeContract,
  accessExclusiveWithoutLockTimeout,
  oldTableNameAfterRename,
  columnHiddenFromOldName,
];

/**
 * The order rules are listed in (README, `lint.ignore` help). Rules run in any order: findings are
 * sorted by position. A dialect's rule not named here is listed after these.
 */
const LISTED: readonly string[] = [
  'destructive-outside-contract',
  'concurrently-in-transaction',
  'not-null-before-backfill',
  'not-null-while-synced',
  'sync-trigger-output-clause',
  'require-concurrent-index-creation',
  'require-concurrent-index-deletion',
  'constraint-missing-not-valid',
  'adding-not-null-constraint',
  'adding-required-field',
  'volatile-default',
  'changing-column-type',
  'renaming-column',
  'renaming-table',
  'disallowed-unique-constraint',
  'disallowed-add-primary-key',
  'require-concurrent-reindex',
  'require-concurrent-detach-partition',
  'require-timeout-settings',
  'ban-drop-database',
  'ban-drop-cascade',
  'refresh-without-concurrently',
  'refresh-in-ddl-transaction',
  'ban-exclusion-constraint',
  'ban-stored-generated-column',
  'prefer-robust-stmts',
  'prefer-jsonb',
  'prefer-bigint-over-int',
  'prefer-timestamptz',
  'drop-column-still-synced',
  'old-table-name-after-rename',
  'column-hidden-from-old-name',
  'flag-rollout-incomplete',
  'backfill-not-idempotent',
  'missing-check-before-contract',
  'access-exclusive-without-lock-timeout',
  'read-only-query-side-effects',
];

/** The plan-level rules and a dialect's own, in listing order. */
export function lintRules(dialectRules: readonly Rule[]): Rule[] {
  const rank = (rule: Rule) => (LISTED.includes(rule.id) ? LISTED.indexOf(rule.id) : LISTED.length);
  return [...PLAN_RULES, ...dialectRules].sort((a, b) => rank(a) - rank(b));
}

/** Findings that are not rules of their own: they cannot be suppressed. */
export const META_RULE_IDS = ['unknown-lint-rule', 'invalid-plan', 'duplicate-plan-name'] as const;
