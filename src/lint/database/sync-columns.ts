/**
 * The columns a sync expression reads must exist on the table: the trigger reads them from NEW,
 * and a missing one fails every INSERT and UPDATE of the table (42703) once the trigger is in.
 */
import type { CheckContext } from './context.js';
import { needColumn, type Place } from './requirements.js';
import type { SimRelation } from './sim-state.js';

/** `created` is the column the same operation adds before the trigger (it is not in the table yet). */
export function needSyncColumns(
  ctx: CheckContext,
  place: Place,
  table: SimRelation,
  expression: string | undefined,
  created: string,
): void {
  if (expression === undefined) return;
  for (const column of ctx.simulate.rowColumns(expression)) {
    if (column !== created) needColumn(ctx, place, table, column, expression);
  }
}
