/**
 * What a statement costs on this server: long scans and rewrites of big tables (with the lock
 * held meanwhile) and features the server version lacks. Runs on every SQL statement a plan sends,
 * operations' and raw SQL alike, with the schema as it is just before the statement.
 */
import { capability, hasCapability, versionLabel } from '../capabilities.js';
import { astText, type AstNode } from '../sql/ast.js';
import { unwrap } from '../sql/statements.js';
import { rangeVarName } from './ast-names.js';
import { matviewBuildCost } from './matview-build-cost.js';
import type { CheckContext } from '../../../lint/database/context.js';
import { emit, type Place } from '../../../lint/database/requirements.js';
import type { SimRelation } from '../../../lint/database/sim-state.js';
import { expectText, isBig, sizeText } from '../../../lint/database/sizes.js';

function scanWarning(
  ctx: CheckContext,
  place: Place,
  table: SimRelation,
  what: string,
  passes: number,
  extra = '',
): void {
  if (!isBig(table, ctx.options)) return;
  const version = ctx.state.server.versionNum;
  const killed = hasCapability(version, 'client-connection-check')
    ? ''
    : ` On PostgreSQL ${versionLabel(version)} a runner killed mid-scan leaves the scan running on the server ` +
      `(client_connection_check_interval needs 14).`;
  emit(
    ctx,
    'db-big-table-scan',
    place,
    `${what} reads ${sizeText(table)} under SHARE UPDATE EXCLUSIVE: reads and writes go on, ` +
      `but ${expectText(table, passes)}${extra}`,
    `run it when ${table.name} is quiet: the lock is held for the whole scan, so other DDL and autovacuum ` +
      `on ${table.name} wait; check \`schemashift doctor\` for long transactions first.${killed}`,
  );
}

function lockWarning(
  ctx: CheckContext,
  place: Place,
  table: SimRelation,
  what: string,
  lock: string,
  blocks: string,
  instead: string,
): void {
  if (!isBig(table, ctx.options)) return;
  emit(
    ctx,
    'db-big-table-lock',
    place,
    `${what} goes through ${sizeText(table)} under ${lock}: ${blocks} until it ends; ${expectText(table)}`,
    instead,
  );
}

function versionCheck(ctx: CheckContext, place: Place, id: string): void {
  const version = ctx.state.server.versionNum;
  if (hasCapability(version, id)) return;
  const cap = capability(id);
  emit(
    ctx,
    'db-server-version',
    place,
    `${cap.feature} needs PostgreSQL ${versionLabel(cap.since)}; this server runs ${ctx.state.server.version}`,
    `on this server: ${cap.otherwise}`,
  );
}

const WRITES = 'every write to the table waits';
const ALL = 'every read and write of the table waits';

function validateCost(ctx: CheckContext, place: Place, table: SimRelation, name: string): void {
  const con = table.constraints.get(name);
  if (!con || con.validated) return;
  if (con.notNullOf !== undefined && table.columns?.get(con.notNullOf)?.notNull) return;
  const fk =
    con.type === 'foreign key' ? ', and every row is looked up in the referenced table (slower than a plain scan)' : '';
  scanWarning(ctx, place, table, `VALIDATE CONSTRAINT ${name}`, 1, fk);
}

function setNotNullCost(ctx: CheckContext, place: Place, table: SimRelation, column: string): void {
  const col = table.columns?.get(column);
  if (!col || col.notNull) return;
  const proved = [...table.constraints.values()].some((c) => c.notNullOf === column && c.validated);
  if (proved && hasCapability(ctx.state.server.versionNum, 'set-not-null-skips-scan')) return;
  if (proved) {
    const cap = capability('set-not-null-skips-scan');
    emit(
      ctx,
      'db-server-version',
      place,
      `PostgreSQL ${ctx.state.server.version} ignores the validated CHECK (${column} IS NOT NULL): ${cap.otherwise}`,
      `upgrade to PostgreSQL 12 or newer, or run this step when ${table.name} may be blocked for a full scan`,
      'warning',
    );
  }
  lockWarning(
    ctx,
    place,
    table,
    `SET NOT NULL on ${column}`,
    'ACCESS EXCLUSIVE',
    ALL,
    'use set_not_null: CHECK NOT VALID, VALIDATE (writes go on), then SET NOT NULL without a scan (PostgreSQL 12+)',
  );
}

function alterTableCost(ctx: CheckContext, place: Place, table: SimRelation, cmd: AstNode): void {
  const name = astText(cmd.name);
  const con = (cmd.def as { Constraint?: AstNode } | undefined)?.Constraint;
  switch (cmd.subtype) {
    case 'AT_ValidateConstraint':
      return validateCost(ctx, place, table, name);
    case 'AT_SetNotNull':
      return setNotNullCost(ctx, place, table, name);
    case 'AT_AlterColumnType':
      return lockWarning(
        ctx,
        place,
        table,
        `ALTER COLUMN ${name} TYPE`,
        'ACCESS EXCLUSIVE',
        `${ALL} (the table and its indexes are rewritten unless the types are binary compatible)`,
        'use change_type: a new column kept in step by trigger, a throttled backfill, and a swap under a brief lock',
      );
    case 'AT_DetachPartition':
      if ((cmd.def as { PartitionCmd?: AstNode } | undefined)?.PartitionCmd?.concurrent)
        versionCheck(ctx, place, 'detach-partition-concurrently');
      return;
    case 'AT_AddConstraint':
      if (!con || con.skip_validation === true || (con.contype !== 'CONSTR_CHECK' && con.contype !== 'CONSTR_FOREIGN'))
        return;
      return lockWarning(
        ctx,
        place,
        table,
        `ADD CONSTRAINT ${astText(con.conname)} without NOT VALID`.replace('  ', ' '),
        con.contype === 'CONSTR_CHECK' ? 'ACCESS EXCLUSIVE' : 'SHARE ROW EXCLUSIVE',
        con.contype === 'CONSTR_CHECK' ? ALL : WRITES,
        'add it NOT VALID, then VALIDATE it in a step of its own (add_check / add_foreign_key do both): the ' +
          'scan then lets writes go on',
      );
    default:
      return;
  }
}

function indexCost(ctx: CheckContext, place: Place, body: AstNode): void {
  const table = ctx.state.table(rangeVarName(body.relation) ?? '');
  if (body.nulls_not_distinct) versionCheck(ctx, place, 'nulls-not-distinct');
  if (!table) return;
  const existing = typeof body.idxname === 'string' ? ctx.state.sibling(table, body.idxname) : undefined;
  if (existing?.index?.valid && existing.index.table === table.key) return;
  if (body.concurrent && table.kind === 'partitioned table') {
    emit(
      ctx,
      'db-partitioned-index',
      place,
      `${table.name} is partitioned: PostgreSQL refuses CREATE INDEX CONCURRENTLY on a partitioned table`,
      `build the index CONCURRENTLY on each partition, then CREATE INDEX ... ON ONLY ${table.name} (instant, ` +
        `invalid until complete) and ALTER INDEX ... ATTACH PARTITION each partition's index`,
    );
    return;
  }
  const what = `CREATE ${body.unique ? 'UNIQUE ' : ''}INDEX${
    body.concurrent ? ' CONCURRENTLY' : ''
  } ${astText(body.idxname)}`.trim();
  if (body.concurrent)
    scanWarning(
      ctx,
      place,
      table,
      what,
      2,
      ', and the build first waits for every transaction older than itself to end',
    );
  else
    lockWarning(
      ctx,
      place,
      table,
      what,
      'SHARE',
      WRITES,
      'build it CONCURRENTLY (create_index does by default): writes go on during the build',
    );
}

function rewriteCost(ctx: CheckContext, place: Place, names: string[], what: string): void {
  for (const name of names) {
    const table = ctx.state.table(name);
    if (table)
      lockWarning(
        ctx,
        place,
        table,
        what,
        'ACCESS EXCLUSIVE',
        ALL,
        'rebuild the table online instead (pg_repack or pg_squeeze), or run it in a maintenance window',
      );
  }
}

function refreshCost(ctx: CheckContext, place: Place, body: AstNode): void {
  const view = ctx.state.table(rangeVarName(body.relation) ?? '');
  if (!view || body.concurrent) return;
  lockWarning(
    ctx,
    place,
    view,
    `REFRESH MATERIALIZED VIEW ${view.name}`,
    'ACCESS EXCLUSIVE',
    'every read of the view waits',
    'refresh with `concurrently: true` (needs a unique index on the view): readers go on meanwhile',
  );
}

function wholeTableWrite(ctx: CheckContext, place: Place, body: AstNode, verb: string): void {
  const table = ctx.state.table(rangeVarName(body.relation) ?? '');
  if (!table || body.whereClause !== undefined) return;
  lockWarning(
    ctx,
    place,
    table,
    `${verb} without WHERE`,
    'row locks on every row, in one transaction',
    'every writer of those rows waits, and replicas lag behind the one huge transaction',
    'use a backfill step: keyset batches in short transactions, throttled on replica lag and lock waiters, resumable',
  );
}

/** Cost and version findings of one statement (`{ IndexStmt: {...} }`), before it is applied. */
export function checkStatementCost(ctx: CheckContext, place: Place, node: AstNode): void {
  const [type, body] = unwrap(node);
  switch (type) {
    case 'IndexStmt':
      return indexCost(ctx, place, body);
    case 'AlterTableStmt': {
      const table = ctx.state.table(rangeVarName(body.relation) ?? '');
      if (table)
        for (const c of (body.cmds as { AlterTableCmd?: AstNode }[] | undefined) ?? [])
          alterTableCost(ctx, place, table, c.AlterTableCmd ?? {});
      return;
    }
    case 'VacuumStmt': {
      const full = ((body.options as { DefElem?: { defname?: string } }[] | undefined) ?? []).some(
        (o) => o.DefElem?.defname === 'full',
      );
      const rels = ((body.rels as { VacuumRelation?: AstNode }[] | undefined) ?? []).flatMap(
        (r) => rangeVarName(r.VacuumRelation?.relation) ?? [],
      );
      return full ? rewriteCost(ctx, place, rels, 'VACUUM FULL') : undefined;
    }
    case 'ClusterStmt':
      return rewriteCost(ctx, place, [rangeVarName(body.relation) ?? ''], 'CLUSTER');
    case 'RefreshMatViewStmt':
      return refreshCost(ctx, place, body);
    case 'CreateTableAsStmt':
      return matviewBuildCost(ctx, place, body);
    case 'UpdateStmt':
      return wholeTableWrite(ctx, place, body, 'UPDATE');
    case 'DeleteStmt':
      return wholeTableWrite(ctx, place, body, 'DELETE');
    case 'ReindexStmt': {
      const concurrently = ((body.params as { DefElem?: { defname?: string } }[] | undefined) ?? []).some(
        (o) => o.DefElem?.defname === 'concurrently',
      );
      return concurrently ? versionCheck(ctx, place, 'reindex-concurrently') : undefined;
    }
    case 'CreateTrigStmt':
      return body.replace ? versionCheck(ctx, place, 'create-or-replace-trigger') : undefined;
    case 'MergeStmt':
      return versionCheck(ctx, place, 'merge');
    case 'VariableSetStmt':
      return body.name === 'client_connection_check_interval'
        ? versionCheck(ctx, place, 'client-connection-check')
        : undefined;
    default:
      return;
  }
}
