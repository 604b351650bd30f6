/**
 * Catalog queries that tell whether a step's effect is already in place. Each returns one row
 * with one boolean column. Tables are resolved with to_regclass, so search_path applies exactly as
 * it does for the step's own SQL.
 */
import type { Dialect } from '../dialects/dialect.js';
import { splitQualified } from '../dialects/dialect.js';

function regclass(d: Dialect, table: string): string {
  return `to_regclass(${d.literal(d.qualified(table))})`;
}

export function columnExists(d: Dialect, table: string, column: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${regclass(d, table)} AND attname = ${d.literal(column)} AND NOT attisdropped)`;
}

/** The column exists with this type (typmod aside): a column of another type is not "done". */
export function columnExistsWithType(d: Dialect, table: string, column: string, type: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${regclass(d, table)} AND attname = ${d.literal(column)} AND NOT attisdropped AND atttypid = to_regtype(${d.literal(type)}))`;
}

export function columnAbsent(d: Dialect, table: string, column: string): string {
  return `SELECT NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${regclass(d, table)} AND attname = ${d.literal(column)} AND NOT attisdropped)`;
}

export function columnNotNull(d: Dialect, table: string, column: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${regclass(d, table)} AND attname = ${d.literal(column)} AND attnotnull AND NOT attisdropped)`;
}

export function columnNullable(d: Dialect, table: string, column: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${regclass(d, table)} AND attname = ${d.literal(column)} AND NOT attnotnull AND NOT attisdropped)`;
}

/** A *valid* index by that name; an INVALID leftover of a failed CONCURRENTLY build does not count. */
export function validIndexExists(d: Dialect, index: string, table: string): string {
  const { schema } = splitQualified(table);
  const qualifiedIndex = schema === undefined ? index : `${schema}.${index}`;
  return `SELECT EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = ${regclass(d, qualifiedIndex)} AND indisvalid)`;
}

export function indexAbsent(d: Dialect, index: string, table: string): string {
  const { schema } = splitQualified(table);
  const qualifiedIndex = schema === undefined ? index : `${schema}.${index}`;
  return `SELECT ${regclass(d, qualifiedIndex)} IS NULL`;
}

export function constraintExists(d: Dialect, table: string, constraint: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ${regclass(d, table)} AND conname = ${d.literal(constraint)})`;
}

export function constraintValidated(d: Dialect, table: string, constraint: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ${regclass(d, table)} AND conname = ${d.literal(constraint)} AND convalidated)`;
}

export function constraintAbsent(d: Dialect, table: string, constraint: string): string {
  return `SELECT NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ${regclass(d, table)} AND conname = ${d.literal(constraint)})`;
}

export function triggerExists(d: Dialect, table: string, trigger: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = ${regclass(d, table)} AND tgname = ${d.literal(trigger)})`;
}

export function triggerAbsent(d: Dialect, table: string, trigger: string): string {
  return `SELECT NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = ${regclass(d, table)} AND tgname = ${d.literal(trigger)})`;
}

export function relationExists(d: Dialect, name: string): string {
  return `SELECT ${regclass(d, name)} IS NOT NULL`;
}

export function relationAbsent(d: Dialect, name: string): string {
  return `SELECT ${regclass(d, name)} IS NULL`;
}

/** True when any of the given probes is true: an effect can be in place in more than one shape. */
export function anyOf(...probes: string[]): string {
  return `SELECT ${probes.map((p) => `(${p})`).join(' OR ')}`;
}

/** The column exists with this base type (a typmod such as varchar(255) is not compared). */
export function columnHasType(d: Dialect, table: string, column: string, type: string): string {
  return `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = ${regclass(d, table)} AND attname = ${d.literal(column)} AND atttypid = to_regtype(${d.literal(type)}) AND NOT attisdropped)`;
}

/** After a build-beside swap: the old relation is parked under `retired` and `building` is gone. */
export function relationsSwapped(d: Dialect, building: string, retired: string): string {
  return `SELECT ${regclass(d, retired)} IS NOT NULL AND ${regclass(d, building)} IS NULL`;
}
