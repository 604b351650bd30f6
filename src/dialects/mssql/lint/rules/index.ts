/**
 * SQL Server's lint rules over raw T-SQL (and one over the sync triggers a plan enables): adding one touches its file, one line here, and docs/rules/<id>.md.
 * Rules that mean the same as a PostgreSQL rule keep its id, so `lint: { ignore }` reads the same in both
 * dialects. DROP COLUMN / TABLE / INDEX outside contract is the plan-level destructive-outside-contract
 * rule, fed by rawStatements.
 */
import type { Rule } from '../../../../lint/types.js';
import { addingRequiredField, volatileDefault } from './add-column.js';
import { alterColumnOffline } from './alter-column-offline.js';
import { constraintMissingNocheck } from './constraint-missing-nocheck.js';
import { requireOnlineIndexBuild } from './require-online-index-build.js';
import { renamingColumn, renamingTable } from './sp-rename.js';
import { syncTriggerOutputClause } from './sync-trigger-output-clause.js';
import { unbatchedDml } from './unbatched-dml.js';

export const MSSQL_RULES: readonly Rule[] = [
  requireOnlineIndexBuild,
  constraintMissingNocheck,
  addingRequiredField,
  volatileDefault,
  alterColumnOffline,
  renamingColumn,
  renamingTable,
  unbatchedDml,
  syncTriggerOutputClause,
];
