/**
 * Create and drop one direction's publication, slot and subscription, each only when it is this plan's:
 * found by name, and checked to be ours (the publication's tables, the slot's plugin and database, the
 * subscription's publication and slot). A same-named object that is not ours is refused, never changed.
 */
import type { ErrorClass } from '../../dialects/errors.js';
import type { Queryable, Session } from '../../db/connection.js';
import type { ReplicationSql, SlotRow, SubscriptionRow } from '../../dialects/replication.js';
import { OwnershipError } from '../ownership.js';
import { sleep } from '../sleep.js';
import { say, type Sides } from './sides.js';

export interface Place {
  db: Queryable;
  /** Another backend of the side (to cancel a statement of `db`). */
  monitor?: Queryable;
  /** `blue` or `green`, for messages. */
  side: string;
}

function notOurs(s: Sides, what: string, where: string, why: string): OwnershipError {
  return new OwnershipError(
    s.step.id,
    `${what} on ${where} exists and is not this plan's (${why}); nothing was changed`,
    `drop or rename it if it is a leftover, or give the plan another name (the objects are named after it)`,
  );
}

async function publicationState(sql: ReplicationSql, at: Place, name: string): Promise<string[] | undefined> {
  const exists = await at.db.query<{ exists: boolean }>(sql.publicationExists(name).sql, [name]);
  if (!exists.rows[0]?.exists) return undefined;
  const { sql: text, params } = sql.publicationTables(name);
  return (await at.db.query<{ table: string }>(text, params)).rows.map((r) => r.table);
}

const sameList = (a: string[], b: string[]) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

export async function ensurePublication(s: Sides, at: Place, name: string, tables: string[]): Promise<void> {
  const found = await publicationState(s.sql, at, name);
  if (found && !sameList(found, tables))
    throw notOurs(s, `publication ${name}`, at.side, `it publishes ${found.join(', ') || 'no table'}`);
  if (found) return;
  await at.db.exec(s.sql.createPublication(name, tables));
  say(s, `${at.side}: created publication ${name} for ${tables.join(', ')}`);
}

/** Drops the publication when it is ours (its tables are `tables`); one that is not is left, and said. */
export async function dropPublication(s: Sides, at: Place, name: string, tables: string[]): Promise<void> {
  const found = await publicationState(s.sql, at, name);
  if (!found) return;
  if (!sameList(found, tables) && found.length > 0) {
    say(s, `${at.side}: publication ${name} is left: it publishes ${found.join(', ')}, not this plan's tables`);
    return;
  }
  await at.db.exec(s.sql.dropPublication(name));
  say(s, `${at.side}: dropped publication ${name}`);
}

export async function slotOf(sql: ReplicationSql, db: Queryable, name: string): Promise<SlotRow | undefined> {
  const { sql: text, params } = sql.slot(name);
  return (await db.query<SlotRow>(text, params)).rows[0];
}

function slotIsOurs(slot: SlotRow, database: string): boolean {
  return slot.slot_type === 'logical' && slot.plugin === 'pgoutput' && slot.database === database;
}

export async function ensureSlot(s: Sides, at: Place, name: string, database: string): Promise<void> {
  const slot = await slotOf(s.sql, at.db, name);
  if (slot && !slotIsOurs(slot, database))
    throw notOurs(s, `replication slot ${name}`, at.side, `${slot.slot_type} slot, plugin ${slot.plugin ?? 'none'}`);
  if (slot) return;
  const { sql, params } = s.sql.createSlot(name);
  await at.db.query(sql, params);
  say(s, `${at.side}: created logical replication slot ${name} (pgoutput)`);
}

/** Drops the slot once its consumer has let go of it (a walsender ends a moment after its subscription is disabled). */
export async function dropSlot(s: Sides, at: Place, name: string, database: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const slot = await slotOf(s.sql, at.db, name);
    if (!slot) return;
    if (!slotIsOurs(slot, database)) {
      say(s, `${at.side}: replication slot ${name} is left: it is not this plan's (${slot.slot_type}, ${slot.plugin})`);
      return;
    }
    if (!slot.active) {
      const { sql, params } = s.sql.dropSlot(name);
      await at.db.query(sql, params);
      say(s, `${at.side}: dropped replication slot ${name}`);
      return;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${at.side}: replication slot ${name} is still in use after 60s; see the replication sessions on ${at.side}`,
      );
    await sleep(500, s.ctx.signal);
  }
}

export async function subscriptionOf(
  sql: ReplicationSql,
  db: Queryable,
  name: string,
): Promise<SubscriptionRow | undefined> {
  const { sql: text, params } = sql.subscription(name);
  return (await db.query<SubscriptionRow>(text, params)).rows[0];
}

const subscriptionIsOurs = (sub: SubscriptionRow, name: string) =>
  sub.publications.length === 1 && sub.publications[0] === name && (sub.slot === name || sub.slot === null);

export interface SubscriptionTarget {
  conninfo: string;
  password: string;
  copyData: boolean;
}

/** Runs on one backend of the subscriber: the connection string travels only as a bind parameter. */
export async function ensureSubscription(
  s: Sides,
  at: Place & { session: <T>(fn: (db: Queryable) => Promise<T>) => Promise<T> },
  name: string,
  target: SubscriptionTarget,
): Promise<void> {
  const sub = await subscriptionOf(s.sql, at.db, name);
  if (sub && !subscriptionIsOurs(sub, name))
    throw notOurs(s, `subscription ${name}`, at.side, `publications ${sub.publications.join(', ')}, slot ${sub.slot}`);
  if (sub) return;
  await at.session((db) => createSubscriptionOn(s, { ...at, monitor: at.monitor ?? at.db, db }, name, target));
  say(s, `${at.side}: created subscription ${name} (copy_data = ${target.copyData})`);
}

/**
 * CREATE SUBSCRIPTION connects to the publisher and waits for it without end when it does not answer
 * (an address that accepts and stays silent): bounded here by statement_timeout (and lock_timeout, for a
 * backend of a killed run still holding its transaction), and cancelled when the run is interrupted.
 */
async function createSubscriptionOn(s: Sides, at: Place, name: string, target: SubscriptionTarget): Promise<void> {
  const tx = s.ctx.dialect.session.transaction;
  const pid = await (at.db as Session).backendPid();
  const cancel = () => {
    if (pid !== null) void at.monitor?.query(s.sql.cancelBackend(pid).sql, s.sql.cancelBackend(pid).params);
  };
  s.ctx.signal.addEventListener('abort', cancel, { once: true });
  await at.db.exec(tx.begin);
  try {
    const bounds = { lockTimeoutMs: s.ctx.plan.plan.settings.lockTimeoutMs, statementTimeoutMs: SUBSCRIBE_TIMEOUT_MS };
    await at.db.exec(s.ctx.dialect.session.settings(bounds, 'transaction'));
    await at.db.exec(s.sql.hideBindFromLog);
    const bind = s.sql.subscriptionBind(target.conninfo, target.password);
    await at.db.query(bind.sql, bind.params);
    await at.db.exec(s.sql.createSubscription(name, name, target.copyData));
    await at.db.exec(tx.commit);
  } catch (e) {
    await at.db.exec(tx.rollback).catch(() => undefined);
    throw subscribeFailure(at.side, name, e as Error, s.ctx.dialect.errors.classify(e), s.ctx.signal.aborted);
  } finally {
    s.ctx.signal.removeEventListener('abort', cancel);
  }
}

const SUBSCRIBE_TIMEOUT_MS = 30_000;

function subscribeFailure(side: string, name: string, e: Error, kind: ErrorClass, aborted: boolean): Error {
  if (aborted) return new Error(`${side}: CREATE SUBSCRIPTION ${name} was cancelled (the run was interrupted)`);
  if (kind === 'statementTimeout')
    return new Error(
      `${side}: CREATE SUBSCRIPTION ${name} did not finish within ${SUBSCRIBE_TIMEOUT_MS / 1000}s: ${side} could not ` +
        `reach the other server (its URL names a host that does not answer?); nothing was created on ${side}`,
    );
  if (kind === 'lockTimeout')
    return new Error(
      `${side}: CREATE SUBSCRIPTION ${name} waited too long for a lock: another backend on ${side} (a killed run's?) ` +
        `holds it; see the sessions on ${side}, then run again`,
    );
  return e;
}

/**
 * Drops our subscription without reaching the other server: disabled, its slot detached, dropped; then
 * its slot and any table-copy slot it left on the publisher are dropped there. One that is not ours is
 * left, and said.
 */
export async function dropSubscription(
  s: Sides,
  at: Place,
  name: string,
  publisher: Place & { database: string },
): Promise<void> {
  const sub = await subscriptionOf(s.sql, at.db, name);
  if (sub && !subscriptionIsOurs(sub, name)) {
    say(
      s,
      `${at.side}: subscription ${name} is left: it is not this plan's (publications ${sub.publications.join(', ')})`,
    );
    return;
  }
  if (sub) {
    if (sub.enabled) await at.db.exec(s.sql.disableSubscription(name));
    if (sub.slot !== null) await at.db.exec(s.sql.detachSlot(name));
    await at.db.exec(s.sql.dropSubscription(name));
    say(s, `${at.side}: dropped subscription ${name}`);
    const { sql, params } = s.sql.syncSlots(sub.oid);
    const copies = (await publisher.db.query<{ slot: string }>(sql, params)).rows;
    for (const copy of copies) await dropSlot(s, publisher, copy.slot, publisher.database);
  }
  await dropSlot(s, publisher, name, publisher.database);
}

/** Before anything is created: a same-named publication, slot or subscription that is not ours is refused. */
export async function refuseForeignObjects(
  s: Sides,
  name: string,
  publisher: Place & { database: string; tables: string[] },
  subscriber: Place,
): Promise<void> {
  const published = await publicationState(s.sql, publisher, name);
  if (published && !sameList(published, publisher.tables))
    throw notOurs(s, `publication ${name}`, publisher.side, `it publishes ${published.join(', ') || 'no table'}`);
  const slot = await slotOf(s.sql, publisher.db, name);
  if (slot && !slotIsOurs(slot, publisher.database))
    throw notOurs(
      s,
      `replication slot ${name}`,
      publisher.side,
      `${slot.slot_type} slot, plugin ${slot.plugin ?? 'none'}`,
    );
  const sub = await subscriptionOf(s.sql, subscriber.db, name);
  if (sub && !subscriptionIsOurs(sub, name))
    throw notOurs(s, `subscription ${name}`, subscriber.side, `publications ${sub.publications.join(', ')}`);
}
