/**
 * Helpers over libpg-query ASTs for raw SQL: split a script into its statements, tell which ones
 * PostgreSQL refuses inside a transaction block, and which table lock each one takes.
 */
import { LOCK_IMPACT } from '../lock-modes.js';
import { LOCK_ORDER, type LockInfo, type LockLevel } from '../../../operations/types.js';
import { walk, type AstNode } from './ast.js';
import { parseSql } from './parser.js';

export { LOCK_ORDER };

export interface SqlStatement {
  /** The statement exactly as written, without surrounding whitespace or its `;`. */
  text: string;
  /** The parse node, keyed by its type: `{ IndexStmt: {...} }`. */
  node: AstNode;
  /** Character offset of the statement in the script. */
  offset: number;
}

/** Split validated SQL into statements. libpg-query reports positions in UTF-8 bytes. */
export function splitStatements(sql: string): SqlStatement[] {
  const parsed = parseSql(sql);
  if (!parsed.ok) throw new Error(`internal: SQL was validated but does not parse: ${parsed.error.message}`);
  const bytes = Buffer.from(sql, 'utf8');
  return (parsed.result.stmts ?? []).map((raw) => {
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? start + raw.stmt_len : bytes.length;
    const leading = bytes.subarray(0, start).toString('utf8');
    const text = bytes.subarray(start, end).toString('utf8');
    const lead = text.length - text.trimStart().length;
    return { text: text.trim(), node: raw.stmt ?? {}, offset: leading.length + lead };
  });
}

/** The one query of a validated `sqlQuery`, without a trailing `;`. */
export function singleQuery(sql: string): SqlStatement {
  const [first] = splitStatements(sql);
  if (!first) throw new Error('internal: query was validated but holds no statement');
  return first;
}

/** The statement's node type (`IndexStmt`) and its body. */
export function unwrap(node: AstNode): [string, AstNode] {
  const [type, body] = Object.entries(node)[0] ?? ['', {}];
  return [type, (body ?? {}) as AstNode];
}

function hasOption(body: AstNode, key: string, name: string): boolean {
  const options = (body[key] as { DefElem?: { defname?: string } }[] | undefined) ?? [];
  return options.some((o) => o.DefElem?.defname === name);
}

function cmdsOf(body: AstNode): AstNode[] {
  return ((body.cmds as { AlterTableCmd?: AstNode }[] | undefined) ?? []).map((c) => c.AlterTableCmd ?? {});
}

function detachesConcurrently(cmd: AstNode): boolean {
  const def = cmd.def as { PartitionCmd?: { concurrent?: boolean } } | undefined;
  return cmd.subtype === 'AT_DetachPartition' && def?.PartitionCmd?.concurrent === true;
}

/**
 * What PostgreSQL calls a statement it refuses inside a transaction block, or undefined.
 * ALTER TYPE … ADD VALUE is allowed in a transaction since PostgreSQL 12 and counts as transactional.
 */
export function ownTransactionReason(node: AstNode): string | undefined {
  const [type, body] = unwrap(node);
  switch (type) {
    case 'IndexStmt':
      return body.concurrent ? 'CREATE INDEX CONCURRENTLY' : undefined;
    case 'DropStmt':
      return body.concurrent ? 'DROP INDEX CONCURRENTLY' : undefined;
    case 'ReindexStmt':
      if (hasOption(body, 'params', 'concurrently')) return 'REINDEX CONCURRENTLY';
      return body.kind === 'REINDEX_OBJECT_DATABASE' || body.kind === 'REINDEX_OBJECT_SYSTEM'
        ? 'REINDEX DATABASE/SYSTEM'
        : undefined;
    case 'AlterTableStmt':
      return cmdsOf(body).some(detachesConcurrently) ? 'ALTER TABLE … DETACH PARTITION … CONCURRENTLY' : undefined;
    case 'VacuumStmt':
      return body.is_vacuumcmd ? 'VACUUM' : undefined;
    case 'CreatedbStmt':
      return 'CREATE DATABASE';
    case 'DropdbStmt':
      return 'DROP DATABASE';
    case 'AlterSystemStmt':
      return 'ALTER SYSTEM';
    case 'CreateTableSpaceStmt':
      return 'CREATE TABLESPACE';
    case 'DropTableSpaceStmt':
      return 'DROP TABLESPACE';
    default:
      return undefined;
  }
}

export function needsOwnTransaction(node: AstNode): boolean {
  return ownTransactionReason(node) !== undefined;
}

function rel(value: unknown): string[] {
  const rv = value as { schemaname?: string; relname?: string } | undefined;
  if (!rv?.relname) return [];
  return [rv.schemaname ? `${rv.schemaname}.${rv.relname}` : rv.relname];
}

/** Every relation a statement reads (RangeVar nodes), leaving out names of its CTEs. */
export function tablesRead(node: unknown): string[] {
  const ctes = new Set<string>();
  const found: string[] = [];
  walk(node, (type, value) => {
    if (type === 'CommonTableExpr' && typeof value.ctename === 'string') ctes.add(value.ctename);
    if (type === 'RangeVar') found.push(...rel(value));
  });
  return [...new Set(found.filter((t) => !ctes.has(t)))];
}

function lock(level: LockLevel, on: string[]): LockInfo {
  return { level, impact: LOCK_IMPACT[level], on: [...new Set(on)] };
}

/** The strongest lock of several; `on` lists the tables locked at that level. */
export function strongestLock(locks: LockInfo[]): LockInfo {
  const rank = (l: LockLevel) => LOCK_ORDER.indexOf(l);
  const level = locks.reduce<LockLevel>((max, l) => (rank(l.level) > rank(max) ? l.level : max), 'none');
  return lock(
    level,
    locks.filter((l) => l.level === level).flatMap((l) => l.on),
  );
}

const TRIGGER_TOGGLES = new Set([
  'AT_EnableTrig',
  'AT_EnableAlwaysTrig',
  'AT_EnableReplicaTrig',
  'AT_DisableTrig',
  'AT_EnableTrigAll',
  'AT_DisableTrigAll',
  'AT_EnableTrigUser',
  'AT_DisableTrigUser',
]);
const SHARE_UPDATE_CMDS = new Set(['AT_ValidateConstraint', 'AT_SetStatistics', 'AT_ClusterOn', 'AT_DropCluster']);

function alterCmdLock(cmd: AstNode, table: string[]): LockInfo {
  const subtype = String(cmd.subtype);
  const def = (cmd.def ?? {}) as { Constraint?: AstNode; PartitionCmd?: AstNode };
  if (SHARE_UPDATE_CMDS.has(subtype) || detachesConcurrently(cmd)) return lock('SHARE UPDATE EXCLUSIVE', table);
  if (TRIGGER_TOGGLES.has(subtype)) return lock('SHARE ROW EXCLUSIVE', table);
  if (subtype === 'AT_AddConstraint' && def.Constraint?.contype === 'CONSTR_FOREIGN') {
    return lock('SHARE ROW EXCLUSIVE', [...table, ...rel(def.Constraint.pktable)]);
  }
  // ATTACH PARTITION: SHARE UPDATE EXCLUSIVE on the parent, ACCESS EXCLUSIVE on the partition.
  if (subtype === 'AT_AttachPartition') return lock('ACCESS EXCLUSIVE', rel(def.PartitionCmd?.name));
  return lock('ACCESS EXCLUSIVE', table);
}

function dropLock(body: AstNode): LockInfo {
  const objects = (body.objects as { List?: { items?: { String?: { sval?: string } }[] } }[] | undefined) ?? [];
  const names = objects.map((o) => (o.List?.items ?? []).map((i) => i.String?.sval ?? '').join('.')).filter(Boolean);
  return lock(body.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', names);
}

function createTableLock(body: AstNode): LockInfo {
  const parents = ((body.inhRelations as { RangeVar?: AstNode }[] | undefined) ?? []).flatMap((p) => rel(p.RangeVar));
  if (parents.length > 0) return lock('ACCESS EXCLUSIVE', parents);
  const referenced: string[] = [];
  walk(body, (type, value) => {
    if (type === 'Constraint' && value.contype === 'CONSTR_FOREIGN') referenced.push(...rel(value.pktable));
  });
  return referenced.length > 0 ? lock('SHARE ROW EXCLUSIVE', referenced) : lock('none', []);
}

function vacuumed(body: AstNode): string[] {
  return ((body.rels as { VacuumRelation?: AstNode }[] | undefined) ?? []).flatMap((r) =>
    rel(r.VacuumRelation?.relation),
  );
}

const LOCKLESS = new Set([
  'VariableSetStmt',
  'TransactionStmt',
  'CreateSchemaStmt',
  'CreateFunctionStmt',
  'CreateSeqStmt',
  'CreateEnumStmt',
  'CompositeTypeStmt',
  'CreateDomainStmt',
  'AlterEnumStmt',
]);

const LOCKS: Record<string, (body: AstNode) => LockInfo> = {
  AlterTableStmt: (b) => strongestLock(cmdsOf(b).map((cmd) => alterCmdLock(cmd, rel(b.relation)))),
  IndexStmt: (b) => lock(b.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE', rel(b.relation)),
  DropStmt: dropLock,
  UpdateStmt: (b) => lock('ROW EXCLUSIVE', rel(b.relation)),
  DeleteStmt: (b) => lock('ROW EXCLUSIVE', rel(b.relation)),
  InsertStmt: (b) => lock('ROW EXCLUSIVE', rel(b.relation)),
  MergeStmt: (b) => lock('ROW EXCLUSIVE', rel(b.relation)),
  SelectStmt: (b) => lock(b.lockingClause ? 'ROW SHARE' : 'ACCESS SHARE', tablesRead(b)),
  CreateTrigStmt: (b) => lock('SHARE ROW EXCLUSIVE', rel(b.relation)),
  RefreshMatViewStmt: (b) => lock(b.concurrent ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE', rel(b.relation)),
  ReindexStmt: (b) =>
    lock(hasOption(b, 'params', 'concurrently') ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE', rel(b.relation)),
  VacuumStmt: (b) => lock(hasOption(b, 'options', 'full') ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE', vacuumed(b)),
  CreateTableAsStmt: (b) => lock('ACCESS SHARE', tablesRead(b.query)),
  ViewStmt: (b) => (b.replace ? lock('ACCESS EXCLUSIVE', rel(b.view)) : lock('ACCESS SHARE', tablesRead(b.query))),
  CreateStmt: createTableLock,
};

/** The table lock a statement takes; statements not known here count as ACCESS EXCLUSIVE, to be safe. */
export function lockOfStatement(node: AstNode): LockInfo {
  const [type, body] = unwrap(node);
  if (LOCKLESS.has(type)) return lock('none', []);
  const known = LOCKS[type];
  return known ? known(body) : lock('ACCESS EXCLUSIVE', [...rel(body.relation), ...tablesRead(body)]);
}

export { briefSql } from '../../../plan/brief-sql.js';

/** `$tag$body$tag$` with a tag that does not occur in the body. */
export function dollarQuote(body: string): string {
  let tag = 'schemashift';
  while (body.includes(`$${tag}$`)) tag += '_';
  return `$${tag}$${body}$${tag}$`;
}
