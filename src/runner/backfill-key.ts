/**
 * The keyset a backfill walks: the spec's `key`, else the primary key, else a unique index whose
 * columns are all NOT NULL. A key that is not unique, or can be NULL, would let the cursor skip
 * rows without a trace, so such a backfill is refused before any batch runs.
 */
import type { Queryable } from '../db/connection.js';
import type { Dialect } from '../dialects/dialect.js';
import type { UniqueKeyIndex } from '../dialects/introspect.js';
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

async function tableOid(db: Queryable, d: Dialect, table: string, what: string): Promise<number> {
  const oid = await d.introspect.tableId(db, d.qualified(table));
  if (oid === null) {
    throw new BackfillRefused(
      `cannot ${what} ${table}: the table does not exist`,
      `check the table name, and that the step creating it runs before the ${what}`,
    );
  }
  return oid;
}

/** Checks a `key:` from the plan: its columns exist, are NOT NULL, and a unique index lies within them. */
async function checkGivenKey(
  db: Queryable,
  d: Dialect,
  table: string,
  oid: number,
  key: string[],
  indexes: UniqueKeyIndex[],
  what: string,
): Promise<void> {
  const rows = await d.introspect.keyColumns(db, oid, key);
  const missing = key.filter((k) => !rows.some((r) => r.name === k));
  if (missing.length > 0)
    throw new BackfillRefused(
      `${what} key of ${table} names ${missing.join(', ')}, which ${table} does not have`,
      'name existing columns in `key:`',
    );
  const nullable = rows.filter((r) => !r.notNull).map((r) => r.name);
  if (nullable.length > 0) {
    throw new BackfillRefused(
      `${what} key (${key.join(', ')}) of ${table} has nullable column ${nullable.join(', ')}: rows where it ` +
        `is NULL would never be visited`,
      d.introspect.addKeyHelp(table),
    );
  }
  if (!indexes.some((ix) => ix.columns.every((c) => key.includes(c)))) {
    throw new BackfillRefused(
      `${what} key (${key.join(', ')}) of ${table} is not unique (no unique index within it): rows sharing a ` +
        `key value at a batch boundary would be skipped`,
      d.introspect.addKeyHelp(table),
    );
  }
}

/** The key a backfill (or a verify, which writes nothing) walks; refused when it cannot be walked safely. */
export async function findBackfillKey(
  db: Queryable,
  d: Dialect,
  step: Pick<BackfillStep, 'table' | 'key'> & { kind: 'backfill' | 'verify'; set?: Record<string, string> },
): Promise<BackfillKey> {
  const oid = await tableOid(db, d, step.table, step.kind);
  const indexes = await d.introspect.uniqueKeys(db, oid);
  let key: BackfillKey;
  if (step.key) {
    await checkGivenKey(db, d, step.table, oid, step.key, indexes, step.kind);
    key = { oid, columns: step.key, source: '`key:`' };
  } else {
    const found = indexes.find((ix) => ix.notNull);
    if (!found) {
      throw new BackfillRefused(
        `cannot ${step.kind} ${step.table} in batches: it has no primary key and no unique index on NOT NULL ` +
          `columns to walk in order`,
        d.introspect.addKeyHelp(step.table),
      );
    }
    key = { oid, columns: found.columns, source: found.primary ? 'primary key' : `unique index ${found.name}` };
  }
  const written = Object.keys(step.set ?? {}).filter((c) => key.columns.includes(c));
  if (written.length > 0) {
    throw new BackfillRefused(
      `backfill of ${step.table} writes ${written.join(', ')}, part of its ` +
        `key (${key.columns.join(', ')}): rows would move behind the cursor and be skipped or updated twice`,
      'give `key:` naming other unique NOT NULL columns, or change the key column in a separate step',
    );
  }
  return key;
}
