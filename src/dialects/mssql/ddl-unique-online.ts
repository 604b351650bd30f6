/** add_unique on SQL Server: one ALTER TABLE … ADD CONSTRAINT … UNIQUE NONCLUSTERED, online where possible. */
import type { Rendered, Unsupported } from '../actions.js';
import type { AddUniqueOnlineAction } from '../actions-table.js';
import { constraintIndexRefusal, onlineConstraint } from './ddl-constraint-online.js';

const NO_INCLUDE: Unsupported = {
  unsupported: 'a SQL Server UNIQUE constraint has no INCLUDE columns',
  instead: 'build a unique index with create_index (unique: true, include: […]): it enforces the same',
};

/** SQL Server's UNIQUE lets one NULL in, as PostgreSQL's NULLS NOT DISTINCT. */
export function addUniqueOnline(a: AddUniqueOnlineAction): Rendered | Unsupported {
  if (a.include) return NO_INCLUDE;
  if (a.deferrable) return { unsupported: 'SQL Server has no deferrable constraints', instead: 'remove deferrable' };
  const refused = constraintIndexRefusal(a, NO_INCLUDE, 'constraint');
  if (refused) return refused;
  return onlineConstraint({
    ...a,
    definition: 'UNIQUE NONCLUSTERED',
    variable: '@add_unique',
    note: 'one NULL at most, as NULLS NOT DISTINCT',
  });
}
