/**
 * Catalog queries that tell whether a step's effect is already in place. Each returns one row
 * with one boolean column. Tables are resolved with to_regclass, so search_path applies exactly as
 * it does for the step's own SQL.
 */
import type { Probes } from '../probes.js';
import { quoteLiteral as literal, quoteQualified as qualified } from './names.js';
import { objectDefinition } from './object-definition.js';
import { definitionDifferences } from './object-differences.js';
import { inTableSchema, regclass } from './regclass.js';
import { volatileCallsQuery } from './volatile-calls.js';

/** `pg_attribute` has a live row for the column that meets `extra` (SQL conditions on it). */
function attribute(table: string, column: string, ...extra: string[]): string {
  const where = [`attrelid = ${regclass(table)}`, `attname = ${literal(column)}`, ...extra];
  return `(SELECT 1 FROM pg_attribute WHERE ${where.join(' AND ')})`;
}

function constraint(table: string, name: string, ...extra: string[]): string {
  const where = [`conrelid = ${regclass(table)}`, `conname = ${literal(name)}`, ...extra];
  return `(SELECT 1 FROM pg_constraint WHERE ${where.join(' AND ')})`;
}

function trigger(table: string, name: string): string {
  return `(SELECT 1 FROM pg_trigger WHERE tgrelid = ${regclass(table)} AND tgname = ${literal(name)})`;
}

const hasType = (type: string) => `atttypid = to_regtype(${literal(type)})`;

function windowSql(millis: number): string {
  return millis % 1000 === 0 ? `interval '${millis / 1000} seconds'` : `interval '${millis} milliseconds'`;
}

export const postgresProbes: Probes = {
  columnExists: (table, column) => `SELECT EXISTS ${attribute(table, column, 'NOT attisdropped')}`,
  columnExistsWithType: (table, column, type) =>
    `SELECT EXISTS ${attribute(table, column, 'NOT attisdropped', hasType(type))}`,
  columnAbsent: (table, column) => `SELECT NOT EXISTS ${attribute(table, column, 'NOT attisdropped')}`,
  columnNotNull: (table, column) => `SELECT EXISTS ${attribute(table, column, 'attnotnull', 'NOT attisdropped')}`,
  columnNullable: (table, column) => `SELECT EXISTS ${attribute(table, column, 'NOT attnotnull', 'NOT attisdropped')}`,
  columnHasType: (table, column, type) =>
    `SELECT EXISTS ${attribute(table, column, hasType(type), 'NOT attisdropped')}`,
  validIndexExists: (index, table) =>
    `SELECT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = ${regclass(inTableSchema(index, table))} AND indisvalid)`,
  indexAbsent: (index, table) => `SELECT ${regclass(inTableSchema(index, table))} IS NULL`,
  constraintExists: (table, name) => `SELECT EXISTS ${constraint(table, name)}`,
  constraintValidated: (table, name) => `SELECT EXISTS ${constraint(table, name, 'convalidated')}`,
  constraintAbsent: (table, name) => `SELECT NOT EXISTS ${constraint(table, name)}`,
  triggerExists: (table, name) => `SELECT EXISTS ${trigger(table, name)}`,
  triggerAbsent: (table, name) => `SELECT NOT EXISTS ${trigger(table, name)}`,
  relationExists: (name) => `SELECT ${regclass(name)} IS NOT NULL`,
  relationAbsent: (name) => `SELECT ${regclass(name)} IS NULL`,
  relationsSwapped: (building, retired) => `SELECT ${regclass(retired)} IS NOT NULL AND ${regclass(building)} IS NULL`,
  anyOf: (...probes) => `SELECT ${probes.map((p) => `(${p})`).join(' OR ')}`,
  objectDefinition,
  definitionDifferences,
  volatileCalls: volatileCallsQuery,
  recentMismatches(table, sinceMs, repository) {
    const narrow = repository === undefined ? '' : ` AND repository = ${literal(repository)}`;
    return `SELECT count(*) FROM ${qualified(table)} WHERE at > now() - ${windowSql(sinceMs)}${narrow}`;
  },
};
