import type { DbObject } from './types.js';

/** "column orders.total", "index orders_total_idx on orders": an object as people name it. */
export function describeObject(o: DbObject): string {
  switch (o.kind) {
    case 'column':
      return `column ${o.table}.${o.name}`;
    case 'index':
      return `index ${o.name} on ${o.table}`;
    case 'constraint':
      return `${o.type === undefined ? '' : `${o.type} `}constraint ${o.name} on ${o.table}`;
    case 'trigger':
      return `trigger ${o.name} on ${o.table}`;
    case 'function':
      return `function ${o.name}()`;
    case 'materialized view':
      return `materialized view ${o.name}`;
    case 'table':
      return `table ${o.name}`;
    case 'view':
      return `view ${o.name}`;
    case 'table property':
      return `${o.name} of ${o.table}`;
    case 'extension':
      return `extension ${o.name}`;
    case 'foreign server':
      return `foreign server ${o.name}`;
    case 'user mapping':
      return `user mapping for the current user on server ${o.name}`;
    case 'schema':
      return `schema ${o.name}`;
  }
}

/** Same object, whatever its definition: the identity that "this plan creates X" and "this plan removes X" share. */
export function objectKey(o: DbObject): string {
  return 'table' in o ? `${o.kind}\u0000${o.table}\u0000${o.name}` : `${o.kind}\u0000${o.name}`;
}
