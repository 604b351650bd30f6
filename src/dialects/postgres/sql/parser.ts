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

/** Check that `sql` is one or more complete statements. */
export function checkStatements(sql: string): SqlSyntaxError | undefined {
  const parsed = parseSql(sql);
  if (!parsed.ok) return { message: parsed.error.message, offset: clampOffset(parsed.error.offset, sql) };
  if ((parsed.result.stmts ?? []).length === 0) return { message: 'no SQL statement found', offset: 0 };
  return undefined;
}

function clampOffset(offset: number, text: string): number {
  return Math.min(Math.max(0, offset), text.length);
}
