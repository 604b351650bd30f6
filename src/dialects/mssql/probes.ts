/**
 * SQL Server's catalog probes: each a query of one row and one bit column that says whether a
 * step's effect is in place. Tables are named as the plan writes them and resolved with OBJECT_ID,
 * so an unqualified name resolves to the session's default schema exactly as the step's statement
 * does. Indexes are named per table in SQL Server (not per schema), so they are looked up by name
 * in their table.
 */
import type { Probes } from '../probes.js';
import { bit } from './ddl-meta-sql.js';
import { objectDefinition } from './probes-definition.js';
import { definitionDifferences } from './probes-differences.js';
import { mismatchCountSql } from './probes-mismatches.js';
import { typeIdSql } from './probes-types.js';
import { volatileCallsSql } from './probes-volatile.js';
import { literal, objectId } from './sql-names.js';

/** A row of sys.columns for the column that meets `extra` (SQL conditions on `c`). */
function column(table: string, name: string, ...extra: string[]): string {
  const where = [`c.object_id = ${objectId(table)}`, `c.name = ${literal(name)}`, ...extra];
  return `EXISTS (SELECT 1 FROM sys.columns AS c WHERE ${where.join(' AND ')})`;
}

const CONSTRAINT_TYPES = "o.type IN ('C', 'F', 'UQ', 'PK', 'D')";

function constraint(table: string, name: string): string {
  return (
    `EXISTS (SELECT 1 FROM sys.objects AS o WHERE o.parent_object_id = ${objectId(table)} ` +
    `AND o.name = ${literal(name)} AND ${CONSTRAINT_TYPES})`
  );
}

/**
 * CHECK and FOREIGN KEY constraints are validated when trusted (added or re-checked WITH CHECK)
 * and enabled; a UNIQUE or PRIMARY KEY constraint always is (its index holds every row).
 */
function validatedConstraint(table: string, name: string): string {
  const where = `parent_object_id = ${objectId(table)} AND name = ${literal(name)}`;
  return (
    `EXISTS (SELECT 1 FROM sys.check_constraints WHERE ${where} AND is_not_trusted = 0 AND is_disabled = 0 ` +
    `UNION ALL SELECT 1 FROM sys.foreign_keys WHERE ${where} AND is_not_trusted = 0 AND is_disabled = 0 ` +
    `UNION ALL SELECT 1 FROM sys.key_constraints WHERE ${where})`
  );
}

/**
 * A usable index: not disabled (ALTER INDEX … DISABLE keeps only its definition), not hypothetical
 * (a Tuning Advisor leftover without data), and not a resumable build that is paused
 * (sys.index_resumable_operations, SQL Server 2017+).
 */
function validIndex(index: string, table: string): string {
  const where = `object_id = ${objectId(table)} AND name = ${literal(index)}`;
  return (
    `EXISTS (SELECT 1 FROM sys.indexes WHERE ${where} AND is_disabled = 0 AND is_hypothetical = 0) ` +
    `AND NOT EXISTS (SELECT 1 FROM sys.index_resumable_operations WHERE ${where})`
  );
}

const anyIndex = (index: string, table: string): string =>
  `EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = ${objectId(table)} AND name = ${literal(index)})`;

function trigger(table: string, name: string): string {
  return `EXISTS (SELECT 1 FROM sys.triggers WHERE parent_id = ${objectId(table)} AND name = ${literal(name)})`;
}

/**
 * A table or a view by that name (U, V in sys.objects). A name held by another kind of object (a
 * function, a sequence) is not a relation: relationAbsent is true for it.
 */
const relation = (name: string): string =>
  `EXISTS (SELECT 1 FROM sys.objects WHERE object_id = ${objectId(name)} AND type IN ('U', 'V'))`;

/** Each probe is a whole one-bit SELECT: read as a scalar subquery. No probe at all is false. */
function anyOf(...probes: string[]): string {
  return probes.length === 0 ? bit('1 = 0') : bit(probes.map((p) => `(${p}) = 1`).join(' OR '));
}

export const mssqlProbes: Probes = {
  columnExists: (table, name) => bit(column(table, name)),
  columnExistsWithType: (table, name, type) => bit(column(table, name, `c.user_type_id = ${typeIdSql(type)}`)),
  columnAbsent: (table, name) => bit(`NOT ${column(table, name)}`),
  columnNotNull: (table, name) => bit(column(table, name, 'c.is_nullable = 0')),
  columnNullable: (table, name) => bit(column(table, name, 'c.is_nullable = 1')),
  columnHasType: (table, name, type) => bit(column(table, name, `c.user_type_id = ${typeIdSql(type)}`)),
  validIndexExists: (index, table) => bit(validIndex(index, table)),
  indexAbsent: (index, table) => bit(`NOT ${anyIndex(index, table)}`),
  constraintExists: (table, name) => bit(constraint(table, name)),
  constraintValidated: (table, name) => bit(validatedConstraint(table, name)),
  constraintAbsent: (table, name) => bit(`NOT ${constraint(table, name)}`),
  triggerExists: (table, name) => bit(trigger(table, name)),
  triggerAbsent: (table, name) => bit(`NOT ${trigger(table, name)}`),
  relationExists: (name) => bit(relation(name)),
  relationAbsent: (name) => bit(`NOT ${relation(name)}`),
  relationsSwapped: (building, retired) => bit(`${relation(retired)} AND NOT ${relation(building)}`),
  anyOf,
  objectDefinition,
  definitionDifferences,
  volatileCalls: volatileCallsSql,
  recentMismatches: mismatchCountSql,
};
