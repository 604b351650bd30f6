/** `( SELECT … )` inside an expression: read in queries only (checks, gates, verify queries). */
import type { Node } from './tsql-ast.js';
import type { Cursor } from './tsql-cursor.js';
import { parseSelect } from './tsql-query.js';

export function parseSubquery(c: Cursor): Node {
  const open = c.expectSymbol('(', 'before a subquery');
  if (!c.subqueries)
    c.refuse(
      `a subquery in a SQL ${c.noun}: schemashift reads subqueries only in queries`,
      'write the value itself, or do the work in a raw `sql` step',
      open.offset,
    );
  const node = parseSelect(c);
  c.expectSymbol(')', 'to close the subquery');
  return node;
}
