/**
 * switch and its undo (switch back). Forward: blue stops taking writes (stopWrites), green applies the
 * last of blue, the counts agree, sequences move to green, the forward subscription goes and replication
 * turns around (green → blue, copy_data = false) so that blue stays a way back. Back: the mirror image,
 * then the reverse replication goes and blue's triggers with it.
 */
import type { Queryable } from '../../db/connection.js';
import type { SwitchSettings } from '../../operations/types.js';
import { countBothSides } from '../replication-compare.js';
import { applyErrorWatch } from './apply-errors.js';
import { waitForDirection } from './catch-up.js';
import {
  dropPublication,
  dropSlot,
  dropSubscription,
  ensurePublication,
  ensureSlot,
  ensureSubscription,
  subscriptionOf,
} from './objects.js';
import { reopenTables } from './retired.js';
import { copySequences } from './sequences.js';
import {
  checkpointOf,
  conninfoOf,
  databaseOf,
  recordCheckpoint,
  recordedTables,
  say,
  sqlNameOf,
  type ReplicatedTable,
  type Sides,
} from './sides.js';
import { stopWrites } from './stop-writes.js';
import {
  refuseUnlessBlueHandedOver,
  refuseUnlessEveryTableReady,
  refuseUnlessGreenHandedBack,
  refuseWithoutRoomForReverse,
} from './switch-checks.js';

async function countsAgree(s: Sides, tables: ReplicatedTable[], reopens: string): Promise<void> {
  const counts = await countBothSides({
    blue: s.ctx.session,
    green: s.green,
    sql: s.sql.compare,
    tables: tables.map((t) => sqlNameOf(s.ctx, t)),
    signal: s.ctx.signal,
  });
  const differ = counts.filter((c) => c.blue !== c.green);
  if (differ.length > 0)
    throw new Error(
      `row counts differ after writes stopped: ${differ.map((c) => `${c.table} blue ${c.blue}, green ${c.green}`).join('; ')}; ` +
        `${reopens}`,
    );
  say(s, `row counts agree: ${counts.map((c) => `${c.table} ${c.blue}`).join(', ')}`);
}

/** Blue's slot position, the wait for green, counts and sequences: blue → green. */
async function handOverToGreen(s: Sides, tables: ReplicatedTable[], settings: SwitchSettings): Promise<void> {
  const stopped = await checkpointOf(s.ctx, s.step.id);
  const lsn = await stopWrites(
    s,
    {
      db: s.ctx.session,
      pid: s.ctx.sessionPid ?? 0,
      monitor: s.ctx.monitor,
      side: 'blue',
      writeTo: 'green',
      record: (at, db) => recordCheckpoint(s.ctx, s.step.id, { blue_stopped_at: stopped.blue_stopped_at ?? at }, db),
    },
    tables,
    settings.quietMs,
  );
  const forward = { name: s.step.names.forward, publisher: s.ctx.conn as Queryable, subscriber: s.green as Queryable };
  const checkErrors = await applyErrorWatch(s, s.green, forward.name, 'green');
  await waitForDirection(s, forward, lsn, Date.now() + settings.timeoutMs, checkErrors);
  await countsAgree(s, tables, 'blue stays stopped: `rollback` reopens it');
  await copySequences(s, { db: s.ctx.session, side: 'blue' }, { db: s.green, side: 'green' }, tables);
}

export async function runSwitch(s: Sides): Promise<void> {
  const settings = s.step.switch as SwitchSettings;
  const tables = await recordedTables(s);
  const names = tables.map((t) => sqlNameOf(s.ctx, t));
  const { forward, reverse } = s.step.names;
  const blue = { db: s.ctx.session as Queryable, side: 'blue' };
  const green = { db: s.green as Queryable, side: 'green' };
  const forwardThere = (await subscriptionOf(s.sql, s.green, forward)) !== undefined;
  if (!forwardThere) await refuseUnlessBlueHandedOver(s, tables);
  await refuseWithoutRoomForReverse(s);
  if (forwardThere) {
    await refuseUnlessEveryTableReady(s, tables);
    await handOverToGreen(s, tables, settings);
  }
  // The way back exists before the forward replication goes: green has applied all of blue by now.
  await ensurePublication(s, green, reverse, names);
  await ensureSlot(s, green, reverse, await databaseOf(s, s.green));
  if (forwardThere)
    await dropSubscription(s, green, forward, { ...blue, database: await databaseOf(s, s.ctx.session) });
  await dropSlot(s, blue, forward, await databaseOf(s, s.ctx.session));
  const target = { conninfo: conninfoOf(s.greenUrl), password: s.greenUrl.password ?? '', copyData: false };
  await ensureSubscription(s, { ...blue, monitor: s.ctx.conn, session: (fn) => fn(s.ctx.session) }, reverse, target);
  const now = Date.now();
  const recorded = await checkpointOf(s.ctx, s.step.id);
  const switchedAt = typeof recorded.switched_at === 'string' ? recorded.switched_at : new Date(now).toISOString();
  const keepBlueUntil = new Date(Date.parse(switchedAt) + settings.keepBlueMs).toISOString();
  await recordCheckpoint(s.ctx, s.step.id, { switched_at: switchedAt, keep_blue_until: keepBlueUntil, reversed: true });
  say(
    s,
    `now point the application's writes at green (${s.greenPlace}); blue refuses them and follows green, ` +
      `a rollback target until ${keepBlueUntil}`,
  );
}

/** Green stops, blue gets the last of green and its sequences: green → blue, over the reverse replication. */
async function handBackToBlue(s: Sides, tables: ReplicatedTable[], settings: SwitchSettings): Promise<void> {
  const reverse = s.step.names.reverse;
  const switchId = s.step.id.replace(/\/undo$/, '');
  await s.green.session(async (g) => {
    const pid = (await g.backendPid()) ?? 0;
    const at = {
      db: g as Queryable,
      pid,
      monitor: s.green as Queryable,
      side: 'green' as const,
      writeTo: 'blue' as const,
      record: (lsn: string) => recordCheckpoint(s.ctx, switchId, { green_stopped_at: lsn }),
    };
    const lsn = await stopWrites(s, at, tables, settings.quietMs);
    const back = { name: reverse, publisher: s.green as Queryable, subscriber: s.ctx.conn as Queryable };
    const checkErrors = await applyErrorWatch(s, s.ctx.conn, reverse, 'blue');
    await waitForDirection(s, back, lsn, Date.now() + settings.timeoutMs, checkErrors);
  });
  await countsAgree(s, tables, 'green stays stopped and blue too: fix the difference, then roll back again');
  await copySequences(s, { db: s.green, side: 'green' }, { db: s.ctx.session, side: 'blue' }, tables);
}

export async function undoSwitch(s: Sides): Promise<void> {
  const settings = s.step.switch as SwitchSettings;
  const tables = await recordedTables(s);
  const names = tables.map((t) => sqlNameOf(s.ctx, t));
  const reverse = s.step.names.reverse;
  const switchId = s.step.id.replace(/\/undo$/, '');
  const switched = (await checkpointOf(s.ctx, switchId)).reversed === true;
  const blue = { db: s.ctx.session as Queryable, side: 'blue' };
  const green = { db: s.green as Queryable, side: 'green' };
  if (switched) {
    if (await subscriptionOf(s.sql, s.ctx.session, reverse)) await handBackToBlue(s, tables, settings);
    else await refuseUnlessGreenHandedBack(s, switchId, tables);
    // Green took writes once: its retired triggers stay through the rest of the rollback (undo of replicate).
    await recordCheckpoint(s.ctx, s.replicateId, { green_retired_by_switch_back: true });
  }
  await dropSubscription(s, blue, reverse, { ...green, database: await databaseOf(s, s.green) });
  await dropSlot(s, green, reverse, await databaseOf(s, s.green));
  await dropPublication(s, green, reverse, names);
  await reopenTables(s, s.ctx.session, 'blue', tables);
  say(
    s,
    switched ? 'blue takes writes again, with green’s; point the application back at blue' : 'blue takes writes again',
  );
}
