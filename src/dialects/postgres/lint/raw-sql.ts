/**
 * Raw SQL of `sql` steps, parsed once per lint run with the real PostgreSQL parser and scanner,
 * so that each raw-SQL rule can point at the exact keyword inside the YAML scalar.
 * Parse-tree nodes such as AlterTableCmd carry no location; the scanner's tokens fill that gap.
 */
import { scanSync, type ScanToken } from 'libpg-query';
import type { SourcePos } from '../../../errors.js';
import type { CompiledPlan } from '../../../plan/compile.js';
import type { SqlStep } from '../../../operations/types.js';
import type { Plan, PlanEntry } from '../../../plan/types.js';
import { astText, type AstNode } from '../sql/ast.js';
import { parseSql } from '../sql/parser.js';

export interface SqlStatement {
  source: SqlSource;
  /** The parse node type, e.g. `IndexStmt`, `AlterTableStmt`. */
  type: string;
  /** The node's fields; every `location` in it is a character offset into `up`. */
  node: AstNode;
  /** Character offset of the statement's first token (leading comments skipped) in `up`. */
  start: number;
  /** The statement's tokens, comments left out, with character offsets. */
  tokens: ScanToken[];
  /** The compiled step that sends this statement. */
  stepId: string;
  /** It runs inside a transaction block (explicit, or implicit: several statements in one query string). */
  inTransaction: boolean;
}

export interface SqlSource {
  entry: PlanEntry;
  sql: string;
  statements: SqlStatement[];
  /** Tables created by this same step: new and empty, so locking them harms nobody. */
  createdTables: Set<string>;
  /** file:line:col of a character offset inside `up` (or `down`). */
  at(offset: number): SourcePos;
}

type RawStmt = { stmt?: unknown; stmt_location?: number; stmt_len?: number };

const COMMENT_TOKENS = new Set(['SQL_COMMENT', 'C_COMMENT']);

/**
 * Every `sql` step whose `up` (or, with key `down`, whose `down`) parses, with its statements split and
 * located. A `down` runs on rollback: its statements are placed in the step's own transaction.
 */
export function collectSqlSources(plan: Plan, compiled: CompiledPlan, key: 'up' | 'down' = 'up'): SqlSource[] {
  const sources: SqlSource[] = [];
  for (const { entry, steps } of compiled.entries) {
    const text = (entry.spec as { up?: unknown; down?: unknown })[key];
    if (entry.kind !== 'sql' || typeof text !== 'string') continue;
    const parsed = parseSql(text);
    if (!parsed.ok) continue;
    const toChar = byteToChar(text);
    const path = [...entry.path, key];
    const source: SqlSource = {
      entry,
      sql: text,
      statements: [],
      createdTables: new Set(),
      at: (offset) => plan.locateInScalar(path, offset),
    };
    const tokens = scanSync(text)
      .tokens.filter((t) => !COMMENT_TOKENS.has(t.tokenName))
      .map((t) => ({ ...t, start: toChar(t.start), end: toChar(t.end) }));
    const raws = (parsed.result.stmts ?? []) as RawStmt[];
    const placement =
      key === 'up'
        ? placeStatements(
            raws.length,
            steps.filter((s) => s.kind === 'sql'),
            entry.id,
          )
        : () => ({ stepId: entry.id, inTransaction: true });
    raws.forEach((raw, i) => {
      const statement = toStatement(source, raw, tokens, toChar, placement(i));
      if (!statement) return;
      source.statements.push(statement);
      if (statement.type === 'CreateStmt' || statement.type === 'CreateTableAsStmt') {
        const relation = (statement.node.relation ?? (statement.node.into as AstNode | undefined)?.rel) as
          AstNode | undefined;
        source.createdTables.add(tableName(relation));
      }
    });
    sources.push(source);
  }
  return sources;
}

/**
 * Which compiled step sends statement i, and whether that is inside a transaction block: a step
 * per statement, or one step for all (several statements in one query string are one transaction).
 */
function placeStatements(
  count: number,
  steps: SqlStep[],
  fallbackId: string,
): (i: number) => { stepId: string; inTransaction: boolean } {
  if (steps.length === count && count > 1) {
    return (i) => ({ stepId: steps[i]?.id ?? fallbackId, inTransaction: steps[i]?.transactional ?? true });
  }
  const step = steps[0];
  const inTransaction = (step?.transactional ?? true) || count > 1;
  return () => ({ stepId: step?.id ?? fallbackId, inTransaction });
}

/** libpg-query reports UTF-8 byte offsets; JavaScript strings and YAML positions count characters. */
function byteToChar(text: string): (byte: number) => number {
  if (!/[^\x00-\x7f]/.test(text)) return (byte) => byte;
  const map: number[] = [];
  let chars = 0;
  for (const ch of text) {
    const bytes = Buffer.byteLength(ch);
    for (let b = 0; b < bytes; b++) map.push(chars);
    chars += ch.length;
  }
  map.push(chars);
  return (byte) => map[Math.max(0, Math.min(byte, map.length - 1))] ?? chars;
}

/** Rewrite every `location` in a parse tree from bytes to characters. */
function relocate(node: unknown, toChar: (byte: number) => number): void {
  if (Array.isArray(node)) {
    for (const child of node) relocate(child, toChar);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      if (key === 'location' && typeof value === 'number' && value >= 0) record[key] = toChar(value);
      else relocate(value, toChar);
    }
  }
}

function toStatement(
  source: SqlSource,
  raw: RawStmt,
  tokens: ScanToken[],
  toChar: (byte: number) => number,
  placed: { stepId: string; inTransaction: boolean },
): SqlStatement | undefined {
  const wrapper = raw.stmt as Record<string, AstNode> | undefined;
  const type = wrapper ? Object.keys(wrapper)[0] : undefined;
  const parsed = type ? wrapper?.[type] : undefined;
  if (!type || !parsed) return undefined;
  // Byte and character offsets differ only after non-ASCII text; then relocate a copy, never the parser's tree.
  const node = /[^\x00-\x7f]/.test(source.sql) ? structuredClone(parsed) : parsed;
  if (node !== parsed) relocate(node, toChar);
  const fromByte = raw.stmt_location ?? 0;
  const from = toChar(fromByte);
  const to = raw.stmt_len ? toChar(fromByte + raw.stmt_len) : source.sql.length;
  const own = tokens.filter((t) => t.start >= from && t.start < to);
  return { source, type, node, start: own[0]?.start ?? from, tokens: own, ...placed };
}

/** `schema.table` as written, with the default `public.` dropped so plan names compare equal. */
export function normaliseTable(name: string): string {
  return name.startsWith('public.') ? name.slice('public.'.length) : name;
}

/** The table a RangeVar names, normalised. */
export function tableName(rangeVar: AstNode | undefined): string {
  if (!rangeVar) return '';
  const relname = astText(rangeVar.relname);
  return normaliseTable(rangeVar.schemaname ? `${astText(rangeVar.schemaname)}.${relname}` : relname);
}

/** The table is created by the same step, so nothing on it can block anyone. */
export function isNewTable(stmt: SqlStatement, rangeVar: AstNode | undefined): boolean {
  return stmt.source.createdTables.has(tableName(rangeVar));
}

/**
 * Offset of the first run of tokens spelling `words` (case-insensitive) at or after `from`; else the statement start.
 */
export function keywordOffset(stmt: SqlStatement, words: string[], from = stmt.start): number {
  const upper = words.map((w) => w.toUpperCase());
  const { tokens } = stmt;
  for (let i = 0; i < tokens.length; i++) {
    if ((tokens[i]?.start ?? -1) < from) continue;
    if (upper.every((w, k) => tokens[i + k]?.text.toUpperCase() === w)) return tokens[i]?.start ?? stmt.start;
  }
  return stmt.start;
}

export interface AlterCommand {
  subtype: string;
  cmd: AstNode;
  /** Offset of the subcommand's first token (`ALTER` of `ALTER COLUMN`, `ADD`, `DROP`…). */
  offset: number;
  /** Offset just after its last token. */
  end: number;
}

/** The subcommands of an ALTER TABLE, each with where it starts and ends in the text. */
export function alterCommands(stmt: SqlStatement): AlterCommand[] {
  const cmds = ((stmt.node.cmds as { AlterTableCmd?: AstNode }[] | undefined) ?? []).map((c) => c.AlterTableCmd ?? {});
  const spans = commandSpans(stmt);
  const whole = { start: stmt.start, end: stmt.tokens[stmt.tokens.length - 1]?.end ?? stmt.start };
  return cmds.map((cmd, i) => {
    const span = spans.length === cmds.length ? (spans[i] ?? whole) : whole;
    return { subtype: astText(cmd.subtype), cmd, offset: span.start, end: span.end };
  });
}

/** Spans of the comma-separated subcommands that follow `ALTER TABLE [ONLY] name [*]`. */
function commandSpans(stmt: SqlStatement): { start: number; end: number }[] {
  const relation = stmt.node.relation as AstNode | undefined;
  const { tokens } = stmt;
  let i = tokens.findIndex((t) => t.start >= Number(relation?.location ?? Infinity));
  if (i < 0) return [];
  i++;
  while (tokens[i]?.text === '.' || tokens[i]?.text === '*') i += tokens[i]?.text === '.' ? 2 : 1;
  const spans: { start: number; end: number }[] = [];
  let depth = 0;
  let current: { start: number; end: number } | undefined;
  for (; i < tokens.length; i++) {
    const token = tokens[i];
    if (!token || token.text === ';') break;
    if (token.text === ',' && depth === 0) {
      current = undefined;
      continue;
    }
    if (!current) spans.push((current = { start: token.start, end: token.end }));
    current.end = token.end;
    if (token.text === '(') depth++;
    else if (token.text === ')') depth--;
  }
  return spans;
}

/** The statement's text, comments before it left out. */
export function statementText(stmt: SqlStatement): string {
  const last = stmt.tokens[stmt.tokens.length - 1];
  const end = last?.text === ';' ? last.start : (last?.end ?? stmt.start);
  return stmt.source.sql.slice(stmt.start, end).trim();
}

/** The constraints listed on a column definition (`NOT NULL`, `DEFAULT …`, `UNIQUE`…). */
export function columnConstraints(columnDef: AstNode | undefined): AstNode[] {
  const list = (columnDef?.constraints as { Constraint?: AstNode }[] | undefined) ?? [];
  return list.map((c) => c.Constraint).filter((c): c is AstNode => c !== undefined);
}

/** The identifier or names of a parse-tree name list, dotted. */
export function dottedName(list: unknown): string {
  const items = Array.isArray(list) ? (list as { String?: { sval?: string } }[]) : [];
  return items.map((i) => i.String?.sval ?? '').join('.');
}

export interface TableCommand extends AlterCommand {
  stmt: SqlStatement;
  /** The altered table, normalised. */
  table: string;
}

const tableCommandsOf = new WeakMap<SqlSource[], TableCommand[]>();

/** Every ALTER TABLE subcommand on a table the same step did not create (computed once per lint run). */
export function existingTableCommands(sources: SqlSource[]): TableCommand[] {
  const cached = tableCommandsOf.get(sources);
  if (cached) return cached;
  const commands: TableCommand[] = [];
  tableCommandsOf.set(sources, commands);
  for (const stmt of sources.flatMap((s) => s.statements)) {
    if (stmt.type !== 'AlterTableStmt' || stmt.node.objtype !== 'OBJECT_TABLE') continue;
    const relation = stmt.node.relation as AstNode | undefined;
    if (isNewTable(stmt, relation)) continue;
    const table = tableName(relation);
    commands.push(...alterCommands(stmt).map((c) => ({ ...c, stmt, table })));
  }
  return commands;
}

const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/** serial types are integers with a nextval() default. */
export function isSerialType(columnDef: AstNode): boolean {
  const names =
    ((columnDef.typeName as AstNode | undefined)?.names as { String?: { sval?: string } }[] | undefined) ?? [];
  return names.length === 1 && SERIAL_TYPES.has(names[0]?.String?.sval ?? '');
}

/** A column definition's type as written: from the type name to its first constraint. */
export function columnTypeText(c: AlterCommand & { stmt: SqlStatement }, columnDef: AstNode): string {
  const constraints = columnConstraints(columnDef);
  const from = Number((columnDef.typeName as AstNode | undefined)?.location ?? c.offset);
  const to = Math.min(c.end, ...constraints.map((k) => Number(k.location ?? c.end)).filter((l) => l > from));
  return c.stmt.source.sql.slice(from, to).trim() || '<type>';
}

const sourcesOf = new WeakMap<CompiledPlan, SqlSource[]>();
const downSourcesOf = new WeakMap<CompiledPlan, SqlSource[]>();

/** The raw `sql` steps of the plan being linted, parsed once per lint run and shared by the rules. */
export function sqlSourcesOf(ctx: { plan: Plan; compiled: CompiledPlan }): SqlSource[] {
  const cached = sourcesOf.get(ctx.compiled);
  if (cached) return cached;
  const sources = collectSqlSources(ctx.plan, ctx.compiled);
  sourcesOf.set(ctx.compiled, sources);
  return sources;
}

/** The `down` SQL of the plan's raw `sql` steps (what a rollback runs), parsed once per lint run. */
export function sqlDownSourcesOf(ctx: { plan: Plan; compiled: CompiledPlan }): SqlSource[] {
  const cached = downSourcesOf.get(ctx.compiled);
  if (cached) return cached;
  const sources = collectSqlSources(ctx.plan, ctx.compiled, 'down');
  downSourcesOf.set(ctx.compiled, sources);
  return sources;
}
