/**
 * The statements that compare a replicated table between blue (the publisher) and green (the
 * subscriber), chunk by chunk along blue's key. Neutral: each dialect builds them; the runner
 * (src/runner/replication-compare.ts) runs them and decides. Key values travel as text, read with
 * the settings of `beginReadOnly` on both sides so that their text is the same.
 */

/** A statement with `$n` parameters. */
export interface CompareStatement {
  sql: string;
  params: unknown[];
}

/** One row of `tableShape`: `oid` null when the table does not exist (then the only row). */
export interface TableShapeRow {
  oid: string | number | null;
  column: string | null;
  /** The column's type as the catalog spells it, modifiers included (`character varying(20)`). */
  type: string | null;
  /** The collation that orders the column (the database's own locale for `default`), null when not collatable. */
  collation: string | null;
  /** 1-based place in the comparison key (primary key, else replica identity index), null when not a key column. */
  key_position: number | null;
}

export interface CompareColumn {
  name: string;
  type: string;
  collation: string | null;
}

/** What is compared: every column in blue's order, and the key columns in key order (empty: count only). */
export interface CompareShape {
  table: string;
  columns: CompareColumn[];
  key: CompareColumn[];
}

/**
 * A half-open key range `(from, to]`, each bound the key's values as text in key order; null means
 * unbounded on that side.
 */
export interface KeyRange {
  from: string[] | null;
  to: string[] | null;
}

/** The row of `maxKey` and `nextBound` (none when there is no such key): the key's values as text. */
export interface KeyRow {
  key: string[];
}

/** The row of `chunkDigest` and `tableCount`: `digest` null for count only, `lsn` only when asked for. */
export interface DigestRow {
  rows: string | number;
  digest: string | null;
  lsn?: string;
}

/** A row of `rowHashes` / `rowHashesOfKeys`: its key as text and a hash of its compared columns. */
export interface RowHashRow {
  key: string[];
  hash: string;
}

/** The row of `currentLsn`. */
export interface LsnRow {
  lsn: string;
}

export interface ReplicationCompareSql {
  /** Opens a READ ONLY transaction whose text output settings are the same on every server (simple protocol). */
  readonly beginReadOnly: string;
  readonly rollback: string;
  /** Rows of `TableShapeRow`, columns in the table's own order. */
  tableShape(table: string): CompareStatement;
  /** The largest key now (a `KeyRow`), none when the table is empty. */
  maxKey(shape: CompareShape): CompareStatement;
  /** The `chunkRows`-th key after `from` and not above `upTo` (a `KeyRow`), none when fewer keys remain. */
  nextBound(shape: CompareShape, from: string[] | null, upTo: string[], chunkRows: number): CompareStatement;
  /**
   * Count and digest of the rows in `range` (a `DigestRow`); with `withLsn` also the position of the
   * server's write-ahead log after the rows were read, so that the other side can wait for it.
   */
  chunkDigest(shape: CompareShape, range: KeyRange, withLsn: boolean): CompareStatement;
  /** Each row of `range` (`RowHashRow`s), to narrow a differing chunk down to its differing rows. */
  rowHashes(shape: CompareShape, range: KeyRange): CompareStatement;
  /** The rows with these keys (each the key's values as text in key order) that exist (`RowHashRow`s). */
  rowHashesOfKeys(shape: CompareShape, keys: string[][]): CompareStatement;
  /** The write-ahead log position now (an `LsnRow`): read after rows, it covers every commit they saw. */
  currentLsn(): CompareStatement;
  /** Every row counted (a `DigestRow` whose digest is null). */
  tableCount(table: string, withLsn: boolean): CompareStatement;
}
