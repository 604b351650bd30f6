/**
 * How an object that already exists in SQL Server differs from the plan's definition of it: the
 * check before a step takes over (`if_exists: adopt`) an object it did not create. Reads the row of
 * probes-definition.ts (as the JSON text the driver returns, or already parsed). SQL fragments are
 * compared as read by the T-SQL fragment reader; what the plan asks for that SQL Server cannot have
 * (DEFERRABLE, MATCH FULL, NO INHERIT, …) is reported with the reason, never guessed away.
 */
import type { DbObject } from '../probes.js';
import { indexedViewQuery } from './ddl-views-query.js';
import { indexDifferences } from './probes-index-differences.js';
import { liveObject, namesOf, sameExpression, sameName, sameNames, show, textOf, type Live } from './probes-live.js';
import { liveType, sameColumnType, type LiveColumnType } from './probes-types.js';
import { qualified } from './sql-names.js';

type Of<K extends DbObject['kind']> = Extract<DbObject, { kind: K }>;

/** sys.objects type codes, as people say them. */
const OBJECT_TYPES: Record<string, string> = {
  U: 'a table',
  V: 'a view',
  C: 'a check',
  F: 'a foreign key',
  UQ: 'a unique',
  PK: 'a primary key',
  D: 'a DEFAULT',
  FN: 'a scalar function',
  IF: 'an inline table-valued function',
  TF: 'a table-valued function',
  P: 'a stored procedure',
  SN: 'a synonym',
  SO: 'a sequence',
  TR: 'a trigger',
};
const CONSTRAINT_TYPES: Record<string, string> = {
  C: 'check',
  F: 'foreign key',
  UQ: 'unique',
  PK: 'primary key',
  D: 'DEFAULT',
};

const objectType = (live: Live): string =>
  OBJECT_TYPES[String(live.type)] ??
  `a ${String(live.type_desc ?? live.type)
    .replaceAll('_', ' ')
    .toLowerCase()}`;

const nullability = (nullable: boolean): string => (nullable ? 'nullable' : 'NOT NULL');

function columnDifferences(o: Of<'column'>, live: Live): string[] {
  const out: string[] = [];
  if (o.type !== undefined && !sameColumnType(o.type, live.same_type, live))
    out.push(`type is ${liveType(live)}, the plan says ${o.type}`);
  if (o.type !== undefined && typeof live.collation === 'string')
    out.push(`its collation is ${live.collation}, the plan's column has the database's default collation`);
  if (live.computed === true) out.push('it is a computed column');
  if (live.identity === true) out.push('it is an IDENTITY column, the plan says nothing of one');
  if (o.nullable !== undefined && o.nullable !== (live.nullable === true))
    out.push(`it is ${nullability(live.nullable === true)}, the plan says ${nullability(o.nullable)}`);
  const liveDefault = textOf(live.default);
  const sameDefault =
    o.default === undefined
      ? liveDefault === undefined
      : liveDefault !== undefined && sameExpression(o.default, liveDefault);
  if (!sameDefault) out.push(`default is ${liveDefault ?? 'none'}, the plan says ${o.default ?? 'none'}`);
  return out;
}

/** What SQL Server constraints cannot be: reported whatever the existing one is. */
function impossibleConstraint(o: Of<'constraint'>): string[] {
  const out: string[] = [];
  if (o.deferrable !== undefined)
    out.push('the plan says DEFERRABLE: SQL Server checks every constraint at the end of each statement');
  if (o.noInherit === true) out.push('the plan says NO INHERIT: SQL Server has no table inheritance');
  const ref = o.references;
  if (ref?.match === 'full') out.push('the plan says MATCH FULL: SQL Server foreign keys are MATCH SIMPLE only');
  if ((ref?.onDeleteColumns ?? []).length > 0)
    out.push('the plan sets only some key columns ON DELETE: SQL Server sets every column of the key');
  return out;
}

/** RESTRICT is NO ACTION in SQL Server: every constraint is checked immediately. */
const action = (plan: string): string => (plan === 'restrict' ? 'no_action' : plan);

function referenceDifferences(ref: NonNullable<Of<'constraint'>['references']>, live: Live): string[] {
  const out: string[] = [];
  if (live.same_references !== true) out.push(`it references ${show(live.ref_table)}, not ${ref.table}`);
  const refColumns = namesOf(live.ref_columns);
  if (!sameNames(ref.columns, refColumns))
    out.push(`it references columns ${show(refColumns)}, the plan says ${show(ref.columns)}`);
  const onDelete = (textOf(live.on_delete) ?? '').toLowerCase();
  const onUpdate = (textOf(live.on_update) ?? '').toLowerCase();
  if (ref.onDelete !== undefined && action(ref.onDelete) !== onDelete)
    out.push(`ON DELETE is ${onDelete}, the plan says ${ref.onDelete}`);
  if (ref.onUpdate !== undefined && action(ref.onUpdate) !== onUpdate)
    out.push(`ON UPDATE is ${onUpdate}, the plan says ${ref.onUpdate}`);
  return out;
}

function constraintDifferences(o: Of<'constraint'>, live: Live): string[] {
  const type = CONSTRAINT_TYPES[String(live.type)] ?? String(live.type);
  if (o.type !== undefined && type !== o.type)
    return [`it is a ${type} constraint, the plan adds a ${o.type} constraint`];
  const out = impossibleConstraint(o);
  const expression = textOf(live.expression);
  if (o.expression !== undefined && (expression === undefined || !sameExpression(o.expression, expression)))
    out.push(`its condition is ${expression ?? 'none'}, the plan says ${o.expression}`);
  const columns = namesOf(live.columns);
  if (o.columns && type !== 'check' && !sameNames(o.columns, columns))
    out.push(`its columns are ${show(columns)}, the plan says ${show(o.columns)}`);
  if (live.disabled === true) out.push('it is disabled (NOCHECK CONSTRAINT): new rows are not checked');
  if (o.validated === true && live.not_trusted === true)
    out.push(
      "it is not trusted (existing rows were never checked), the plan's is validated: " +
        'ALTER TABLE … WITH CHECK CHECK CONSTRAINT it first, or drop it',
    );
  if (o.references) out.push(...referenceDifferences(o.references, live));
  return out;
}

function materializedViewDifferences(o: Of<'materialized view'>, live: Live): string[] {
  if (live.type !== 'V') return [`it is ${objectType(live)}, not an indexed view`];
  if (live.schema_bound !== true) return ['it is a view without SCHEMABINDING, which cannot be indexed'];
  if (o.query === undefined) return [];
  const query = indexedViewQuery(o.query);
  if ('unsupported' in query) return [`the plan's query cannot be an indexed view: ${query.unsupported}`];
  // The text the create step gives CREATE VIEW, which SQL Server keeps as written.
  const planned = `CREATE VIEW ${qualified(o.name)} WITH SCHEMABINDING AS\n${query.text}\n`;
  const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim();
  const definition = textOf(live.definition) ?? '';
  return squeeze(planned) === squeeze(definition)
    ? []
    : [`its definition is not the plan's (the server keeps: ${squeeze(definition)})`];
}

interface LiveTableColumn extends LiveColumnType {
  name: string;
  type_id?: unknown;
  nullable?: unknown;
}

/** Same columns (names, types with their sizes, nullability); constraints and defaults are not compared. */
function tableDifferences(o: Of<'table'>, live: Live): string[] {
  if (live.type !== 'U') return [`it is ${objectType(live)}, not a table`];
  const columns = Array.isArray(live.columns) ? (live.columns as LiveTableColumn[]) : [];
  const planned = Array.isArray(live.planned) ? (live.planned as { name: string; type_id?: unknown }[]) : [];
  const out: string[] = [];
  for (const p of o.columns ?? []) {
    const c = columns.find((l) => sameName(l.name, p.name));
    if (!c) {
      out.push(`it has no column ${p.name}`);
      continue;
    }
    const typeId = planned.find((t) => sameName(t.name, p.name))?.type_id;
    if (!sameColumnType(p.type, typeId !== undefined && typeId !== null && typeId === c.type_id, c))
      out.push(`column ${p.name} is ${liveType(c)}, the plan says ${p.type}`);
    if (p.nullable !== (c.nullable === true))
      out.push(`column ${p.name} is ${nullability(c.nullable === true)}, the plan says ${nullability(p.nullable)}`);
  }
  const extra = columns.filter((c) => !(o.columns ?? []).some((p) => sameName(p.name, c.name))).map((c) => c.name);
  if (o.columns && extra.length > 0) out.push(`it has columns the plan does not: ${extra.join(', ')}`);
  return out;
}

/** Every way the existing object differs from the plan's definition; empty when it matches. */
export function definitionDifferences(o: DbObject, row: Record<string, unknown>): string[] {
  const live = liveObject(row);
  switch (o.kind) {
    case 'column':
      return columnDifferences(o, live);
    case 'index':
      return indexDifferences(o, live);
    case 'constraint':
      return constraintDifferences(o, live);
    case 'trigger':
      return ['schemashift does not take over a SQL Server trigger it did not write (its body cannot be compared)'];
    case 'function':
      return [`it is ${objectType(live)}: schemashift does not take over a routine it did not write`];
    case 'materialized view':
      return materializedViewDifferences(o, live);
    case 'table':
      return tableDifferences(o, live);
    case 'view':
      return live.type === 'V' ? [] : [`it is ${objectType(live)}, not a view`];
    case 'table property':
      return [];
    case 'extension':
    case 'foreign server':
    case 'user mapping':
    case 'schema':
      return ['schemashift does not manage linked servers on SQL Server'];
  }
}
