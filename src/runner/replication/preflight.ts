/**
 * Before replicate creates anything: both servers can do logical replication (wal_level = logical on
 * green too, for the reverse direction after the switch), room for both directions (slots, WAL senders,
 * apply workers), and every table exists and has a key or replica identity (an UPDATE or DELETE on
 * blue would fail otherwise).
 */
import type { Queryable } from '../../db/connection.js';
import type { ServerReadiness } from '../../dialects/replication.js';
import { UsageError } from '../../errors.js';
import { slotOf, subscriptionOf } from './objects.js';
import { roomProblems } from './switch-checks.js';
import { sqlNameOf, type ReplicatedTable, type Sides } from './sides.js';

async function readinessOf(s: Sides, db: Queryable): Promise<ServerReadiness> {
  const row = (await db.query<ServerReadiness>(s.sql.readiness)).rows[0];
  if (!row) throw new Error('the server did not report its settings');
  return row;
}

function serverProblems(side: string, r: ServerReadiness, needsRoom: boolean): string[] {
  const problems: string[] = [];
  if (r.wal_level !== 'logical')
    problems.push(`${side}: wal_level is ${r.wal_level}: set wal_level = logical and restart ${side}`);
  if (r.version_num < 120000) problems.push(`${side}: PostgreSQL ${r.version_num} is older than 12`);
  if (needsRoom && r.max_slots - r.used_slots < 1)
    problems.push(`${side}: no free replication slot (max_replication_slots = ${r.max_slots}, all used)`);
  if (needsRoom && r.max_senders - r.used_senders < 1)
    problems.push(`${side}: no free WAL sender (max_wal_senders = ${r.max_senders}, all used)`);
  return problems;
}

/** Both servers' settings; returns blue's (its version decides pg_dump's and the error counters). */
export async function checkServers(s: Sides): Promise<ServerReadiness> {
  const blue = await readinessOf(s, s.ctx.session);
  const green = await readinessOf(s, s.green);
  const ours = await slotOf(s.sql, s.ctx.session, s.step.names.forward);
  const following = (await subscriptionOf(s.sql, s.green, s.step.names.forward)) !== undefined;
  const problems = [
    ...serverProblems('blue', blue, !ours),
    ...serverProblems('green', green, false),
    // The switch needs them later (the reverse slot and WAL sender on green, its apply worker on blue):
    // better refused now than with blue already retired.
    ...roomProblems('green', green, { slot: true, sender: true, worker: !following }),
    ...roomProblems('blue', blue, { worker: true }),
  ];
  if (problems.length > 0)
    throw new UsageError(
      `blue/green cannot start: ${problems.join('; ')}; nothing was created`,
      'fix the settings named (wal_level needs a restart), then run again',
    );
  return blue;
}

/** The plan's tables as they are on blue (`all`: every ordinary table), each checked to exist. */
export async function resolveTables(s: Sides): Promise<ReplicatedTable[]> {
  if (s.settings.tables === 'all') {
    const { rows } = await s.ctx.session.query<ReplicatedTable>(s.sql.allTables);
    if (rows.length === 0) throw new UsageError('replicate all: blue has no table to replicate');
    return rows.map((r) => ({ schema: r.schema, name: r.name }));
  }
  const given = s.settings.tables.map((t) => s.ctx.dialect.qualified(t));
  const { sql, params } = s.sql.resolveTables(given);
  const { rows } = await s.ctx.session.query<{
    given: string;
    schema: string | null;
    name: string | null;
    kind: string | null;
  }>(sql, params);
  const missing = rows.filter((r) => r.schema === null || !['r', 'p'].includes(r.kind ?? ''));
  if (missing.length > 0)
    throw new UsageError(
      `replicate: ${missing.map((r) => r.given).join(', ')} is not a table on blue; nothing was created`,
      'name the tables as they are on blue (schema.table when outside the search path)',
    );
  return rows.map((r) => ({ schema: r.schema as string, name: r.name as string }));
}

export async function refuseTablesWithoutIdentity(s: Sides, tables: ReplicatedTable[]): Promise<void> {
  const { sql, params } = s.sql.withoutIdentity(tables.map((t) => sqlNameOf(s.ctx, t)));
  const { rows } = await s.ctx.session.query<{ table: string }>(sql, params);
  if (rows.length === 0) return;
  const names = rows.map((r) => r.table).join(', ');
  throw new UsageError(
    `replicate: ${names} has no primary key or replica identity: its UPDATEs and DELETEs would fail on blue ` +
      `once it is published; nothing was created`,
    `add a primary key (add_primary_key) or a replica identity in an earlier plan: ` +
      `set_replica_identity: { table: <table>, identity: index, index: <unique index> } (or identity: full)`,
  );
}
