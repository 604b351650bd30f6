/**
 * What a step does, said without SQL: operations build these, each dialect renders them
 * (`Dialect.ddl`). The renderer is a mapped type over the action kinds, so a dialect that forgets
 * one does not compile; an action a database cannot do renders as `Unsupported`, which `validate`
 * reports with the way to get there instead.
 */
import type { CreateTableActions } from './actions-create-table.js';
import type { RenameTableAction } from './actions-rename-table.js';
import type { MetaAction } from './actions-meta.js';
import type { ConstraintAction } from './actions-constraints.js';
import type { ShadowAction } from './actions-shadow.js';
import type { TableAction } from './actions-table.js';
import type { ForeignAction } from './actions-foreign.js';
import type { ScheduleAction } from './actions-schedule.js';

/** What a lock does to the application while it is held or queued, whatever the database calls it. */
export type LockImpact = 'none' | 'blocks-ddl' | 'blocks-writes' | 'blocks-all';

export interface RenderedLock {
  /** The dialect's own name for the lock, for display: `SHARE UPDATE EXCLUSIVE`, `Sch-M`. */
  level: string;
  impact: LockImpact;
  /** The tables (as written in the plan) the lock is taken on. */
  on: string[];
}

export interface Rendered {
  sql: string;
  lock: RenderedLock;
  /** False for statements the database refuses inside a transaction block (CONCURRENTLY). */
  transactional: boolean;
  /** One row, one boolean: true when the action's effect is already in place. */
  probe?: string;
  /** The index a failed online build leaves behind (dropped and rebuilt by the runner). */
  buildsIndex?: string;
  /**
   * Sent first, in the same transaction, with secrets as bind parameters (never in the SQL text); `before`
   * ahead of it (what keeps the parameters out of the server log).
   */
  bind?: { sql: string; params: unknown[]; before?: string };
  /** Run after the statement, in its transaction: its one row is kept in the step's checkpoint. */
  records?: string;
}

export interface Unsupported {
  unsupported: string;
  instead: string;
}

export type Action =
  | TableAction
  | ShadowAction
  | CreateTableActions
  | RenameTableAction
  | MetaAction
  | ConstraintAction
  | ForeignAction
  | ScheduleAction;
export type ActionKind = Action['kind'];

/** One render function per action kind: a missing kind is a compile error. */
export type ActionRenderer<A extends { kind: string }> = {
  [K in A['kind']]: (action: Extract<A, { kind: K }>) => Rendered | Unsupported;
};
export type DdlRenderer = ActionRenderer<Action>;

export function isUnsupported(r: Rendered | Unsupported): r is Unsupported {
  return 'unsupported' in r;
}
