/** One-row, one-bit catalog probes for the DDL renderers: true when an action's effect is in place. */
import { literal, objectId } from './sql-names.js';

const bit = (condition: string): string => `SELECT CAST(CASE WHEN ${condition} THEN 1 ELSE 0 END AS bit)`;

const column = (table: string, name: string): string =>
  `EXISTS (SELECT 1 FROM sys.columns WHERE object_id = ${objectId(table)} AND name = ${literal(name)})`;

const constraint = (table: string, name: string): string =>
  `EXISTS (SELECT 1 FROM sys.objects WHERE parent_object_id = ${objectId(table)} AND name = ${literal(name)} ` +
  `AND type IN ('C', 'F', 'UQ', 'PK', 'D'))`;

/** A paused resumable build is listed in sys.index_resumable_operations: not done yet. */
const index = (table: string, name: string): string =>
  `EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = ${objectId(table)} AND name = ${literal(name)} ` +
  `AND is_disabled = 0) AND NOT EXISTS (SELECT 1 FROM sys.index_resumable_operations ` +
  `WHERE object_id = ${objectId(table)} AND name = ${literal(name)})`;

export const mssqlProbes = {
  columnExists: (table: string, name: string) => bit(column(table, name)),
  columnAbsent: (table: string, name: string) => bit(`NOT ${column(table, name)}`),
  constraintExists: (table: string, name: string) => bit(constraint(table, name)),
  constraintAbsent: (table: string, name: string) => bit(`NOT ${constraint(table, name)}`),
  /** Trusted (WITH CHECK): the optimizer relies on it and existing rows were checked. */
  constraintTrusted: (table: string, name: string) =>
    bit(
      `EXISTS (SELECT 1 FROM sys.check_constraints WHERE parent_object_id = ${objectId(table)} ` +
        `AND name = ${literal(name)} AND is_not_trusted = 0 AND is_disabled = 0 UNION ALL ` +
        `SELECT 1 FROM sys.foreign_keys WHERE parent_object_id = ${objectId(table)} ` +
        `AND name = ${literal(name)} AND is_not_trusted = 0 AND is_disabled = 0)`,
    ),
  indexExists: (table: string, name: string, orConstraint?: string) =>
    bit(
      orConstraint === undefined ? index(table, name) : `(${index(table, name)}) OR ${constraint(table, orConstraint)}`,
    ),
  indexAbsent: (table: string, name: string) =>
    bit(`NOT EXISTS (SELECT 1 FROM sys.indexes WHERE object_id = ${objectId(table)} AND name = ${literal(name)})`),
};
