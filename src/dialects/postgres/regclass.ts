import { splitQualified } from '../dialect.js';
import { quoteLiteral, quoteQualified } from './names.js';

/** A relation by its plan name, resolved with search_path as the step's own SQL resolves it (NULL when missing). */
export function regclass(table: string): string {
  return `to_regclass(${quoteLiteral(quoteQualified(table))})`;
}

/** An index (or a sync trigger's function) lives in its table's schema. */
export function inTableSchema(index: string, table: string): string {
  const { schema } = splitQualified(table);
  return schema === undefined ? index : `${schema}.${index}`;
}
