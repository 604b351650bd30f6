/**
 * The schemashift_retired triggers: they refuse every write to a side that is no longer the one to
 * write to. Found by name and checked to be this plan's (the function and its first argument).
 */
import type { Queryable } from '../../db/connection.js';
import { OwnershipError } from '../ownership.js';
import { say, sqlNameOf, type ReplicatedTable, type Sides } from './sides.js';

interface TriggerRow {
  table: string;
  schemashift: boolean;
  args: string;
}

/** The tables (SQL names) whose retired trigger is this plan's; another's trigger of that name is refused. */
export async function retiredTables(
  s: Sides,
  db: Queryable,
  side: string,
  tables: ReplicatedTable[],
): Promise<string[]> {
  const { sql, params } = s.sql.retiredTriggers(tables.map((t) => sqlNameOf(s.ctx, t)));
  const { rows } = await db.query<TriggerRow>(sql, params);
  const plan = s.ctx.plan.plan.name;
  const foreign = rows.filter((r) => !r.schemashift || r.args.split('\\000')[0] !== plan);
  if (foreign.length > 0)
    throw new OwnershipError(
      s.step.id,
      `${side}: ${foreign.map((r) => r.table).join(', ')} has a trigger named schemashift_retired that is not this plan's`,
      'drop or rename that trigger (it belongs to another plan or to someone else), then run again',
    );
  return rows.map((r) => r.table);
}

/** Drops this plan's retired triggers on `side`: its tables take writes again. */
export async function reopenTables(s: Sides, db: Queryable, side: string, tables: ReplicatedTable[]): Promise<void> {
  const retired = await retiredTables(s, db, side, tables).catch(() => [] as string[]);
  for (const table of retired) await db.exec(s.sql.reopenTable(table));
  if (retired.length > 0) say(s, `${side}: dropped the schemashift_retired trigger of ${retired.join(', ')}`);
}
