/**
 * The statement of a materialized view over another database. postgres_fdw: the query reads the
 * imported foreign tables, so every bare name of one of them is qualified with the plan's schema
 * (at the parser's own positions: nothing else of the query changes, and `plan` shows the result).
 * dblink: the remote query goes into dblink() dollar-quoted, through the named server, so the view
 * definition holds no connection string and no password.
 */
import type { CreateForeignMaterializedViewAction, RemoteColumn } from '../actions-foreign.js';
import { UsageError } from '../../errors.js';
import { walk } from './sql/ast.js';
import { parseSql } from './sql/parser.js';
import { dollarQuote, singleQuery } from './sql/statements.js';
import { quoteIdent as ident, quoteLiteral as literal, quoteQualified as qualified } from './names.js';

interface RangeVarNode {
  schemaname?: string;
  relname?: string;
  location?: number;
}

/** Byte offsets (libpg-query's) of every bare reference to one of `tables`; a CTE by such a name is refused. */
function bareReferences(query: string, tables: string[]): number[] {
  const parsed = parseSql(query);
  if (!parsed.ok) throw new Error(`internal: the view query was validated but does not parse`);
  const found: number[] = [];
  walk(parsed.result, (type, value) => {
    if (type === 'CommonTableExpr' && tables.includes(String(value.ctename))) {
      throw new UsageError(
        `the view query names a WITH query ${String(value.ctename)}, like a foreign table of its source`,
        'rename the WITH query: a bare name of a table listed under source.tables means the foreign table',
      );
    }
    const rv = value as RangeVarNode;
    if (type === 'RangeVar' && !rv.schemaname && tables.includes(rv.relname ?? '') && rv.location !== undefined) {
      found.push(rv.location);
    }
  });
  return [...new Set(found)].sort((a, b) => b - a);
}

/** The query with every bare foreign-table name qualified by `schema`. */
export function qualifyForeignTables(query: string, schema: string, tables: string[]): string {
  let bytes = Buffer.from(query, 'utf8');
  const prefix = Buffer.from(`${ident(schema)}.`, 'utf8');
  for (const at of bareReferences(query, tables)) {
    bytes = Buffer.concat([bytes.subarray(0, at), prefix, bytes.subarray(at)]);
  }
  return bytes.toString('utf8');
}

function columnList(columns: RemoteColumn[]): string {
  return columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ');
}

/** The SELECT the view stores. */
export function foreignViewQuery(a: CreateForeignMaterializedViewAction): string {
  const query = singleQuery(a.query).text;
  if (a.source.via === 'postgres_fdw') return qualifyForeignTables(query, a.source.schema, a.source.tables);
  return (
    `SELECT * FROM dblink(${literal(a.source.server)}, ${dollarQuote(query)})\n` +
    `  AS remote(${columnList(a.source.columns)})`
  );
}

/** As create-materialized-view: the query on lines of its own, so a trailing comment cannot swallow WITH DATA. */
export function foreignViewSql(a: CreateForeignMaterializedViewAction): string {
  return `CREATE MATERIALIZED VIEW ${qualified(a.name)} AS\n${foreignViewQuery(a)}\nWITH ${a.withData ? '' : 'NO '}DATA`;
}
