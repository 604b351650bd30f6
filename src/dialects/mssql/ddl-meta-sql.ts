/**
 * T-SQL pieces shared by the table, rename, metadata and view renderers: one-bit probes, THROW
 * guards, the schema an object name resolves to, and dynamic SQL built from catalog names.
 */
import { splitQualified } from '../dialect.js';
import { literal, objectId } from './sql-names.js';

/** A one-row, one-bit probe. */
export const bit = (condition: string): string => `SELECT CAST(CASE WHEN ${condition} THEN 1 ELSE 0 END AS bit)`;

/**
 * THROW a user error (50000): the batch stops and the runner rolls the step's transaction back.
 * `message` is SQL text (a literal or an nvarchar variable, at most 2,048 characters).
 */
export const throwSql = (message: string): string => `THROW 50000, ${message}, 1`;

/**
 * The schema `name` lives in, as SQL: the plan's schema when it names one, else the schema SQL Server
 * resolves the unqualified name to (the user's default schema, then dbo), read from the object itself.
 */
export function schemaOfSql(name: string): string {
  const { schema } = splitQualified(name);
  return schema === undefined ? `OBJECT_SCHEMA_NAME(${objectId(name)})` : literal(schema);
}

/** `name` with the schema of `sibling` (as qualified as the plan wrote `sibling`): a rename keeps the schema. */
export function inSchemaOf(sibling: string, name: string): string {
  const { schema } = splitQualified(sibling);
  return schema === undefined ? name : `${schema}.${name}`;
}

/**
 * EXEC (…) takes only literals and variables, not function calls (EXECUTE, "Execute a character
 * string"): text built with QUOTENAME goes through a variable and sys.sp_executesql.
 */
export function execBuilt(variable: string, expression: string): string {
  return `SET ${variable} = ${expression};\nEXEC sys.sp_executesql ${variable}`;
}

/** `EXEC sys.sp_rename` of an object (a table, view or constraint): `objname` is SQL (a literal or variable). */
export function renameObjectSql(objname: string, newName: string, objtype: 'OBJECT' | 'INDEX'): string {
  return `EXEC sys.sp_rename @objname = ${objname}, @newname = ${literal(newName)}, @objtype = N'${objtype}'`;
}

/** Statements in one transaction that any error rolls back whole (SET XACT_ABORT ON). */
export function atomically(statements: string[]): string {
  return ['SET XACT_ABORT ON', 'BEGIN TRANSACTION', ...statements, 'COMMIT TRANSACTION'].join(';\n');
}
