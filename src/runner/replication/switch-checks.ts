/**
 * What a switch (either way) must know before it retires a side: the replication it hands over on is
 * there and has copied every table, and the other side has room for the direction that follows. A side
 * retired with nowhere to hand over to, or with no way back, is a split brain or a stranded database.
 */
import type { Queryable } from '../../db/connection.js';
import type { ServerReadiness } from '../../dialects/replication.js';
import { UsageError } from '../../errors.js';
import { slotOf, subscriptionOf } from './objects.js';
import { retiredTables } from './retired.js';
import { checkpointOf, type ReplicatedTable, type Sides } from './sides.js';

async function readinessOf(s: Sides, db: Queryable): Promise<ServerReadiness> {
  const row = (await db.query<ServerReadiness>(s.sql.readiness)).rows[0];
  if (!row) throw new Error('the server did not report its settings');
  return row;
}

export interface RoomNeeds {
  slot?: boolean;
  sender?: boolean;
  worker?: boolean;
}

/** What `side` lacks of a free replication slot, WAL sender and logical replication worker. */
export function roomProblems(side: string, r: ServerReadiness, needs: RoomNeeds): string[] {
  const problems: string[] = [];
  if (needs.slot && r.max_slots - r.used_slots < 1)
    problems.push(`${side}: no free replication slot (max_replication_slots = ${r.max_slots}, all used)`);
  if (needs.sender && r.max_senders - r.used_senders < 1)
    problems.push(`${side}: no free WAL sender (max_wal_senders = ${r.max_senders}, all used)`);
  if (needs.worker && r.max_workers - r.used_workers < 1)
    problems.push(
      `${side}: no free logical replication worker (max_logical_replication_workers = ${r.max_workers}, ` +
        `${r.used_workers} running)`,
    );
  return problems;
}

/**
 * Before blue is retired: green can hold the reverse slot and serve its WAL sender, blue can run the
 * reverse subscription's apply worker (each unless it already exists).
 */
export async function refuseWithoutRoomForReverse(s: Sides): Promise<void> {
  const reverse = s.step.names.reverse;
  const slotThere = (await slotOf(s.sql, s.green, reverse)) !== undefined;
  const subThere = (await subscriptionOf(s.sql, s.ctx.session, reverse)) !== undefined;
  const problems = [
    ...roomProblems('green', await readinessOf(s, s.green), { slot: !slotThere, sender: !subThere }),
    ...roomProblems('blue', await readinessOf(s, s.ctx.session), { worker: !subThere }),
  ];
  if (problems.length === 0) return;
  throw new UsageError(
    `${s.step.id}: no room for the replication back from green to blue: ${problems.join('; ')}; ` +
      `nothing more was changed`,
    'raise the settings named (they need a restart) or free what uses them, then run again',
  );
}

/** Every table of the forward subscription is copied and streaming (`r` in green's pg_subscription_rel). */
export async function refuseUnlessEveryTableReady(s: Sides, tables: ReplicatedTable[]): Promise<void> {
  const { sql, params } = s.sql.tableStates(s.step.names.forward);
  const { rows } = await s.green.query<{ table: string; state: string }>(sql, params);
  const pending = rows.filter((r) => r.state !== 'r').map((r) => `${r.table} (${r.state})`);
  if (pending.length === 0 && rows.length === tables.length) return;
  const what = pending.length > 0 ? pending.join(', ') : `${rows.length} of ${tables.length} tables subscribed`;
  throw new UsageError(
    `${s.step.id}: green has not finished copying: ${what}; nothing was changed (blue takes writes as before)`,
    'run catch_up before the switch (or wait and run again)',
  );
}

/**
 * The forward subscription is gone: only a switch that already stopped blue and retired every table
 * (and got as far as dropping it) may go on; otherwise blue would be left taking writes while the
 * reverse replication overwrites it from green.
 */
export async function refuseUnlessBlueHandedOver(s: Sides, tables: ReplicatedTable[]): Promise<void> {
  const stopped = (await checkpointOf(s.ctx, s.step.id)).blue_stopped_at !== undefined;
  const retired = await retiredTables(s, s.ctx.session, 'blue', tables);
  if (stopped && retired.length === tables.length) return;
  const missing = [
    ...(stopped ? [] : ['this switch never stopped blue']),
    ...(retired.length === tables.length
      ? []
      : [`${tables.length - retired.length} table(s) on blue still take writes`]),
  ];
  throw new UsageError(
    `${s.step.id}: green has no subscription ${s.step.names.forward} (it was dropped outside schemashift) and ` +
      `${missing.join(', ')}; nothing was changed`,
    'roll back to before replicate (`rollback`) and replicate again, so that green follows blue before the switch',
  );
}

/** The mirror for a switch back: the reverse subscription is gone, green must already be stopped. */
export async function refuseUnlessGreenHandedBack(s: Sides, switchId: string, tables: ReplicatedTable[]) {
  const stopped = (await checkpointOf(s.ctx, switchId)).green_stopped_at !== undefined;
  const retired = await retiredTables(s, s.green, 'green', tables);
  if (stopped && retired.length === tables.length) return;
  throw new UsageError(
    `${s.step.id}: blue has no subscription ${s.step.names.reverse} (it was dropped outside schemashift) and green ` +
      `was not stopped: green's writes would not reach blue; nothing was changed`,
    'stop writes on green and copy its changes to blue by hand, or create the reverse subscription again',
  );
}
