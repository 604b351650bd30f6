/**
 * replicate and its undo. Every action finds what is already there (by name, checked to be this plan's),
 * so a run killed at any point and run again ends the same; the tables resolved on the first attempt are
 * kept in the step's checkpoint, so that `all: true` means the same tables to every later step.
 */
import type { Queryable } from '../../db/connection.js';
import {
  dropPublication,
  dropSubscription,
  ensurePublication,
  ensureSlot,
  ensureSubscription,
  refuseForeignObjects,
  subscriptionOf,
} from './objects.js';
import { checkServers, refuseTablesWithoutIdentity, resolveTables } from './preflight.js';
import { reopenTables } from './retired.js';
import { prepareGreenSchema } from './schema-copy.js';
import {
  checkpointOf,
  conninfoOf,
  databaseOf,
  recordCheckpoint,
  say,
  sqlNameOf,
  type ReplicatedTable,
  type Sides,
} from './sides.js';

export async function runReplicate(s: Sides): Promise<void> {
  const { ctx, step } = s;
  const name = step.names.forward;
  const blue = await checkServers(s);
  const recorded = (await checkpointOf(ctx, step.id)).tables as ReplicatedTable[] | undefined;
  const tables = recorded ?? (await resolveTables(s));
  await refuseTablesWithoutIdentity(s, tables);
  const names = tables.map((t) => sqlNameOf(ctx, t));
  const bluePlace = { db: ctx.session as Queryable, side: 'blue', database: blue.database, tables: names };
  const greenPlace = { db: s.green as Queryable, side: 'green', session: s.green.session.bind(s.green) };
  await refuseForeignObjects(s, name, bluePlace, greenPlace);
  if (!recorded) await recordCheckpoint(ctx, step.id, { tables, green: s.greenPlace });
  if (!(await subscriptionOf(s.sql, s.green, name))) await prepareGreenSchema(s, tables, blue.version_num);
  await ensurePublication(s, bluePlace, name, names);
  await ensureSlot(s, bluePlace, name, blue.database);
  const target = { conninfo: conninfoOf(s.blueUrl), password: s.blueUrl.password ?? '', copyData: true };
  await ensureSubscription(s, greenPlace, name, target);
  await recordCheckpoint(ctx, step.id, { created: { publication: name, slot: name, subscription: name } });
  say(s, `green (${s.greenPlace}) copies ${names.join(', ')} and follows blue; catch_up waits for it`);
}

export async function undoReplicate(s: Sides): Promise<void> {
  const { ctx, step } = s;
  const name = step.names.forward;
  const blueSide = { db: ctx.session as Queryable, side: 'blue', database: await databaseOf(s, ctx.session) };
  const tables = ((await checkpointOf(ctx, s.replicateId)).tables as ReplicatedTable[] | undefined) ?? [];
  const names = tables.map((t) => sqlNameOf(ctx, t));
  await dropSubscription(s, { db: s.green, side: 'green' }, name, blueSide);
  if (names.length > 0) await dropPublication(s, blueSide, name, names);
  const greenWasLive = (await checkpointOf(ctx, s.replicateId)).green_retired_by_switch_back === true;
  if (greenWasLive)
    say(
      s,
      `green keeps its schemashift_retired triggers: it took writes after the switch, and a late write there ` +
        `would now be lost; drop them on green by hand (DROP TRIGGER schemashift_retired ON <table>) if you mean ` +
        `to write to green again`,
    );
  else await reopenTables(s, s.green, 'green', tables);
  if (names.length > 0)
    say(
      s,
      `green's ${names.join(', ')} are left in place: they hold the copied rows (and any written on green); ` +
        `a new replicate refuses them while they have rows`,
    );
}
