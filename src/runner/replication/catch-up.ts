/**
 * catch_up: wait until green has copied every table (`r` in pg_subscription_rel) and the forward slot
 * trails blue by at most max_lag, failing on a growing apply error count; then verify the tables chunk
 * by chunk while writes keep flowing on blue (each chunk of blue is compared once green has applied
 * what blue had committed when it was read).
 */
import type { Queryable } from '../../db/connection.js';
import type { SlotRow } from '../../dialects/replication.js';
import type { CatchUpSettings } from '../../operations/types.js';
import { compareReplicatedTables, type TableComparison } from '../replication-compare.js';
import { sleep } from '../sleep.js';
import { applyErrorWatch, type ErrorCheck } from './apply-errors.js';
import { slotOf } from './objects.js';
import { recordCheckpoint, recordedTables, say, sqlNameOf, type ReplicatedTable, type Sides } from './sides.js';

const POLL_MS = 500;
const REPORT_EVERY_MS = 5000;
const ERROR_CHECK_MS = 1000;

async function notReady(s: Sides): Promise<string[]> {
  const { sql, params } = s.sql.tableStates(s.step.names.forward);
  const { rows } = await s.green.query<{ table: string; state: string }>(sql, params);
  return rows.filter((r) => r.state !== 'r').map((r) => `${r.table} (${r.state})`);
}

async function forwardSlot(s: Sides): Promise<SlotRow> {
  const slot = await slotOf(s.sql, s.ctx.conn, s.step.names.forward);
  if (!slot)
    throw new Error(
      `blue has no replication slot ${s.step.names.forward}: replicate did not finish, or it was dropped`,
    );
  return slot;
}

/** Where a direction's slot lives (the publisher) and its subscription (the subscriber). */
export interface Direction {
  name: string;
  publisher: Queryable;
  subscriber: Queryable;
}

async function applied(s: Sides, d: Direction, lsn: string): Promise<boolean> {
  const { sql, params } = s.sql.subscriptionApplied(d.name, lsn);
  // The origin's progress may be hidden from a role that is not a superuser: then the slot alone decides.
  const rows = await d.subscriber.query<{ ok: boolean }>(sql, params).then(
    (r) => r.rows,
    () => [],
  );
  return rows[0]?.ok === true;
}

/**
 * Resolves once the subscriber has applied everything the publisher had committed at `lsn`: its slot
 * confirmed it, or (sooner, while writes flow) the subscriber applied a transaction that ends after it.
 */
export async function waitForDirection(
  s: Sides,
  d: Direction,
  lsn: string,
  deadline: number,
  checkErrors?: ErrorCheck,
): Promise<void> {
  const { sql, params } = s.sql.slotPassed(d.name, lsn);
  for (let checked = Date.now(); ;) {
    const { rows } = await d.publisher.query<{ ok: boolean }>(sql, params);
    if (rows[0]?.ok || (await applied(s, d, lsn))) return;
    if (checkErrors && Date.now() - checked >= ERROR_CHECK_MS) {
      await checkErrors();
      checked = Date.now();
    }
    if (Date.now() > deadline)
      throw new Error(
        `the subscriber of ${d.name} did not apply up to ${lsn} in time; see the subscriber's server log`,
      );
    await sleep(50, s.ctx.signal);
  }
}

async function waitUntilCaughtUp(s: Sides, c: CatchUpSettings, deadline: number, checkErrors: ErrorCheck) {
  let reported = 0;
  for (;;) {
    const [pending, slot] = [await notReady(s), await forwardSlot(s)];
    await checkErrors();
    const lag = slot.lag === null ? Number.POSITIVE_INFINITY : Number(slot.lag);
    if (pending.length === 0 && lag <= c.maxLagBytes) return;
    const state = `${pending.length > 0 ? `not ready: ${pending.join(', ')}; ` : ''}slot lag ${lag} bytes`;
    if (Date.now() > deadline) throw new Error(`green did not catch up within ${c.timeoutMs}ms (${state})`);
    if (Date.now() - reported >= REPORT_EVERY_MS) {
      say(s, `catch_up: waiting for green: ${state}`);
      reported = Date.now();
    }
    await sleep(POLL_MS, s.ctx.signal);
  }
}

function mismatchText(results: TableComparison[]): string | undefined {
  const bad = results.flatMap((r) => r.mismatches);
  if (bad.length === 0) return undefined;
  return bad
    .map(
      (m) =>
        `${m.table} key range (${m.from ?? 'start'}, ${m.to === '' ? 'end)' : `${m.to}]`}: blue ${m.blue.rows} rows, ` +
        `green ${m.green.rows}`,
    )
    .join('; ');
}

async function verify(
  s: Sides,
  c: CatchUpSettings,
  tables: ReplicatedTable[],
  deadline: number,
  checkErrors: ErrorCheck,
): Promise<void> {
  const slot = s.step.names.forward;
  const results = await compareReplicatedTables({
    blue: s.ctx.session,
    green: s.green,
    sql: s.sql.compare,
    tables: tables.map((t) => sqlNameOf(s.ctx, t)),
    chunkRows: c.chunk,
    rechecks: c.rechecks,
    // Equal digests prove equal rows whenever each side was read; waiting first (up to green's status interval,
    // 10 s by default, per chunk on an idle blue) would only avoid differences that the recheck clears anyway.
    waitOnlyOnDifference: true,
    waitForGreen: (lsn) =>
      waitForDirection(s, { name: slot, publisher: s.ctx.conn, subscriber: s.green }, lsn, deadline, checkErrors),
    signal: s.ctx.signal,
  });
  const mismatches = mismatchText(results);
  if (mismatches) throw new Error(`green differs from blue: ${mismatches}`);
  for (const r of results)
    say(s, `verified ${r.table}: ${r.rows} rows in ${r.chunks} chunk(s)${r.keyed ? '' : ' (no key: row count only)'}`);
  await recordCheckpoint(s.ctx, s.step.id, {
    verified: results.map((r) => ({ table: r.table, rows: r.rows, chunks: r.chunks, rechecked: r.rechecked })),
  });
}

export async function runCatchUp(s: Sides): Promise<void> {
  const c = s.step.catchUp as CatchUpSettings;
  const tables = await recordedTables(s);
  const deadline = Date.now() + c.timeoutMs;
  const checkErrors = await applyErrorWatch(s, s.green, s.step.names.forward, 'green');
  await waitUntilCaughtUp(s, c, deadline, checkErrors);
  say(s, `green has copied every table and trails blue by at most ${c.maxLagBytes} bytes`);
  if (c.verify) await verify(s, c, tables, deadline, checkErrors);
}
