/**
 * add_primary_key on SQL Server: one ALTER TABLE … ADD CONSTRAINT … PRIMARY KEY NONCLUSTERED, online
 * where possible. NONCLUSTERED: a clustered key would rebuild the whole table (its rows move into the
 * new index).
 */
import type { Rendered, Unsupported } from '../actions.js';
import type { AddPrimaryKeyOnlineAction } from '../actions-constraints.js';
import { constraintIndexRefusal, onlineConstraint } from './ddl-constraint-online.js';

const NO_INCLUDE: Unsupported = {
  unsupported: 'a SQL Server PRIMARY KEY constraint has no INCLUDE columns',
  instead: 'remove include, and build a covering index with create_index (include: […]) if queries need one',
};

export function addPrimaryKeyOnline(a: AddPrimaryKeyOnlineAction): Rendered | Unsupported {
  const refused = constraintIndexRefusal(a, NO_INCLUDE, 'key');
  if (refused) return refused;
  return onlineConstraint({
    ...a,
    definition: 'PRIMARY KEY NONCLUSTERED',
    variable: '@add_primary_key',
    note: 'NONCLUSTERED: the table is not rebuilt',
  });
}
