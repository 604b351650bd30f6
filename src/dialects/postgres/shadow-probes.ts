/**
 * The catalog checks the shadow renderers attach to their statements. They are read through the
 * operations' probe shim until the probes are methods of `postgresProbes`; then this file becomes
 * `export const shadowProbes = postgresProbes`.
 */
import * as catalog from '../../operations/catalog-probes.js';
import type { Dialect } from '../dialect.js';
import { postgresNames } from './names.js';
import { postgresProbes } from './probes.js';

// Not `postgres` itself: that module assembles the renderers that import this one.
const pg = { ...postgresNames, probes: postgresProbes } as unknown as Dialect;

export const shadowProbes = {
  anyOf: catalog.anyOf,
  columnAbsent: (table: string, column: string) => catalog.columnAbsent(pg, table, column),
  columnHasType: (table: string, column: string, type: string) => catalog.columnHasType(pg, table, column, type),
  columnNotNull: (table: string, column: string) => catalog.columnNotNull(pg, table, column),
  columnNullable: (table: string, column: string) => catalog.columnNullable(pg, table, column),
  constraintAbsent: (table: string, name: string) => catalog.constraintAbsent(pg, table, name),
  constraintExists: (table: string, name: string) => catalog.constraintExists(pg, table, name),
  constraintValidated: (table: string, name: string) => catalog.constraintValidated(pg, table, name),
  relationAbsent: (name: string) => catalog.relationAbsent(pg, name),
  relationExists: (name: string) => catalog.relationExists(pg, name),
  relationsSwapped: (building: string, retired: string) => catalog.relationsSwapped(pg, building, retired),
  triggerAbsent: (table: string, trigger: string) => catalog.triggerAbsent(pg, table, trigger),
  triggerExists: (table: string, trigger: string) => catalog.triggerExists(pg, table, trigger),
  validIndexExists: (index: string, table: string) => catalog.validIndexExists(pg, index, table),
};
