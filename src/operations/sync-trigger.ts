/**
 * The trigger that keeps a new column in step with an old one while applications of both
 * generations write the table (expand/contract). Shared by add_column `sync_from`,
 * rename_column and change_type.
 */
import { createHash } from 'node:crypto';
import type { Dialect } from '../dialects/dialect.js';
import { splitQualified } from '../dialects/dialect.js';
import { qualifyColumnRefs } from '../sql/ast.js';
import { triggerAbsent, triggerExists } from './catalog-probes.js';
import type { DbObject, Phase, SqlStep } from './types.js';

export interface SyncSpec {
  table: string;
  /** The column old writers still write. */
  from: string;
  /** The column being introduced. */
  to: string;
  /** SQL computing `to` from `from`, written over NEW (default: the old column's value). */
  forward?: string;
  /** When set, writers that only know `to` have `from` filled in too (old readers remain). */
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

/** References to the source column in a conversion expression are read from the new row. */
function overNew(d: Dialect, expression: string | undefined, column: string): string {
  if (expression === undefined) return `NEW.${d.ident(column)}`;
  return qualifyColumnRefs(expression, column, 'NEW');
}

function functionSql(d: Dialect, spec: SyncSpec, fnName: string): string {
  const fromCol = `NEW.${d.ident(spec.from)}`;
  const toCol = `NEW.${d.ident(spec.to)}`;
  const oldFrom = `OLD.${d.ident(spec.from)}`;
  const oldTo = `OLD.${d.ident(spec.to)}`;
  const toValue = overNew(d, spec.forward, spec.from);
  const lines = [
    `CREATE OR REPLACE FUNCTION ${d.qualified(qualifiedLike(spec.table, fnName))}() RETURNS trigger`,
    'LANGUAGE plpgsql AS $schemashift$',
    'BEGIN',
    "  IF TG_OP = 'INSERT' THEN",
    `    IF ${toCol} IS NULL THEN ${toCol} := ${toValue}; END IF;`,
  ];
  if (spec.reverse !== undefined) {
    lines.push(`    IF ${fromCol} IS NULL THEN ${fromCol} := ${overNew(d, spec.reverse, spec.to)}; END IF;`);
  }
  lines.push(
    `  ELSIF ${fromCol} IS DISTINCT FROM ${oldFrom} AND ${toCol} IS NOT DISTINCT FROM ${oldTo} THEN`,
    `    ${toCol} := ${toValue};`,
  );
  if (spec.reverse !== undefined) {
    lines.push(
      `  ELSIF ${toCol} IS DISTINCT FROM ${oldTo} AND ${fromCol} IS NOT DISTINCT FROM ${oldFrom} THEN`,
      `    ${fromCol} := ${overNew(d, spec.reverse, spec.to)};`,
    );
  }
  lines.push('  END IF;', '  RETURN NEW;', 'END', '$schemashift$');
  return lines.join('\n');
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
      sql: functionSql(d, spec, fn),
      lock: { level: 'none', on: [] },
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
