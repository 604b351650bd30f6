/**
 * Turns a structure read by rehearse-catalog.ts into one SQL script that rebuilds it in a scratch
 * database: schemas, enum types, sequences, tables with their keys, N generated rows per table
 * (parents before children, foreign key columns drawn from the parent's rows), then foreign keys,
 * indexes, and the views and materialized views the plan touches.
 */
import { UsageError } from '../../errors.js';
import { postgresNames as postgres } from './names.js';
import type { ColumnInfo, RelationInfo, SourceStructure } from './rehearse-catalog.js';
import { valueSql } from './rehearse-values.js';

const ident = (name: string) => postgres.ident(name);
const qualified = (rel: { schema: string; name: string }) => `${ident(rel.schema)}.${ident(rel.name)}`;
const NEXTVAL = /nextval\('((?:[^']|'')+)'::regclass\)/g;

function columnDdl(col: ColumnInfo): string {
  const parts = [ident(col.name), col.type];
  if (col.identity) parts.push(`GENERATED ${col.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`);
  else if (col.generated === 's' && col.default !== null) parts.push(`GENERATED ALWAYS AS (${col.default}) STORED`);
  else if (col.default !== null) parts.push(`DEFAULT (${col.default})`);
  if (col.notNull) parts.push('NOT NULL');
  return parts.join(' ');
}

function createTable(rel: RelationInfo): string {
  const keys = rel.constraints.filter((c) => c.kind !== 'f').map((c) => `CONSTRAINT ${ident(c.name)} ${c.definition}`);
  return `CREATE TABLE ${qualified(rel)} (\n  ${[...rel.columns.map(columnDdl), ...keys].join(',\n  ')}\n)`;
}

/** Sequences that column defaults draw from (serial columns), as the catalog spells them. */
function sequences(tables: RelationInfo[]): string[] {
  const names = tables.flatMap((t) =>
    t.columns.flatMap((c) =>
      c.default === null || c.generated
        ? []
        : [...c.default.matchAll(NEXTVAL)].map((m) => (m[1] ?? '').replaceAll("''", "'")),
    ),
  );
  return [...new Set(names)].map((name) => `CREATE SEQUENCE IF NOT EXISTS ${name}`);
}

function uniqueColumns(rel: RelationInfo): Set<string> {
  const keyed = [
    ...rel.constraints.filter((c) => c.kind !== 'f').map((c) => c.columns),
    ...rel.indexes.filter((i) => i.unique).map((i) => i.columns),
  ];
  return new Set(keyed.flat());
}

interface ForeignValues {
  joins: string[];
  /** child column → the parent column expression it takes. */
  values: Map<string, string>;
}

/** Each foreign key joins the parent's rows, numbered, so row g takes parent row ((g - 1) mod count) + 1. */
function foreignValues(rel: RelationInfo, byOid: Map<string, RelationInfo>): ForeignValues {
  const joins: string[] = [];
  const values = new Map<string, string>();
  rel.constraints
    .filter((c) => c.kind === 'f')
    .forEach((fk, i) => {
      if (fk.references === rel.oid) {
        const required = fk.columns.find((c) => rel.columns.find((col) => col.name === c)?.notNull);
        if (required)
          throw new UsageError(
            `--schema-from: ${rel.name}.${required} is NOT NULL and references ${rel.name} itself, so generated ` +
              `rows cannot satisfy it`,
            'seed the rehearsal from a SQL file instead (--seed seed.sql)',
          );
        fk.columns.forEach((c) => values.set(c, 'NULL'));
        return;
      }
      const parent = byOid.get(fk.references ?? '');
      if (!parent) return;
      const alias = `fk${i + 1}`;
      const cols = fk.refColumns.map(ident).join(', ');
      joins.push(
        `JOIN (SELECT ${cols}, row_number() OVER (ORDER BY ${cols}) AS rn FROM ${qualified(parent)}) ` +
          `AS ${alias} ON ${alias}.rn = (g - 1) % (SELECT count(*) FROM ${qualified(parent)}) + 1`,
      );
      fk.columns.forEach((c, k) => values.has(c) || values.set(c, `${alias}.${ident(fk.refColumns[k] ?? c)}`));
    });
  return { joins, values };
}

function insertRows(rel: RelationInfo, byOid: Map<string, RelationInfo>, rows: number): string {
  const unique = uniqueColumns(rel);
  const { joins, values } = foreignValues(rel, byOid);
  const names: string[] = [];
  const exprs: string[] = [];
  for (const col of rel.columns.filter((c) => c.default === null && !c.identity && !c.generated)) {
    const fromParent = values.get(col.name);
    const value =
      fromParent === undefined
        ? valueSql(col, unique.has(col.name), `${rel.name}.${col.name}`)
        : col.notNull || unique.has(col.name) || fromParent === 'NULL'
          ? fromParent
          : `CASE WHEN g % 10 = 0 THEN NULL ELSE ${fromParent} END`;
    if (value === null && col.notNull) {
      throw new UsageError(
        `--schema-from: no generator for ${rel.name}.${col.name} of type ${col.type} (NOT NULL, no default)`,
        'seed the rehearsal from a SQL file instead (--seed seed.sql), or give the column a default',
      );
    }
    if (value === null) continue;
    names.push(ident(col.name));
    exprs.push(value);
  }
  const target = names.length > 0 ? `${qualified(rel)} (${names.join(', ')})` : qualified(rel);
  return (
    `INSERT INTO ${target} SELECT ${exprs.join(', ')} FROM generate_series(1, ${rows}) AS ` +
    `g${joins.map((j) => `\n  ${j}`).join('')}`
  );
}

function createView(rel: RelationInfo): string[] {
  const body = (rel.viewDefinition ?? '').trim().replace(/;$/, '');
  if (rel.kind === 'view') return [`CREATE VIEW ${qualified(rel)} AS\n${body}`];
  return [`CREATE MATERIALIZED VIEW ${qualified(rel)} AS\n${body}`, ...rel.indexes.map((i) => i.definition)];
}

/** The whole script; run it on an empty database. */
export function seedScript(structure: SourceStructure, rows: number): string {
  const tables = structure.relations.filter((r) => r.kind === 'table');
  const byOid = new Map(structure.relations.map((r) => [r.oid, r]));
  const schemas = [
    ...new Set([...structure.relations.map((r) => r.schema), ...structure.enums.map((e) => e.schema)]),
  ].filter((s) => s !== 'public');
  const statements = [
    ...schemas.map((s) => `CREATE SCHEMA IF NOT EXISTS ${ident(s)}`),
    ...structure.enums.map(
      (e) => `CREATE TYPE ${e.name} AS ENUM (${e.labels.map((l) => postgres.literal(l)).join(', ')})`,
    ),
    ...sequences(tables),
    ...tables.map(createTable),
    ...(rows > 0 ? tables.map((t) => insertRows(t, byOid, rows)) : []),
    ...tables.flatMap((t) =>
      t.constraints
        .filter((c) => c.kind === 'f')
        .map((c) => `ALTER TABLE ${qualified(t)} ADD CONSTRAINT ${ident(c.name)} ${c.definition}`),
    ),
    ...tables.flatMap((t) => t.indexes.map((i) => i.definition)),
    tables.length > 0 ? `ANALYZE ${tables.map(qualified).join(', ')}` : 'ANALYZE',
    ...structure.relations.filter((r) => r.kind !== 'table').flatMap(createView),
  ];
  return `${statements.join(';\n')};\n`;
}
