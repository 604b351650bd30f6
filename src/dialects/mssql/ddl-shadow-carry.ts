/**
 * Attachments carried to the replacement column in T-SQL: its collation (ALTER COLUMN restating the
 * plan's type, nullability as the catalog has it), its comment (the MS_Description extended property
 * SQL Server tools show), its column privileges (GRANT … (column)).
 */
import type { ActionRenderer, Unsupported } from '../actions.js';
import type { CarryAction, Grantee } from '../actions-shadow.js';
import { splitQualified } from '../dialect.js';
import { ident, literal, objectId, qualified } from './sql-names.js';
import { mssqlLock } from './ddl-locks.js';

/** SQL Server collation names are single words (Latin1_General_100_CI_AS_SC_UTF8); no schema. */
const COLLATION = /^[A-Za-z0-9_]+$/;

/** The privileges SQL Server grants per column (GRANT, "object permissions"); others are table-wide. */
const COLUMN_PRIVILEGES = new Set(['SELECT', 'UPDATE', 'REFERENCES']);

/** `public` is the role every user belongs to; a role name is always bracketed. */
const grantee = (g: Grantee): string => ('public' in g ? '[public]' : ident(g.role));

/** Unlike PostgreSQL, the new type is restated whole; the column's nullability is kept from the catalog. */
function setCollation(a: Extract<CarryAction, { kind: 'set-column-collation' }>) {
  if (!COLLATION.test(a.collation)) {
    return {
      unsupported: `${a.collation} is not a SQL Server collation name (one word, e.g. Latin1_General_100_CI_AS_SC_UTF8)`,
      instead: 'name the collation as sys.fn_helpcollations() lists it',
    };
  }
  const head = literal(
    `ALTER TABLE ${qualified(a.table)} ALTER COLUMN ${ident(a.column)} ${a.type} COLLATE ${a.collation}`,
  );
  const nullable = `(SELECT is_nullable FROM sys.columns WHERE object_id = ${objectId(a.table)} AND name = ${literal(a.column)})`;
  return {
    sql: [
      `DECLARE @alter nvarchar(max) = ${head} + CASE ${nullable} WHEN 0 THEN N' NOT NULL' ELSE N' NULL' END;`,
      'EXEC sys.sp_executesql @alter;',
    ].join('\n'),
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
  };
}

/** N'…' with each line break as NCHAR(13)/NCHAR(10): no line of the script can read as a GO separator. */
export function singleLineLiteral(value: string): string {
  const parts = value.split(/(\r\n|\r|\n)/);
  const sql = parts.map((p, i) =>
    i % 2 === 1 ? (p === '\r\n' ? 'NCHAR(13) + NCHAR(10)' : p === '\r' ? 'NCHAR(13)' : 'NCHAR(10)') : literal(p),
  );
  return parts.length === 1 ? literal(value) : `(${sql.join(' + ')})`;
}

/** Added, or updated when the column has one already (a resumed run). */
function setComment(a: Extract<CarryAction, { kind: 'set-column-comment' }>) {
  const { schema, name } = splitQualified(a.table);
  const args =
    `@name = N'MS_Description', @value = @comment, @level0type = N'SCHEMA', @level0name = @schema, ` +
    `@level1type = N'TABLE', @level1name = ${literal(name)}, @level2type = N'COLUMN', @level2name = ${literal(a.column)}`;
  const exists =
    `EXISTS (SELECT 1 FROM sys.extended_properties WHERE class = 1 AND major_id = ${objectId(a.table)} ` +
    `AND minor_id = COLUMNPROPERTY(${objectId(a.table)}, ${literal(a.column)}, 'ColumnId') AND name = N'MS_Description')`;
  return {
    sql: [
      `DECLARE @schema sysname = ${schema === undefined ? 'SCHEMA_NAME()' : literal(schema)};`,
      `DECLARE @comment sql_variant = ${singleLineLiteral(a.comment)};`,
      `IF ${exists} EXEC sys.sp_updateextendedproperty ${args};`,
      `ELSE EXEC sys.sp_addextendedproperty ${args};`,
    ].join('\n'),
    lock: mssqlLock('Sch-M', [a.table]),
    transactional: true,
  };
}

function grantColumn(a: Extract<CarryAction, { kind: 'grant-column-privileges' }>) {
  const privileges = a.privileges.map((p) => p.toUpperCase());
  const other = privileges.find((p) => !COLUMN_PRIVILEGES.has(p));
  if (other !== undefined) {
    const refused: Unsupported = {
      unsupported: `SQL Server has no column-level ${other} privilege (only SELECT, UPDATE and REFERENCES per column)`,
      instead: `grant ${other} on the table in raw sql, or drop it from the carried privileges`,
    };
    return refused;
  }
  // Each privilege names its column: `GRANT SELECT, UPDATE (c)` would grant SELECT on the whole table.
  return {
    sql: `GRANT ${privileges.map((p) => `${p} (${ident(a.column)})`).join(', ')} ON ${qualified(a.table)} TO ${grantee(a.grantee)}`,
    lock: mssqlLock('none', []),
    transactional: true,
  };
}

export const carryDdl: ActionRenderer<CarryAction> = {
  'set-column-collation': setCollation,
  'set-column-comment': setComment,
  'grant-column-privileges': grantColumn,
};
