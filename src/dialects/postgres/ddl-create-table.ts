/** CREATE TABLE (with its constraints and comments, in one transaction) and DROP TABLE in PostgreSQL. */
import type { ActionRenderer, Rendered } from '../actions.js';
import type {
  ConstraintIndexOptions,
  ConstraintTiming,
  CreateTableAction,
  CreateTableActions,
  NewTableColumn,
  NewTableConstraint,
} from '../actions-create-table.js';
import type { ReferentialAction } from '../actions-table.js';
import { lockOf } from './lock-modes.js';
import { quoteIdent as ident, quoteLiteral as literal, quoteQualified as qualified } from './names.js';
import { postgresProbes as probes } from './probes.js';
import { regclass } from './regclass.js';
import { catalogType } from './serial-types.js';
import { dropTableGuardSql } from './table-dependents.js';

const identList = (names: string[]): string => names.map(ident).join(', ');

function columnSql(c: NewTableColumn): string {
  const parts = [`${ident(c.name)} ${c.type}`];
  if (c.identity) {
    const options = [
      ...(c.identity.start === undefined ? [] : [`START WITH ${c.identity.start}`]),
      ...(c.identity.increment === undefined ? [] : [`INCREMENT BY ${c.identity.increment}`]),
    ];
    parts.push(
      `GENERATED ${c.identity.always ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY` +
        (options.length > 0 ? ` (${options.join(' ')})` : ''),
    );
  }
  if (c.generated !== undefined) parts.push(`GENERATED ALWAYS AS (${c.generated}) STORED`);
  if (c.default !== undefined) parts.push(`DEFAULT (${c.default})`);
  if (c.notNull) parts.push('NOT NULL');
  return parts.join(' ');
}

function storageValue(value: string | number | boolean): string {
  return typeof value === 'string' ? literal(value) : String(value);
}

function indexOptionsSql(o: ConstraintIndexOptions | undefined): string {
  if (!o) return '';
  const parts: string[] = [];
  if (o.include && o.include.length > 0) parts.push(`INCLUDE (${identList(o.include)})`);
  const params = Object.entries(o.with ?? {});
  if (params.length > 0) parts.push(`WITH (${params.map(([k, v]) => `${ident(k)} = ${storageValue(v)}`).join(', ')})`);
  if (o.tablespace !== undefined) parts.push(`USING INDEX TABLESPACE ${ident(o.tablespace)}`);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

function timingSql(t: ConstraintTiming): string {
  if (!t.deferrable) return '';
  return ` DEFERRABLE INITIALLY ${t.initiallyDeferred ? 'DEFERRED' : 'IMMEDIATE'}`;
}

const referential = (a: ReferentialAction): string => a.replace('_', ' ').toUpperCase();

function constraintBody(c: NewTableConstraint): string {
  switch (c.type) {
    case 'primary key':
      return `PRIMARY KEY (${identList(c.columns)})${indexOptionsSql(c.index)}${timingSql(c)}`;
    case 'unique':
      return (
        `UNIQUE${c.nullsNotDistinct ? ' NULLS NOT DISTINCT' : ''} (${identList(c.columns)})` +
        `${indexOptionsSql(c.index)}${timingSql(c)}`
      );
    case 'check':
      return `CHECK (${c.expression})${c.noInherit ? ' NO INHERIT' : ''}`;
    case 'foreign key': {
      const target = c.references.columns ? ` (${identList(c.references.columns)})` : '';
      const parts = [`FOREIGN KEY (${identList(c.columns)}) REFERENCES ${qualified(c.references.table)}${target}`];
      if (c.match === 'full') parts.push('MATCH FULL');
      if (c.onDelete) parts.push(`ON DELETE ${referential(c.onDelete)}`);
      if (c.onUpdate) parts.push(`ON UPDATE ${referential(c.onUpdate)}`);
      return parts.join(' ') + timingSql(c);
    }
  }
}

function createTableSql(a: CreateTableAction): string {
  const elements = [
    ...a.columns.map(columnSql),
    ...a.constraints.map((c) => `CONSTRAINT ${ident(c.name)} ${constraintBody(c)}`),
  ];
  const statements = [`CREATE TABLE ${qualified(a.name)} (\n  ${elements.join(',\n  ')}\n)`];
  if (a.comment !== undefined) statements.push(`COMMENT ON TABLE ${qualified(a.name)} IS ${literal(a.comment)}`);
  for (const c of a.columns) {
    if (c.comment !== undefined)
      statements.push(`COMMENT ON COLUMN ${qualified(a.name)}.${ident(c.name)} IS ${literal(c.comment)}`);
  }
  return statements.join(';\n');
}

/** The table exists as an ordinary table with exactly the plan's columns (names and types, typmods aside). */
export function tableWithColumnsProbe(name: string, columns: { name: string; type: string }[]): string {
  const rel = regclass(name);
  const planned = columns.map((c) => `(${literal(c.name)}, ${literal(catalogType(c.type))})`).join(', ');
  const live = `pg_attribute a WHERE a.attrelid = ${rel} AND a.attnum > 0 AND NOT a.attisdropped`;
  return (
    `SELECT EXISTS (SELECT 1 FROM pg_class WHERE oid = ${rel} AND relkind IN ('r', 'p')) ` +
    `AND (SELECT count(*) FROM ${live}) = ${columns.length} ` +
    `AND NOT EXISTS (SELECT 1 FROM (VALUES ${planned}) AS p(name, type) WHERE NOT EXISTS ` +
    `(SELECT 1 FROM ${live} AND a.attname = p.name AND a.atttypid = to_regtype(p.type)))`
  );
}

/** A foreign key locks the referenced table SHARE ROW EXCLUSIVE (its triggers are installed there). */
function referencedTables(a: CreateTableAction): string[] {
  const tables = a.constraints.flatMap((c) => (c.type === 'foreign key' ? [c.references.table] : []));
  return [...new Set(tables)].filter((t) => t !== a.name);
}

function createTable(a: CreateTableAction): Rendered {
  const referenced = referencedTables(a);
  return {
    sql: createTableSql(a),
    lock: referenced.length > 0 ? lockOf('SHARE ROW EXCLUSIVE', referenced) : lockOf('none', []),
    transactional: true,
    probe: tableWithColumnsProbe(a.name, a.columns),
  };
}

export const createTableDdl: ActionRenderer<CreateTableActions> = {
  'create-table': createTable,
  'drop-table': (a) => ({
    sql: `${dropTableGuardSql(a.name)};\nDROP TABLE IF EXISTS ${qualified(a.name)}`,
    lock: lockOf('ACCESS EXCLUSIVE', [a.name]),
    transactional: true,
    probe: probes.relationAbsent(a.name),
  }),
};
