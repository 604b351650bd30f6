/**
 * drop_replication: once keep_blue has passed, every publication, slot and subscription of the plan goes
 * from both sides, and none may be left (a forgotten slot keeps WAL until the disk is full). Blue's
 * schemashift_retired triggers stay: blue must not take writes meant for green.
 */
import type { Queryable } from '../../db/connection.js';
import { UsageError } from '../../errors.js';
import { dropPublication, dropSlot, dropSubscription, slotOf, subscriptionOf } from './objects.js';
import { checkpointOf, databaseOf, recordedTables, say, sqlNameOf, type Sides } from './sides.js';

function switchStepId(s: Sides): string | undefined {
  for (const entry of s.ctx.plan.entries)
    for (const step of entry.steps) if (step.kind === 'replication' && step.stage === 'switch') return step.id;
  return undefined;
}

async function refuseBeforeKeepBlue(s: Sides): Promise<void> {
  const id = switchStepId(s);
  const until = id ? (await checkpointOf(s.ctx, id)).keep_blue_until : undefined;
  if (typeof until !== 'string')
    throw new UsageError(
      `${s.step.id}: the switch has not recorded when blue stops being a rollback target`,
      'finish the switch first (run the plan again)',
    );
  if (Date.now() < Date.parse(until)) throw new KeepBlueStop(until);
}

/** Not an error: the switch went well and blue stays a way back until `until`; the run stops here, like a gate. */
export class KeepBlueStop extends Error {
  constructor(readonly until: string) {
    super(`blue is kept as a rollback target until ${until} (keep_blue); nothing was dropped`);
  }
  get next(): string {
    return `run contract (\`advance\`) after ${this.until}, or shorten keep_blue in the plan and run with --accept-drift`;
  }
}

async function publicationLeft(s: Sides, db: Queryable, name: string): Promise<boolean> {
  const { sql, params } = s.sql.publicationExists(name);
  return (await db.query<{ exists: boolean }>(sql, params)).rows[0]?.exists === true;
}

async function leftovers(s: Sides): Promise<string[]> {
  const left: string[] = [];
  for (const name of [s.step.names.forward, s.step.names.reverse]) {
    for (const [side, db] of [
      ['blue', s.ctx.session],
      ['green', s.green],
    ] as const) {
      if (await publicationLeft(s, db, name)) left.push(`publication ${name} on ${side}`);
      if (await slotOf(s.sql, db, name)) left.push(`slot ${name} on ${side}`);
      if (await subscriptionOf(s.sql, db, name)) left.push(`subscription ${name} on ${side}`);
    }
  }
  return left;
}

export async function runDropReplication(s: Sides): Promise<void> {
  await refuseBeforeKeepBlue(s);
  const tables = await recordedTables(s);
  const names = tables.map((t) => sqlNameOf(s.ctx, t));
  const { forward, reverse } = s.step.names;
  const blue = { db: s.ctx.session as Queryable, side: 'blue' };
  const green = { db: s.green as Queryable, side: 'green' };
  await dropSubscription(s, blue, reverse, { ...green, database: await databaseOf(s, s.green) });
  await dropSlot(s, green, reverse, await databaseOf(s, s.green));
  await dropPublication(s, green, reverse, names);
  await dropSubscription(s, green, forward, { ...blue, database: await databaseOf(s, s.ctx.session) });
  await dropSlot(s, blue, forward, await databaseOf(s, s.ctx.session));
  await dropPublication(s, blue, forward, names);
  const left = await leftovers(s);
  if (left.length > 0)
    throw new Error(`replication objects are left after drop_replication: ${left.join(', ')}; see the messages above`);
  say(
    s,
    `no publication, slot or subscription of this plan is left on blue or green; blue's schemashift_retired ` +
      `triggers stay (blue must not take writes meant for green)`,
  );
}
