/**
 * The statements schemashift/app sends through the application's own SQL Server client. Their
 * parameters are named @p1, @p2, …, which is what a SQL Server client binds (mssql/tedious:
 * request.input('p1', value); ADO.NET: a SqlParameter "@p1"), not `$1`: in T-SQL `$1` is a money
 * literal, so a client passing the text through unchanged would write 1.00 instead of failing.
 * A client adapter that rewrites `$n` to `@pn` (as schemashift's own driver does) leaves `@pn`
 * as it is, so both kinds of adapter work. JSON parameters are nvarchar text, checked by ISJSON.
 */
import type { AppStateSql } from '../state.js';
import { qualified } from './sql-names.js';

export const mssqlAppState: AppStateSql = {
  readFlags: (table) => `SELECT id, definition FROM ${qualified(table)} ORDER BY id`,
  insertMismatch: (table) =>
    `INSERT INTO ${qualified(table)} (repository, method, args, old_result, new_result, error) ` +
    'VALUES (@p1, @p2, @p3, @p4, @p5, @p6)',
};
