/**
 * Sequences are not carried by logical replication: at a switch each sequence owned by the tables'
 * columns (serial, identity) or named in their defaults moves, on the side that takes writes next, to
 * at least where the other side's is (at most, for a descending one), so new ids never collide.
 */
import type { Queryable } from '../../db/connection.js';
import { say, sqlNameOf, type ReplicatedTable, type Sides } from './sides.js';

interface SequenceRow {
  schema: string;
  name: string;
  last_value: string | null;
  increment: string;
  readable: boolean;
}

export async function copySequences(
  s: Sides,
  from: { db: Queryable; side: string },
  to: { db: Queryable; side: string },
  tables: ReplicatedTable[],
): Promise<void> {
  const { sql, params } = s.sql.sequences(tables.map((t) => sqlNameOf(s.ctx, t)));
  const { rows } = await from.db.query<SequenceRow>(sql, params);
  const unreadable = rows.filter((r) => !r.readable).map((r) => `${r.schema}.${r.name}`);
  if (unreadable.length > 0)
    throw new Error(
      `${from.side}: the runner's role cannot read sequence ${unreadable.join(', ')}, so it cannot be carried to ` +
        `${to.side} (new rows there could reuse ids); grant it the right to read the sequence, then run again`,
    );
  const moved: string[] = [];
  for (const seq of rows) {
    // Never used (nextval never called): nothing to carry.
    if (seq.last_value === null) continue;
    const statement = s.sql.advanceSequence(seq.schema, seq.name, seq.last_value);
    const result = await to.db.query<{ value: string }>(statement.sql, statement.params);
    if (result.rows.length === 0)
      throw new Error(
        `sequence ${seq.schema}.${seq.name} is on ${from.side} but not on ${to.side}: new rows there would reuse ids; ` +
          `create it on ${to.side} (as ${from.side}'s), then run again`,
      );
    moved.push(`${seq.schema}.${seq.name} → ${result.rows[0]?.value}`);
  }
  if (moved.length > 0) say(s, `${to.side}: sequences moved past ${from.side}'s: ${moved.join(', ')}`);
}
