/** A migration file read with PostgreSQL's parser, statement by statement, into plan steps and reasons. */
import type { ImportedStatement, ImportedStep, ImportMemory, ImportRead, MigrationImporter } from '../../import.js';
import { ensureSqlParser, parseSql } from '../sql/parser.js';
import type { AstNode } from '../sql/ast.js';
import { unwrap } from '../sql/statements.js';
import { alterTableSteps } from './alter-table.js';
import { droppedReason, refusalOf } from './bookkeeping.js';
import { NotMapped, Refused, type StatementContext } from './context.js';
import { createTableSteps } from './create-table.js';
import { commentSteps, dropSteps, renameSteps, updateSteps } from './data-and-names.js';
import { createIndexSteps } from './index-statements.js';
import { rawStep } from './raw-statement.js';
import { SourceText } from './source-text.js';
import { followRenames, markNames, noteRawStatementNames } from './statement-names.js';
import { createViewSteps, refreshViewSteps } from './views.js';

type Converter = (ctx: StatementContext, body: AstNode) => ImportedStep[];

const CONVERTERS: Record<string, Converter> = {
  AlterTableStmt: alterTableSteps,
  CreateStmt: createTableSteps,
  IndexStmt: createIndexSteps,
  UpdateStmt: updateSteps,
  DropStmt: dropSteps,
  RenameStmt: renameSteps,
  CommentStmt: commentSteps,
  CreateTableAsStmt: createViewSteps,
  RefreshMatViewStmt: refreshViewSteps,
};

const SUMMARY_LENGTH = 72;

const STATEMENT_WORDS: Record<string, string> = {
  CreateTrigStmt: 'CREATE TRIGGER',
  CreateEnumStmt: 'CREATE TYPE … AS ENUM',
  CreateFunctionStmt: 'CREATE FUNCTION',
  CreateExtensionStmt: 'CREATE EXTENSION',
  CreateSchemaStmt: 'CREATE SCHEMA',
  DoStmt: 'a DO block',
  GrantStmt: 'GRANT',
  InsertStmt: 'INSERT (data, not schema)',
  DeleteStmt: 'DELETE (data, not schema)',
  ViewStmt: 'CREATE VIEW',
};

function summaryOf(text: string): string {
  const flat = text
    .replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, (m) => (/^['"]/.test(m) ? m : ' '))
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > SUMMARY_LENGTH ? `${flat.slice(0, SUMMARY_LENGTH - 1)}…` : flat;
}

function convert(ctx: StatementContext, node: AstNode): Omit<ImportedStatement, 'line' | 'col' | 'summary'> {
  const [type, body] = unwrap(node);
  const dropped = droppedReason(type, body);
  if (dropped) return { steps: [], dropped };
  followRenames(ctx, type, body);
  const converter = CONVERTERS[type];
  if (converter) {
    const giveBackNames = markNames(ctx.memory);
    try {
      return { steps: converter(ctx, body) };
    } catch (e) {
      if (!(e instanceof NotMapped)) throw e;
      // Kept raw: the names the converter took before it gave up are the statement's as written, not its guesses.
      giveBackNames();
      noteRawStatementNames(ctx, type, body);
      return { steps: [rawStep(ctx, type, body, e.message)], raw: true };
    }
  }
  noteRawStatementNames(ctx, type, body);
  const what =
    STATEMENT_WORDS[type] ??
    type
      .replace(/Stmt$/, '')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase();
  return { steps: [rawStep(ctx, type, body, `no safe operation for ${what}`)], raw: true };
}

/** The parser's error position counts characters (its statement locations count bytes). */
function syntaxError(sql: string, message: string, charOffset: number): ImportRead {
  const before = sql.slice(0, charOffset).split('\n');
  return { ok: false, error: { message, line: before.length, col: (before[before.length - 1] ?? '').length + 1 } };
}

/** The down-migration markers of goose, dbmate and sql-migrate: everything from one on undoes the migration. */
const DOWN_MARKER = /^[ \t]*--[ \t]*(\+goose[ \t]+Down|migrate:down|\+migrate[ \t]+Down)\b.*$/im;

/** The Up part of a file holding both (the plan's rollback replaces the Down part), and a note saying so. */
function upPart(sql: string): { sql: string; notes: string[] } {
  const marker = DOWN_MARKER.exec(sql);
  if (!marker) return { sql, notes: [] };
  const line = sql.slice(0, marker.index).split('\n').length;
  return {
    sql: sql.slice(0, marker.index),
    notes: [
      `only the Up part was imported: from line ${line} (${marker[0].trim()}) on, the Down part is left out (rollback comes from the plan)`,
    ],
  };
}

export function readMigration(whole: string, memory: ImportMemory): ImportRead {
  const { sql, notes } = upPart(whole);
  const parsed = parseSql(sql);
  if (!parsed.ok) return syntaxError(sql, parsed.error.message, parsed.error.offset);
  const src = new SourceText(sql);
  const statements: ImportedStatement[] = [];
  const session = { functionBodiesUnchecked: false };
  for (const raw of parsed.result.stmts ?? []) {
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? start + raw.stmt_len : src.bytes.length;
    const text = src.slice(start, end).trim();
    const lead = src.slice(start, end).length - src.slice(start, end).trimStart().length;
    const ctx: StatementContext = { src, start, end, text, memory, session };
    const at = src.position(start + Buffer.byteLength(src.slice(start, end).slice(0, lead)));
    const [type, body] = unwrap(raw.stmt ?? {});
    if (type === 'VariableSetStmt' && body.name === 'check_function_bodies')
      session.functionBodiesUnchecked = /"(false|off|0)"/i.test(JSON.stringify(body.args ?? []));
    const refusal = refusalOf(type, body);
    if (refusal) return { ok: false, error: { ...at, message: refusal.message, hint: refusal.hint } };
    try {
      statements.push({ ...at, summary: summaryOf(text), ...convert(ctx, raw.stmt ?? {}) });
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      return { ok: false, error: { ...at, message: e.message, hint: e.hint } };
    }
  }
  return { ok: true, statements, notes };
}

export const postgresImporter: MigrationImporter = { load: ensureSqlParser, read: readMigration };
