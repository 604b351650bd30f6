/** The single registry of operations: adding one touches its file and one line here. */
import { addColumn } from './add-column.js';
import { createIndex } from './create-index.js';
import { dropColumn } from './drop-column.js';
import { dropIndex } from './drop-index.js';
import { addCheck } from './add-check.js';
import { addForeignKey } from './add-foreign-key.js';
import { addUnique } from './add-unique.js';
import { addPrimaryKey } from './add-primary-key.js';
import { validateConstraint } from './validate-constraint.js';
import { setNotNull } from './set-not-null.js';
import { dropNotNull } from './drop-not-null.js';
import { backfill } from './backfill.js';
import { renameColumn } from './rename-column.js';
import { changeType } from './change-type.js';
import { check } from './check.js';
import { gate } from './gate.js';
import { rawSql } from './raw-sql.js';
import { flagRollout } from './flag-rollout.js';
import { createMaterializedView } from './create-materialized-view.js';
import { refreshMaterializedView } from './refresh-materialized-view.js';
import { replaceMaterializedView } from './replace-materialized-view.js';
import { verify } from './verify.js';
import { createTable } from './create-table.js';
import { dropTable } from './drop-table.js';
import { renameTable } from './rename-table.js';
import { setDefault } from './set-default.js';
import { dropDefault } from './drop-default.js';
import { setComment } from './set-comment.js';
import { setReplicaIdentity } from './set-replica-identity.js';
import { dropConstraint } from './drop-constraint.js';
import { renameConstraint } from './rename-constraint.js';
import { scheduleRefresh } from './schedule-refresh.js';
import { replicate } from './replicate.js';
import { catchUp } from './catch-up.js';
import { switchToGreen } from './switch.js';
import { dropReplication } from './drop-replication.js';
import type { Operation } from './types.js';

// The registry holds operations of different spec types; each spec is parsed by its own schema first.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const OPERATIONS: readonly Operation<any>[] = [
  addColumn,
  createIndex,
  dropColumn,
  dropIndex,
  addCheck,
  addForeignKey,
  addUnique,
  addPrimaryKey,
  validateConstraint,
  setNotNull,
  dropNotNull,
  backfill,
  renameColumn,
  changeType,
  check,
  gate,
  rawSql,
  flagRollout,
  createMaterializedView,
  refreshMaterializedView,
  replaceMaterializedView,
  verify,
  createTable,
  dropTable,
  renameTable,
  setDefault,
  dropDefault,
  setComment,
  setReplicaIdentity,
  dropConstraint,
  renameConstraint,
  scheduleRefresh,
  replicate,
  catchUp,
  switchToGreen,
  dropReplication,
];

export const OPERATION_KINDS: readonly string[] = OPERATIONS.map((op) => op.kind);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see OPERATIONS
export function findOperation(kind: string): Operation<any> | undefined {
  return OPERATIONS.find((op) => op.kind === kind);
}
