/**
 * create_table's constraints as neutral actions, each named: column shorthands get PostgreSQL's own
 * default names (`<table>_pkey`, `<table>_<column>_key|_check|_fkey`), shortened with a hash past
 * 63 bytes, so that the name in the plan output is the name in the catalog.
 */
import type { ConstraintIndexOptions, NewTableConstraint } from '../dialects/actions-create-table.js';
import type { ReferentialAction } from '../dialects/actions-table.js';
import { splitQualified } from '../dialects/dialect.js';
import type { z } from 'zod';
import type { createTableFields, TableConstraintSpec } from './create-table-schema.js';
import { boundedName } from './sync-trigger.js';

type Spec = z.output<typeof createTableFields>;

function withTiming<T extends object>(
  c: T,
  spec: { deferrable: boolean; initially_deferred: boolean },
): T & { deferrable?: boolean; initiallyDeferred?: boolean } {
  if (!spec.deferrable) return c;
  return { ...c, deferrable: true, initiallyDeferred: spec.initially_deferred };
}

function indexOptions(
  p:
    | {
        tablespace?: string | undefined;
        storage_parameters?: Record<string, string | number | boolean> | undefined;
        include?: string[] | undefined;
      }
    | undefined,
): ConstraintIndexOptions | undefined {
  if (!p) return undefined;
  const o: ConstraintIndexOptions = {};
  if (p.include) o.include = p.include;
  if (p.storage_parameters) o.with = p.storage_parameters;
  if (p.tablespace !== undefined) o.tablespace = p.tablespace;
  return o;
}

function foreignKey(
  name: string,
  columns: string[],
  ref: {
    table: string;
    columns?: string[] | undefined;
    on_delete?: ReferentialAction | undefined;
    on_update?: ReferentialAction | undefined;
    match?: 'simple' | 'full' | undefined;
  },
): NewTableConstraint {
  const c: Extract<NewTableConstraint, { type: 'foreign key' }> = {
    type: 'foreign key',
    name,
    columns,
    references: ref.columns ? { table: ref.table, columns: ref.columns } : { table: ref.table },
  };
  if (ref.on_delete) c.onDelete = ref.on_delete;
  if (ref.on_update) c.onUpdate = ref.on_update;
  if (ref.match === 'full') c.match = 'full';
  return c;
}

/** The primary key of `pk: true` columns, then each column's unique, check and references, in column order. */
export function columnConstraints(spec: Spec): NewTableConstraint[] {
  const table = splitQualified(spec.name).name;
  const pk = spec.columns.filter((c) => c.pk).map((c) => c.name);
  const out: NewTableConstraint[] =
    pk.length > 0 ? [{ type: 'primary key', name: boundedName(table, 'pkey'), columns: pk }] : [];
  for (const c of spec.columns) {
    if (c.unique) out.push({ type: 'unique', name: boundedName(table, c.name, 'key'), columns: [c.name] });
    if (typeof c.check === 'string')
      out.push({ type: 'check', name: boundedName(table, c.name, 'check'), expression: c.check });
    else if (c.check) {
      const check: NewTableConstraint = {
        type: 'check',
        name: c.check.name ?? boundedName(table, c.name, 'check'),
        expression: c.check.constraint,
      };
      if (c.check.no_inherit) check.noInherit = true;
      out.push(check);
    }
    if (c.references) {
      const { column, name, ...ref } = c.references;
      const fkName = name ?? boundedName(table, c.name, 'fkey');
      out.push(foreignKey(fkName, [c.name], column === undefined ? ref : { ...ref, columns: [column] }));
    }
  }
  return out;
}

function tableConstraint(c: TableConstraintSpec): NewTableConstraint {
  switch (c.type) {
    case 'check':
      return c.no_inherit
        ? { type: 'check', name: c.name, expression: c.check, noInherit: true }
        : { type: 'check', name: c.name, expression: c.check };
    case 'unique': {
      const u: Extract<NewTableConstraint, { type: 'unique' }> = { type: 'unique', name: c.name, columns: c.columns };
      if (c.nulls_not_distinct) u.nullsNotDistinct = true;
      const index = indexOptions(c.index_parameters);
      if (index) u.index = index;
      return withTiming(u, c);
    }
    case 'primary_key': {
      const p: Extract<NewTableConstraint, { type: 'primary key' }> = {
        type: 'primary key',
        name: c.name,
        columns: c.columns,
      };
      const index = indexOptions(c.index_parameters);
      if (index) p.index = index;
      return withTiming(p, c);
    }
    case 'foreign_key':
      return withTiming(foreignKey(c.name, c.columns, c.references), c);
  }
}

export function tableConstraints(spec: Spec): NewTableConstraint[] {
  return spec.constraints.map(tableConstraint);
}
