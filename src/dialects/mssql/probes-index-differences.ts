/**
 * How an existing SQL Server index differs from the plan's (for `if_exists: adopt`), read from the
 * row of probes-definition.ts. What the plan asks for that SQL Server has no counterpart for
 * (expression keys, NULLS FIRST/LAST, operator classes, key collations, NULLS NOT DISTINCT, storage
 * parameters other than fillfactor, tablespaces) is reported with the reason: such an index cannot
 * be the plan's.
 */
import type { DbObject } from '../probes.js';
import { namesOf, sameExpression, sameName, sameNames, show, textOf, type Live } from './probes-live.js';

type Index = Extract<DbObject, { kind: 'index' }>;

interface LiveKey {
  name?: unknown;
  desc?: unknown;
}

/** What the plan asks of the index that no SQL Server index has. */
function impossible(o: Index): string[] {
  const out: string[] = [];
  if (o.method !== undefined && o.method !== 'btree')
    out.push(`the plan's index method is ${o.method}: SQL Server has rowstore (B-tree) and columnstore indexes only`);
  if ((o.expressions ?? []).length > 0)
    out.push('the plan indexes an expression: SQL Server indexes columns only (index a computed column instead)');
  const options = (o.columnOptions ?? []).filter((c) => c !== undefined);
  if (options.some((c) => c.nulls !== undefined))
    out.push('the plan says NULLS FIRST/LAST: SQL Server index keys take only ASC or DESC (NULLs sort lowest)');
  if (options.some((c) => c.opclass !== undefined))
    out.push('the plan names an operator class: SQL Server indexes have none');
  if (options.some((c) => c.collation !== undefined))
    out.push("the plan gives a key a collation: a SQL Server index key has its column's collation");
  if (o.nullsNotDistinct === true)
    out.push(
      'the plan says NULLS NOT DISTINCT: SQL Server has no such option (a unique index there admits one NULL key)',
    );
  const storage = Object.keys(o.storage ?? {}).filter((k) => k.toLowerCase() !== 'fillfactor');
  if (storage.length > 0) out.push(`SQL Server has no index storage parameter ${storage.join(', ')}`);
  if (o.tablespace !== undefined)
    out.push(
      `the plan puts it in tablespace ${o.tablespace}: SQL Server places indexes in filegroups, not tablespaces`,
    );
  return out;
}

/** Its state: what makes an index by that name not a working index of its own. */
function state(live: Live): string[] {
  const out: string[] = [];
  const kind = textOf(live.kind) ?? '';
  if (kind !== 'CLUSTERED' && kind !== 'NONCLUSTERED')
    out.push(`it is a ${kind.replaceAll('_', ' ').toLowerCase()} index, not a rowstore (B-tree) index`);
  if (live.primary_key === true) out.push('it is the index of a PRIMARY KEY constraint, not an index of its own');
  if (live.unique_constraint === true) out.push('it is the index of a UNIQUE constraint, not an index of its own');
  if (live.disabled === true) out.push('it is disabled (ALTER INDEX … DISABLE): it holds no data until rebuilt');
  if (live.hypothetical === true) out.push('it is a hypothetical index (a Tuning Advisor leftover), without data');
  if (live.paused === true)
    out.push('its resumable build is paused (sys.index_resumable_operations): RESUME or ABORT it first');
  return out;
}

function keyDifferences(o: Index, live: Live): string[] {
  const columns = o.columns ?? [];
  const keys = Array.isArray(live.keys) ? (live.keys as LiveKey[]) : [];
  const names = keys.map((k) => String(k.name));
  if (!sameNames(columns, names)) return [`keys are ${show(names)}, the plan says ${show(columns)}`];
  const out: string[] = [];
  keys.forEach((k, i) => {
    const desc = o.columnOptions?.[i]?.sort === 'desc';
    if (desc !== (k.desc === true))
      out.push(`key ${names[i]} is ${k.desc === true ? 'DESC' : 'ASC'}, the plan says ${desc ? 'DESC' : 'ASC'}`);
  });
  return out;
}

/** INCLUDE columns compared as a set: their order does not change the index. */
function includeDifferences(o: Index, live: Live): string[] {
  const plan = o.include ?? [];
  const actual = namesOf(live.include);
  const same = plan.length === actual.length && plan.every((p) => actual.some((a) => sameName(a, p)));
  return same ? [] : [`INCLUDE is ${show(actual)}, the plan says ${show(plan)}`];
}

function filterDifferences(o: Index, live: Live): string[] {
  const where = textOf(live.where);
  const same = o.where === undefined ? where === undefined : where !== undefined && sameExpression(o.where, where);
  return same ? [] : [`WHERE is ${where ?? 'none'}, the plan says ${o.where ?? 'none'}`];
}

/** fill_factor 0 is the server default, which is 100. */
function fillFactorDifferences(o: Index, live: Live): string[] {
  const entry = Object.entries(o.storage ?? {}).find(([k]) => k.toLowerCase() === 'fillfactor');
  const plan = entry === undefined ? 100 : Number(entry[1]);
  const actual = Number(live.fill_factor ?? 0) || 100;
  return plan === actual ? [] : [`its fill factor is ${actual}, the plan says ${plan}`];
}

export function indexDifferences(o: Index, live: Live): string[] {
  const out = [...impossible(o), ...state(live)];
  if (o.unique !== undefined && o.unique !== (live.unique === true))
    out.push(`it is ${live.unique ? 'unique' : 'not unique'}, the plan says ${o.unique ? 'unique' : 'not unique'}`);
  if ((o.columns ?? []).length === 0) return out;
  return [
    ...out,
    ...keyDifferences(o, live),
    ...includeDifferences(o, live),
    ...filterDifferences(o, live),
    ...fillFactorDifferences(o, live),
  ];
}
