import { loadModule, parseSync, type ParseResult } from 'libpg-query';

let loaded: Promise<void> | undefined;
let ready = false;

/** The real PostgreSQL parser (WASM) must be loaded once before any plan is checked. */
export async function ensureSqlParser(): Promise<void> {
  loaded ??= loadModule().then(() => {
    ready = true;
  });
  await loaded;
}

export interface SqlSyntaxError {
  message: string;
  /** 0-based offset into the text that was checked. */
  offset: number;
}

export type ParsedSql = { ok: true; result: ParseResult } | { ok: false; error: SqlSyntaxError };

/** Plans repeat the same fragments (checked by the schema, compiled, linted): parse each text once. */
const cache = new Map<string, ParsedSql>();
const CACHE_LIMIT = 5000;

/** The parse of `sql`; results are shared, so callers must not modify the returned tree. */
export function parseSql(sql: string): ParsedSql {
  const hit = cache.get(sql);
  if (hit) return hit;
  const parsed = deepFreeze(parseUncached(sql));
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(sql, parsed);
  return parsed;
}

/** A shared tree that someone modified would corrupt every later use: make that throw instead. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function parseUncached(sql: string): ParsedSql {
  if (!ready) throw new Error('internal: ensureSqlParser() was not awaited before parsing SQL');
  try {
    return { ok: true, result: parseSync(sql) };
  } catch (e) {
    const details = (e as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
    return {
      ok: false,
      error: {
        message: details?.message ?? (e instanceof Error ? e.message : String(e)),
        offset: Math.max(0, details?.cursorPosition ?? 0),
      },
    };
  }
}

/**
 * Check that `expr` is exactly one SQL expression: it parses both bare (so it cannot close a
 * parenthesis it did not open) and parenthesised (so a trailing `--` comment cannot swallow
 * what we append). Returns the syntax error with its offset inside `expr`, or undefined.
 */
export function checkExpression(expr: string, context: 'value' | 'condition'): SqlSyntaxError | undefined {
  const prefix = context === 'condition' ? 'SELECT 1 WHERE ' : 'SELECT ';
  const bare = parseSql(prefix + expr);
  if (!bare.ok) return { message: bare.error.message, offset: clampOffset(bare.error.offset - prefix.length, expr) };
  const wrapped = parseSql(`${prefix}(${expr}\n)`);
  if (!wrapped.ok) {
    return { message: 'the expression ends inside a comment or string; remove the trailing comment', offset: expr.length };
  }
  if ((bare.result.stmts ?? []).length !== 1) {
    return { message: 'expected one expression, found several statements', offset: expr.indexOf(';') };
  }
  return undefined;
}

/** Check that `sql` is one or more complete statements. */
export function checkStatements(sql: string): SqlSyntaxError | undefined {
  const parsed = parseSql(sql);
  if (!parsed.ok) return { message: parsed.error.message, offset: clampOffset(parsed.error.offset, sql) };
  if ((parsed.result.stmts ?? []).length === 0) return { message: 'no SQL statement found', offset: 0 };
  return undefined;
}

/** Check that `sql` is exactly one SELECT-like query that returns rows. */
export function checkQuery(sql: string): SqlSyntaxError | undefined {
  const problem = checkStatements(sql);
  if (problem) return problem;
  const parsed = parseSql(sql);
  if (!parsed.ok) return parsed.error;
  const stmts = parsed.result.stmts ?? [];
  if (stmts.length !== 1) return { message: `expected one query, found ${stmts.length} statements`, offset: 0 };
  const node = stmts[0]?.stmt as Record<string, unknown> | undefined;
  if (!node || !('SelectStmt' in node)) {
    return { message: `expected a SELECT query, found ${Object.keys(node ?? {})[0] ?? 'nothing'}`, offset: 0 };
  }
  return undefined;
}

function clampOffset(offset: number, text: string): number {
  return Math.min(Math.max(0, offset), text.length);
}
