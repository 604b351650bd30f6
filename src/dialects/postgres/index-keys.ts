/** Index key options and storage parameters in PostgreSQL's syntax: names quoted, values literals. */
import type { IndexKeyOptions, StorageParameters } from '../actions-table.js';
import { quoteIdent as ident, quoteLiteral as literal, quoteQualified as qualified } from './names.js';

/** `col COLLATE "C" text_pattern_ops DESC NULLS LAST`. */
export function indexKeySql(column: string, o: IndexKeyOptions | undefined): string {
  const parts = [ident(column)];
  if (o?.collation) {
    const { schema, name } = o.collation;
    parts.push(`COLLATE ${schema === undefined ? '' : `${ident(schema)}.`}"${name.replaceAll('"', '""')}"`);
  }
  if (o?.opclass) parts.push(qualified(o.opclass));
  if (o?.sort) parts.push(o.sort.toUpperCase());
  if (o?.nulls) parts.push(`NULLS ${o.nulls.toUpperCase()}`);
  return parts.join(' ');
}

function valueSql(value: string | number | boolean): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`internal: storage parameter value ${value} is not finite`);
    return String(value);
  }
  return typeof value === 'boolean' ? String(value) : literal(value);
}

/** `fillfactor = 70, deduplicate_items = false`. */
export function storageSql(params: StorageParameters): string {
  return Object.entries(params)
    .map(([name, value]) => `${ident(name)} = ${valueSql(value)}`)
    .join(', ');
}
