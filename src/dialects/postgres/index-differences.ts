/**
 * How an existing index's key options, storage parameters and tablespace differ from the plan's
 * (for object-differences.ts). Read from the catalog row of object-definition.ts: per key its
 * operator class, collation and order bits, so a default written out in the plan (int4_ops on an
 * integer column) is no difference, and anything else that differs is reported.
 */
import type { IndexKeyOptions, StorageParameters } from '../actions-table.js';
import type { DbObject } from '../probes.js';
import { indexKeyOptions } from './definition-shapes.js';

type Live = Record<string, unknown>;
type Index = Extract<DbObject, { kind: 'index' }>;

interface LiveKey {
  opclass?: string | null;
  opclass_schema?: string | null;
  opclass_default?: boolean | null;
  collation?: string | null;
  collation_schema?: string | null;
  option?: number | null;
}

const lastPart = (name: string) => name.split('.').pop() ?? name;
const schemaPart = (name: string) => (name.includes('.') ? name.split('.')[0] : undefined);

function orderText(desc: boolean, nullsFirst: boolean): string {
  return `${desc ? 'DESC' : 'ASC'} NULLS ${nullsFirst ? 'FIRST' : 'LAST'}`;
}

/** A key the plan gives options for (a key without any must print none: see keyOptionDifferences). */
function oneKey(name: string, plan: IndexKeyOptions, live: LiveKey, declared: string): string[] {
  const out: string[] = [];
  const option = Number(live.option ?? 0);
  const desc = plan.sort === 'desc';
  const nullsFirst = plan.nulls === undefined ? desc : plan.nulls === 'first';
  const liveDesc = (option & 1) !== 0;
  const liveNullsFirst = (option & 2) !== 0;
  if (desc !== liveDesc || nullsFirst !== liveNullsFirst)
    out.push(`key ${name} is ${orderText(liveDesc, liveNullsFirst)}, the plan says ${orderText(desc, nullsFirst)}`);
  const liveOpclass = `${live.opclass_schema ?? ''}.${live.opclass ?? ''}`;
  if (plan.opclass !== undefined) {
    const schema = schemaPart(plan.opclass);
    if (live.opclass !== lastPart(plan.opclass) || (schema !== undefined && schema !== live.opclass_schema))
      out.push(`key ${name} has operator class ${liveOpclass}, the plan says ${plan.opclass}`);
  } else if (live.opclass_default !== true) {
    out.push(`key ${name} has operator class ${liveOpclass}, the plan's key has its type's default`);
  }
  if (plan.collation !== undefined) {
    const { schema, name: coll } = plan.collation;
    if (live.collation !== coll || (schema !== undefined && schema !== live.collation_schema))
      out.push(`key ${name} has collation ${live.collation ?? 'none'}, the plan says ${coll}`);
  } else if (declared.includes('COLLATE')) {
    out.push(`key ${name} has collation ${live.collation ?? declared}, the plan's key has its column's collation`);
  }
  return out;
}

/** The plan's keys (columns with their options, then expressions with none) against the live ones. */
export function keyOptionDifferences(o: Index, live: Live): string[] {
  const read = indexKeyOptions(typeof live.indexdef === 'string' ? live.indexdef : '');
  if (!read) return [`its definition could not be read (${String(live.indexdef)})`];
  const liveKeys = Array.isArray(live.key_options) ? (live.key_options as LiveKey[]) : [];
  const names = Array.isArray(live.keys) ? live.keys.map(String) : [];
  const columns = o.columns ?? [];
  const out = read.keys.flatMap((declared, i) => {
    const name = names[i] ?? String(i + 1);
    const plan = i < columns.length ? o.columnOptions?.[i] : undefined;
    if (plan) return oneKey(name, plan, liveKeys[i] ?? {}, declared);
    return declared === '' ? [] : [`key ${name} has ${declared}, the plan's key has the defaults`];
  });
  const nnd = live.nulls_not_distinct === true || read.nullsNotDistinct;
  if (nnd !== (o.nullsNotDistinct === true))
    out.push(
      nnd
        ? "it is NULLS NOT DISTINCT (one NULL at most), the plan's is not"
        : 'it treats NULLs as distinct, the plan says NULLS NOT DISTINCT',
    );
  return out;
}

function storageText(params: StorageParameters | undefined): string[] {
  return Object.entries(params ?? {})
    .map(([k, v]) => `${k}=${String(v)}`.toLowerCase())
    .sort();
}

/** Storage parameters compared as name=value text (as reloptions keeps them); the tablespace by name. */
export function storageDifferences(o: Index, live: Live): string[] {
  const out: string[] = [];
  const liveParams = Array.isArray(live.reloptions) ? live.reloptions.map((r) => String(r).toLowerCase()).sort() : [];
  const planParams = storageText(o.storage);
  if (liveParams.join(',') !== planParams.join(','))
    out.push(`its storage parameters are (${liveParams.join(', ')}), the plan says (${planParams.join(', ')})`);
  const tablespace = typeof live.tablespace === 'string' ? live.tablespace : undefined;
  if (tablespace !== o.tablespace)
    out.push(`it is in tablespace ${tablespace ?? '(default)'}, the plan says ${o.tablespace ?? '(default)'}`);
  return out;
}
