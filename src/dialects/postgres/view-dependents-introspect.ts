/** What reads a materialized view in the live database, for `validate --database`. */
import type { Queryable } from '../../db/connection.js';
import type { ViewDependent } from '../actions-shadow.js';
import { regclass } from './regclass.js';
import { viewDependentsQuery } from './view-dependents-closure.js';

interface Row {
  kind: ViewDependent['kind'] | null;
  name: string;
  depth: number;
  bytes: string | null;
}

export async function readViewDependents(db: Queryable, view: string): Promise<ViewDependent[]> {
  const { rows } = await db.query<Row>(viewDependentsQuery(regclass(view)));
  return rows.map((r) => {
    const dependent: ViewDependent = { name: r.name, depth: Number(r.depth) };
    if (r.kind) dependent.kind = r.kind;
    if (r.bytes !== null) dependent.bytes = Number(r.bytes);
    return dependent;
  });
}
