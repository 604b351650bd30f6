/**
 * The trigger that keeps a new column in step with an old one while applications of both
 * generations write the table (expand/contract). Shared by add_column `sync_from`,
 * rename_column and change_type.
 */
import { createHash } from 'node:crypto';
import type { Dialect } from '../dialects/dialect.js';
import { splitQualified } from '../dialects/dialect.js';
import type { z } from 'zod';
import { postgres } from '../dialects/postgres/postgres-dialect.js';
import type { SqlSyntaxError } from '../sql/parser.js';
import { fragmentProblem } from '../sql/fragment.js';
import { dollarQuote, functionProblem, PlpgsqlBody } from '../sql/plpgsql-function.js';
import { overRecord, rowColumns, rowExpressionProblem } from '../sql/row-expression.js';
import { triggerAbsent, triggerExists } from './catalog-probes.js';
import type { DbObject, Phase, SqlStep } from './types.js';

export interface SyncSpec {
  table: string;
  /** The column old writers still write. */
  from: string;
  /** The column being introduced. */
  to: string;
  /** SQL computing `to` over the row's columns by bare name (default: the old column's value). */
  forward?: string;
  /** SQL computing `from` over the row's columns; when set, writers that only know `to` have `from` filled in too (old readers remain). */
  reverse?: string;
}

/** A name of at most 63 bytes, stable for the same inputs. */
export function boundedName(prefix: string, ...parts: string[]): string {
  const full = [prefix, ...parts].join('_');
  if (Buffer.byteLength(full) <= 63) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, 63 - 9)}_${hash}`;
}

export function syncNames(spec: SyncSpec): { trigger: string; fn: string } {
  const table = splitQualified(spec.table).name;
  return { trigger: boundedName('schemashift_sync', table, spec.to), fn: boundedName('schemashift_sync', table, spec.to) };
}

const forwardOf = (d: Dialect, spec: SyncSpec): string => spec.forward ?? d.ident(spec.from);

/**
 * The trigger function's body. Which column a write actually set decides the direction:
 *
 * INSERT: the new column carries no default until contract (add_column refuses `default` with
 * `sync_from`; rename_column and change_type add it without one, and the sync-function step
 * checks it), so a new column that is not NULL was written by the statement, i.e. by the new
 * application version: the old column is computed from it (both-ways sync), whatever default the
 * old column got. A NULL new column is computed from the old one. (A new-version INSERT of an
 * explicit NULL cannot be told from one that leaves the column out: it gets the old column's value.)
 *
 * UPDATE: a statement that leaves the new column as it was did not write it (an old-version
 * statement names only old columns): when it changed ANY column the forward expression reads
 * (`coalesce(review, product || ' is good')` reads review and product), the new column is
 * recomputed from the row; otherwise the row's new column still holds what it held. A statement
 * that changed the new column wrote it (the new version, or the backfill): its value is kept, and
 * both ways the old column is recomputed from it, unless it is exactly what the forward
 * expression gives (a statement setting both consistently, or the backfill, which writes that
 * value): then the old column is left as it was. So `reverse` is applied when the new column is
 * written: a new-version statement that changes only another column `reverse` reads reaches the
 * old column at the next write of the new column. The columns read are compared by their binary
 * image (`*<>` works for every type, json has no `=`; a spurious difference only costs a recompute).
 *
 * Every column that `forward` / `reverse` read is read from NEW.
 */
function functionBody(d: Dialect, spec: SyncSpec): PlpgsqlBody {
  const [from, to] = [`NEW.${d.ident(spec.from)}`, `NEW.${d.ident(spec.to)}`];
  const oldTo = `OLD.${d.ident(spec.to)}`;
  const forward = overRecord(forwardOf(d, spec), 'NEW');
  const readChanged = readColumnsChanged(d, forwardOf(d, spec), spec.to);
  const b = new PlpgsqlBody();
  b.line('BEGIN').line(`  IF ${b.cond("TG_OP = 'INSERT'")} THEN`);
  if (spec.reverse === undefined) {
    b.line(`    IF ${b.cond(`${to} IS NULL`)} THEN ${b.assign(to, forward)} END IF;`);
    if (readChanged !== undefined) {
      b.line(`  ELSIF ${b.cond(`${to} IS NOT DISTINCT FROM ${oldTo} AND ${readChanged}`)} THEN`);
      b.line(`    ${b.assign(to, forward)}`);
    }
  } else {
    const reverse = overRecord(spec.reverse, 'NEW');
    b.line(`    IF ${b.cond(`${to} IS NULL`)} THEN ${b.assign(to, forward)} ELSE ${b.assign(from, reverse)} END IF;`);
    b.line(`  ELSIF ${b.cond(`${to} IS DISTINCT FROM ${oldTo}`)} THEN`);
    b.line(`    IF ${b.cond(`${to} IS DISTINCT FROM (${forward})`)} THEN ${b.assign(from, reverse)} END IF;`);
    if (readChanged !== undefined) {
      b.line(`  ELSIF ${b.cond(readChanged)} THEN`);
      b.line(`    ${b.assign(to, forward)}`);
    }
  }
  return b.line('  END IF;').line('  RETURN NEW;').line('END');
}

/** `ROW(NEW.a, NEW.b)::record *<> ROW(OLD.a, OLD.b)::record` over the columns `expression` reads (but `to`); undefined when it reads none. */
function readColumnsChanged(d: Dialect, expression: string, to: string): string | undefined {
  const columns = rowColumns(expression).filter((c) => c !== to);
  if (columns.length === 0) return undefined;
  const row = (record: string) => `ROW(${columns.map((c) => `${record}.${d.ident(c)}`).join(', ')})::record`;
  return `${row('NEW')} *<> ${row('OLD')}`;
}

function createFunctionSql(d: Dialect, spec: SyncSpec, fnName: string): string {
  const body = functionBody(d, spec);
  const sql = `CREATE OR REPLACE FUNCTION ${d.qualified(qualifiedLike(spec.table, fnName))}() RETURNS trigger\nLANGUAGE plpgsql AS ${dollarQuote(body.text())}`;
  const problem = functionProblem(sql, body);
  if (problem) throw new Error(`internal: sync function for ${spec.table}.${spec.to}: ${problem}`);
  return sql;
}

/**
 * Why this sync cannot be installed safely (undefined when it can), for validation: an expression
 * that cannot be read from one row, or a generated function that is not exactly the intended one.
 * Expressions that do not parse are left to the schema's own syntax check.
 */
export function syncProblem(d: Dialect, spec: SyncSpec): { field: 'forward' | 'reverse'; problem: SqlSyntaxError } | undefined {
  const fields = (['forward', 'reverse'] as const).filter((f) => spec[f] !== undefined);
  if (fields.some((f) => fragmentProblem(spec[f] as string, 'value') !== undefined)) return undefined;
  for (const field of fields) {
    const problem = rowExpressionProblem(spec[field] as string);
    if (problem) return { field, problem };
  }
  try {
    createFunctionSql(d, spec, syncNames(spec).fn);
  } catch (e) {
    return { field: fields[fields.length - 1] ?? 'forward', problem: { message: (e as Error).message.replace(/^internal: /, ''), offset: 0 } };
  }
  return undefined;
}

/** Adds the sync problem, if any, as a schema issue at the path of the expression at fault. */
export function reportSyncProblem(ctx: z.RefinementCtx, spec: SyncSpec, paths: Record<'forward' | 'reverse', (string | number)[]>): void {
  const found = syncProblem(postgres, spec);
  if (!found) return;
  ctx.addIssue({
    code: 'custom',
    path: paths[found.field],
    message: `this expression cannot be used in the sync trigger: ${found.problem.message}`,
    params: { offset: found.problem.offset, hint: `write it over the columns of ${spec.table} by their bare names (the trigger reads them from the row being written), without subqueries; e.g. coalesce(${spec.from}, 'none')` },
  });
}

/**
 * Before the function is created, in the same transaction: every column the expressions read
 * must exist (a missing one would fail every write to the table, 42703), and the new column must
 * have no default (it would make every INSERT look like a new-version write).
 */
function preconditionsSql(d: Dialect, spec: SyncSpec): string[] {
  const reads = [forwardOf(d, spec), ...(spec.reverse === undefined ? [] : [spec.reverse])].map((e) => `(${e})`).join(', ');
  const message = `${spec.table}.${spec.to} has a DEFAULT: the sync trigger could not tell a new-version INSERT from an old-version one`;
  const hint = `drop the default (ALTER TABLE ${spec.table} ALTER COLUMN ${spec.to} DROP DEFAULT) and set it in contract, after the sync trigger is gone`;
  const hasDefault = `SELECT 1 FROM pg_attrdef a JOIN pg_attribute c ON c.attrelid = a.adrelid AND c.attnum = a.adnum WHERE a.adrelid = to_regclass(${d.literal(d.qualified(spec.table))}) AND c.attname = ${d.literal(spec.to)}`;
  const check = `\nBEGIN\n  IF EXISTS (${hasDefault}) THEN\n    RAISE EXCEPTION USING MESSAGE = ${d.literal(message)}, HINT = ${d.literal(hint)};\n  END IF;\nEND\n`;
  return [`SELECT ${reads} FROM ${d.qualified(spec.table)} LIMIT 0`, `DO ${dollarQuote(check)}`];
}

/** The trigger function lives in the table's schema so it moves and drops with it. */
function qualifiedLike(table: string, name: string): string {
  const { schema } = splitQualified(table);
  return schema === undefined ? name : `${schema}.${name}`;
}

export function installSyncSteps(d: Dialect, spec: SyncSpec, idPrefix: string, phase: Phase): SqlStep[] {
  const { trigger, fn } = syncNames(spec);
  const direction = spec.reverse === undefined ? `${spec.from} → ${spec.to}` : `${spec.from} ↔ ${spec.to}`;
  return [
    {
      id: `${idPrefix}/sync-function`,
      phase,
      kind: 'sql',
      summary: `create sync function ${fn} (${direction})`,
      sql: [...preconditionsSql(d, spec), createFunctionSql(d, spec, fn)].join(';\n'),
      lock: { level: 'ACCESS SHARE', on: [spec.table] },
      transactional: true,
      effect: { does: 'create', object: { kind: 'function', name: qualifiedLike(spec.table, fn) } },
    },
    {
      id: `${idPrefix}/sync-trigger`,
      phase,
      kind: 'sql',
      summary: `install sync trigger ${trigger} on ${spec.table} (${direction})`,
      sql: `CREATE TRIGGER ${d.ident(trigger)} BEFORE INSERT OR UPDATE ON ${d.qualified(spec.table)} FOR EACH ROW EXECUTE FUNCTION ${d.qualified(qualifiedLike(spec.table, fn))}()`,
      lock: { level: 'SHARE ROW EXCLUSIVE', on: [spec.table] },
      transactional: true,
      probe: triggerExists(d, spec.table, trigger),
      effect: { does: 'create', object: { kind: 'trigger', table: spec.table, name: trigger, function: fn } },
    },
  ];
}

/** In contract (`undoOf` absent) the steps remove what expand installed; in an inverse they undo the steps of `undoOf`. */
export function removeSyncSteps(d: Dialect, spec: SyncSpec, idPrefix: string, phase: Phase, undoOf?: string): SqlStep[] {
  const { trigger, fn } = syncNames(spec);
  const role = (forward: string, object: DbObject) => (undoOf === undefined ? { effect: { does: 'remove' as const, object } } : { undoes: `${undoOf}/${forward}` });
  return [
    {
      id: `${idPrefix}/drop-sync-trigger`,
      phase,
      kind: 'sql',
      summary: `remove sync trigger ${trigger} from ${spec.table}`,
      sql: `DROP TRIGGER IF EXISTS ${d.ident(trigger)} ON ${d.qualified(spec.table)}`,
      lock: { level: 'ACCESS EXCLUSIVE', on: [spec.table] },
      transactional: true,
      probe: triggerAbsent(d, spec.table, trigger),
      ...role('sync-trigger', { kind: 'trigger', table: spec.table, name: trigger, function: fn }),
    },
    {
      id: `${idPrefix}/drop-sync-function`,
      phase,
      kind: 'sql',
      summary: `drop sync function ${fn}`,
      sql: `DROP FUNCTION IF EXISTS ${d.qualified(qualifiedLike(spec.table, fn))}()`,
      lock: { level: 'none', on: [] },
      transactional: true,
      ...role('sync-function', { kind: 'function', name: qualifiedLike(spec.table, fn) }),
    },
  ];
}
