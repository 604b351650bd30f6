/**
 * The keyset a backfill walks: the spec's `key`, else the primary key, else a unique index whose
 * columns are all NOT NULL. A key that is not unique, or can be NULL, would let the cursor skip
 * rows without a trace, so such a backfill is refused before any batch runs.
 */
import type { Queryable } from '../db/connection.js';
import { splitQualified, type Dialect } from '../dialects/dialect.js';
import type { BackfillStep } from '../operations/types.js';

/** A backfill that cannot run safely as written. The message says what to do instead. */
export class BackfillRefused extends Error {
  readonly exitCode = 1;
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(`${message}\n  help: ${hint}`);
    this.name = 'BackfillRefused';
  }
}

export interface BackfillKey {
  /** The table's oid (for pg_class / pg_locks lookups). */
  oid: number;
  columns: string[];
  /** Where the key came from, for messages: `key:`, `primary key`, `unique index orders_code_key`. */
  source: string;
}

interface UniqueIndex {
  name: string;
  primary: boolean;
  columns: string[];
  not_null: boolean;
}

/** Valid, non-partial unique indexes on plain columns, primary key first, then the narrowest. */
const UNIQUE_INDEXES_SQL = `
SELECT c.relname::text AS name, i.indisprimary AS primary, array_agg(a.attname::text ORDER BY k.ord) AS columns, bool_and(a.attnotnull) AS not_null
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts
GROUP BY c.relname, i.indisprimary
ORDER BY i.indisprimary DESC, count(*), c.relname`;

function addKeyHint(table: string): string {
  const index = `${splitQualified(table).name}_pkey`;
  return `add a primary key (CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${table} (<unique columns>); ALTER TABLE ${table} ADD PRIMARY KEY USING INDEX ${index}), or give \`key: [column, ...]\` naming columns that are NOT NULL and unique together`;
}

async function tableOid(db: Queryable, d: Dialect, table: string, what: string): Promise<number> {
  const { rows } = await db.query<{ oid: number | null }>('SELECT to_regclass($1)::oid::int8 AS oid', [d.qualified(table)]);
  const oid = rows[0]?.oid;
  if (oid === null || oid === undefined) {
    throw new BackfillRefused(`cannot ${what} ${table}: the table does not exist`, `check the table name, and that the step creating it runs before the ${what}`);
  }
  return Number(oid);
}

/** Checks a `key:` from the plan: its columns exist, are NOT NULL, and a unique index lies within them. */
async function checkGivenKey(db: Queryable, table: string, oid: number, key: string[], indexes: UniqueIndex[], what: string): Promise<void> {
  const { rows } = await db.query<{ name: string; not_null: boolean }>(
    'SELECT attname::text AS name, attnotnull AS not_null FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped AND attname = ANY ($2::text[])',
    [oid, key],
  );
  const missing = key.filter((k) => !rows.some((r) => r.name === k));
  if (missing.length > 0) throw new BackfillRefused(`${what} key of ${table} names ${missing.join(', ')}, which ${table} does not have`, 'name existing columns in `key:`');
  const nullable = rows.filter((r) => !r.not_null).map((r) => r.name);
  if (nullable.length > 0) {
    throw new BackfillRefused(`${what} key (${key.join(', ')}) of ${table} has nullable column ${nullable.join(', ')}: rows where it is NULL would never be visited`, addKeyHint(table));
  }
  if (!indexes.some((ix) => ix.columns.every((c) => key.includes(c)))) {
    throw new BackfillRefused(`${what} key (${key.join(', ')}) of ${table} is not unique (no unique index within it): rows sharing a key value at a batch boundary would be skipped`, addKeyHint(table));
  }
}

/** The key a backfill (or a verify, which writes nothing) walks; refused when it cannot be walked safely. */
export async function findBackfillKey(db: Queryable, d: Dialect, step: Pick<BackfillStep, 'table' | 'key'> & { kind: 'backfill' | 'verify'; set?: Record<string, string> }): Promise<BackfillKey> {
  const oid = await tableOid(db, d, step.table, step.kind);
  const indexes = (await db.query<UniqueIndex>(UNIQUE_INDEXES_SQL, [oid])).rows;
  let key: BackfillKey;
  if (step.key) {
    await checkGivenKey(db, step.table, oid, step.key, indexes, step.kind);
    key = { oid, columns: step.key, source: '`key:`' };
  } else {
    const found = indexes.find((ix) => ix.not_null);
    if (!found) {
      throw new BackfillRefused(`cannot ${step.kind} ${step.table} in batches: it has no primary key and no unique index on NOT NULL columns to walk in order`, addKeyHint(step.table));
    }
    key = { oid, columns: found.columns, source: found.primary ? 'primary key' : `unique index ${found.name}` };
  }
  const written = Object.keys(step.set ?? {}).filter((c) => key.columns.includes(c));
  if (written.length > 0) {
    throw new BackfillRefused(
      `backfill of ${step.table} writes ${written.join(', ')}, part of its key (${key.columns.join(', ')}): rows would move behind the cursor and be skipped or updated twice`,
      'give `key:` naming other unique NOT NULL columns, or change the key column in a separate step',
    );
  }
  return key;
}
