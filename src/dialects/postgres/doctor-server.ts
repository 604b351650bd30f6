/** The server itself: version, invalid indexes, replicas and replication slots. */
import { CAPABILITIES, OLDEST_SUPPORTED, versionLabel } from './capabilities.js';
import { quoteIdent, quoteLiteral } from './names.js';
import { bytesText } from '../../lint/database/sizes.js';
import { ageText, ok, type DoctorCheck, type DoctorContext, type DoctorFinding } from '../../doctor/types.js';

function serverVersion(ctx: DoctorContext): DoctorFinding {
  const { version, versionNum } = ctx.server;
  if (versionNum < OLDEST_SUPPORTED) {
    return {
      status: 'fail',
      finding: `PostgreSQL ${version} is older than the oldest supported release (${versionLabel(OLDEST_SUPPORTED)})`,
      fix: 'upgrade the server: see the capabilities below for what older releases lack',
      details: [],
    };
  }
  const missing = CAPABILITIES.filter((c) => versionNum < c.since);
  if (missing.length === 0) return ok(`PostgreSQL ${version}: supported, with every capability below`);
  return {
    status: 'warn',
    finding: `PostgreSQL ${version}: supported, but without ${missing
      .map((c) => `${c.feature.split(' (')[0]} (${versionLabel(c.since)}+)`)
      .join(', ')}`,
    fix:
      `see the capabilities below for what happens instead; upgrading ` +
      `to ${versionLabel(Math.max(...missing.map((c) => c.since)))} or newer gives them all`,
    details: missing.map((c) => ({ capability: c.id, since: versionLabel(c.since) })),
  };
}

interface InvalidIndexRow {
  schema: string;
  index: string;
  table: string;
  definition: string;
  ready: boolean;
  building: boolean;
}

async function invalidIndexes(ctx: DoctorContext): Promise<DoctorFinding> {
  const building =
    ctx.server.versionNum >= 120000
      ? 'EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = c.oid)'
      : 'false';
  const { rows } = await ctx.db.query<InvalidIndexRow>(
    `SELECT n.nspname AS schema, c.relname AS index, t.relname AS table, pg_get_indexdef(c.oid) AS definition, ` +
      `i.indisready AS ready, ${building} AS building
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid JOIN ` +
      `pg_namespace n ON n.oid = c.relnamespace
     WHERE NOT i.indisvalid ORDER BY 1, 2`,
  );
  const leftovers = rows.filter((r) => !r.building);
  const details = rows.map((r) => ({
    schema: r.schema,
    index: r.index,
    table: r.table,
    definition: r.definition,
    maintained: r.ready,
    beingBuilt: r.building,
  }));
  if (leftovers.length === 0)
    return ok(rows.length ? `${rows.length} index build(s) in progress, no leftovers` : 'none', details);
  const names = leftovers.map((r) => `${quoteIdent(r.schema)}.${quoteIdent(r.index)}`);
  return {
    status: 'warn',
    finding: `${leftovers.length} invalid index(es), left by failed CREATE INDEX CONCURRENTLY: ${leftovers
      .slice(0, 5)
      .map((r) => `${r.schema}.${r.index} on ${r.table}`)
      .join(', ')}`,
    fix: `queries never use them${
      leftovers.some((r) => r.ready)
        ? ', yet writes still maintain those that got far enough (and a unique one still rejects duplicates)'
        : ''
    }: ${names
      .slice(0, 5)
      .map((n) => `DROP INDEX CONCURRENTLY ${n};`)
      .join(' ')} then build them again (a plan's create_index step rebuilds its own automatically)`,
    details,
  };
}

interface ReplicaRow {
  name: string | null;
  client: string | null;
  state: string | null;
  lag: number | null;
  behind: number | null;
}

async function replication(ctx: DoctorContext): Promise<DoctorFinding> {
  const { rows: recovery } = await ctx.db.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
  if (recovery[0]?.standby) {
    return {
      status: 'fail',
      finding: 'this server is a standby (in recovery): it is read-only',
      fix: 'point --database at the primary',
      details: [],
    };
  }
  const { rows } = await ctx.db.query<ReplicaRow>(
    `SELECT application_name AS name, host(client_addr) AS client, state, extract(epoch FROM ` +
      `replay_lag)::float8 AS lag, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS behind FROM ` +
      `pg_stat_replication`,
  );
  if (rows.length === 0) return ok('primary, no replicas connected');
  const details = rows.map((r) => ({
    name: r.name,
    client: r.client,
    state: r.state,
    replayLagSeconds: r.lag,
    behindBytes: r.behind,
  }));
  const lagging = rows.filter((r) => (r.lag ?? 0) * 1000 > ctx.options.replicaLagMs);
  const worst = Math.max(...rows.map((r) => r.lag ?? 0));
  if (lagging.length === 0) return ok(`${rows.length} replica(s), replay lag at most ${worst.toFixed(1)}s`, details);
  return {
    status: 'warn',
    finding:
      `${lagging.length} of ${rows.length} replica(s) lag more ` +
      `than ${ageText(ctx.options.replicaLagMs / 1000)}: ` +
      `${lagging
        .map(
          (r) =>
            `${r.name || r.client || '?'} ` +
            `${ageText(r.lag ?? 0)} behind${r.behind === null ? '' : ` (${bytesText(r.behind)} of WAL)`}`,
        )
        .join(', ')}`,
    fix:
      'a backfill with throttle.max_replica_lag pauses until they catch up, and every statement replays ' +
      'there too: find why they lag (network, long queries on the replica) before starting',
    details,
  };
}

interface SlotRow {
  name: string;
  type: string;
  active: boolean;
  retained: number | null;
}

async function replicationSlots(ctx: DoctorContext): Promise<DoctorFinding> {
  const { rows: recovery } = await ctx.db.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
  const lsn = recovery[0]?.standby ? 'pg_last_wal_receive_lsn()' : 'pg_current_wal_lsn()';
  const { rows } = await ctx.db.query<SlotRow>(
    `SELECT slot_name AS name, slot_type AS type, active, pg_wal_lsn_diff(${lsn}, restart_lsn)::float8 AS ` +
      `retained FROM pg_replication_slots ORDER BY 1`,
  );
  const details = rows.map((r) => ({ name: r.name, type: r.type, active: r.active, retainedBytes: r.retained }));
  const inactive = rows.filter((r) => !r.active);
  if (inactive.length === 0)
    return ok(rows.length ? `${rows.length} slot(s), all active` : 'no replication slots', details);
  return {
    status: 'warn',
    finding: `${inactive.length} inactive replication slot(s) retaining WAL: ${inactive
      .map((r) => `${r.name} (${r.type}${r.retained === null ? '' : `, ${bytesText(r.retained)}`})`)
      .join(', ')}`,
    fix:
      `a backfill writes WAL for every row it updates and an inactive slot keeps all of it on disk: bring ` +
      `its consumer back, or drop the slot if the consumer is gone (${inactive
        .map((r) => `SELECT pg_drop_replication_slot(${quoteLiteral(r.name)});`)
        .join(' ')})`,
    details,
  };
}

export const SERVER_VERSION_CHECK: DoctorCheck = {
  id: 'server-version',
  title: 'server version',
  run: (ctx) => Promise.resolve(serverVersion(ctx)),
};

export const SERVER_CHECKS: DoctorCheck[] = [
  { id: 'invalid-indexes', title: 'invalid indexes', run: invalidIndexes },
  { id: 'replication', title: 'replication', run: replication },
  { id: 'replication-slots', title: 'replication slots', run: replicationSlots },
];
