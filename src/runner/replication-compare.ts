/**
 * Blue/green verification: does green (the subscriber) hold the same rows as blue (the publisher)?
 * `compareReplicatedTables` works while writes go on (see replication-compare-chunks.ts);
 * `countBothSides` is the exact count once writes on blue have stopped. Everything runs in READ
 * ONLY transactions; each statement reads at most one chunk.
 */
import type { Connection, Queryable } from '../db/connection.js';
import type {
  CompareColumn,
  CompareShape,
  DigestRow,
  ReplicationCompareSql,
  TableShapeRow,
} from '../dialects/replication-compare.js';
import { DatabaseError } from '../errors.js';
import { InterruptedError } from './interrupted.js';
import {
  compareByCount,
  compareByKey,
  type ChunkMismatch,
  type TableComparison,
} from './replication-compare-chunks.js';
import { readOnly, type ChunkWalk } from './replication-compare-read.js';

export type { ChunkMismatch, TableComparison };

export interface CompareOptions {
  blue: Queryable;
  green: Queryable;
  sql: ReplicationCompareSql;
  /** Qualified names as the plan wrote them (schema optional). */
  tables: string[];
  /** Rows per chunk (the caller's default is 10000). */
  chunkRows: number;
  /** How many times a differing chunk is compared again. */
  rechecks: number;
  /** Resolves when green has applied everything blue had committed at `blueLsn`. */
  waitForGreen: (blueLsn: string) => Promise<void>;
  signal: AbortSignal;
  onProgress?: (table: string, chunksDone: number, rowsDone: number) => void;
  /** Pause before each recheck, for writes in flight to land. Default 200 ms. */
  recheckPauseMs?: number;
  /**
   * Chunks read on blue before one `waitForGreen` for the last one's LSN, then read on green.
   * Default 1. More means fewer waits (a subscriber confirms an LSN only with its next status
   * report, up to wal_receiver_status_interval later when blue has no replicated writes) and a
   * longer window for writes to make a chunk differ at first (then its rows are compared again).
   */
  chunksPerWait?: number;
  /**
   * Read green at once and call `waitForGreen` only for a chunk that differs (then read it again).
   * Sound: equal digests are equal rows whenever each side was read; the wait only spares a
   * false difference. Saves every wait while green is current. Default false (wait, then read).
   */
  waitOnlyOnDifference?: boolean;
}

const DEFAULT_RECHECK_PAUSE_MS = 200;

/**
 * A Connection is a pool: a transaction needs one backend, so one is taken for the whole
 * comparison. Anything else (a Session, a client) is one backend already.
 */
async function onOneBackend<T>(db: Queryable, fn: (backend: Queryable) => Promise<T>): Promise<T> {
  const pool = db as Partial<Connection>;
  return typeof pool.session === 'function' ? (db as Connection).session(fn) : fn(db);
}

async function readShape(db: Queryable, sql: ReplicationCompareSql, table: string) {
  const statement = sql.tableShape(table);
  const { rows } = await readOnly(db, sql, () => db.query<TableShapeRow>(statement.sql, statement.params));
  if (rows.length === 0 || rows[0]?.oid === null) return null;
  const columns = rows
    .filter((r) => r.column !== null)
    .map((r) => ({ name: r.column as string, type: r.type as string, collation: r.collation, at: r.key_position }));
  const key = columns.filter((c) => c.at !== null).sort((a, b) => (a.at as number) - (b.at as number));
  const plain = (c: CompareColumn): CompareColumn => ({ name: c.name, type: c.type, collation: c.collation });
  return { table, columns: columns.map(plain), key: key.map(plain) };
}

function refuse(message: string, hint: string): never {
  throw new DatabaseError(message, hint);
}

/**
 * A keyed comparison reads rows by blue's key on green too: without the same unique key there,
 * rows duplicated on green could hide behind one key.
 */
function checkGreenKey(blue: CompareShape, green: CompareShape): void {
  if (blue.key.length === 0) return;
  const names = (shape: CompareShape) => shape.key.map((c) => c.name).sort();
  const [b, g] = [names(blue), names(green)];
  if (b.length === g.length && b.every((name, i) => name === g[i])) return;
  const blueKey = blue.key.map((c) => c.name).join(', ');
  refuse(
    g.length === 0
      ? `green's ${blue.table} has no primary key or replica identity index, while blue's is on (${blueKey})`
      : `green's ${blue.table} is keyed on (${green.key.map((c) => c.name).join(', ')}) but blue's on (${blueKey})`,
    `give green the same primary key as blue (rows could be duplicated on green without it), then compare again`,
  );
}

/** Green must have every column blue has, by name, with the same type; key columns also with the same order. */
function checkGreen(blue: CompareShape, green: CompareShape | null): void {
  const t = blue.table;
  if (green === null)
    refuse(
      `table ${t} does not exist on green`,
      'create it on green with the same columns as on blue, then compare again',
    );
  const byName = new Map(green.columns.map((c) => [c.name, c]));
  const sameHint =
    'give green the same columns and types as blue (logical replication needs them too), then compare again';
  for (const column of blue.columns) {
    const other = byName.get(column.name);
    if (other === undefined) refuse(`green's ${t} has no column ${column.name}, which blue has`, sameHint);
    if (other.type !== column.type) {
      refuse(`column ${column.name} of ${t} is ${column.type} on blue but ${other.type} on green`, sameHint);
    }
  }
  checkGreenKey(blue, green);
  for (const column of blue.key) {
    const other = byName.get(column.name);
    if (other !== undefined && other.collation !== column.collation) {
      refuse(
        `key column ${column.name} of ${t} is ordered by collation ${column.collation} on blue but ${other.collation} on ` +
          'green, so the two sides would put its rows in different chunks',
        'give the column the same collation on both sides (databases created with the same locale), then compare again',
      );
    }
  }
}

async function shapeOf(blue: Queryable, green: Queryable, sql: ReplicationCompareSql, table: string) {
  const [b, g] = await Promise.all([readShape(blue, sql, table), readShape(green, sql, table)]);
  if (b === null)
    refuse(`table ${table} does not exist on blue`, 'name a table that blue has (and replicates to green)');
  checkGreen(b, g);
  return b;
}

/**
 * Per table: blue's key (primary key, else replica identity index) and columns, green checked to
 * match, then the walk. A table without a key is compared by row count only (`keyed: false`).
 */
export async function compareReplicatedTables(o: CompareOptions): Promise<TableComparison[]> {
  for (const [name, value] of [
    ['chunkRows', o.chunkRows],
    ['chunksPerWait', o.chunksPerWait ?? 1],
  ] as const)
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return onOneBackend(o.blue, (blue) =>
    onOneBackend(o.green, async (green) => {
      const recheckPauseMs = o.recheckPauseMs ?? DEFAULT_RECHECK_PAUSE_MS;
      const chunksPerWait = o.chunksPerWait ?? 1;
      const walk: ChunkWalk = {
        ...o,
        blue,
        green,
        recheckPauseMs,
        chunksPerWait,
        waitOnlyOnDifference: o.waitOnlyOnDifference ?? false,
      };
      const results: TableComparison[] = [];
      for (const table of o.tables) {
        const shape = await shapeOf(blue, green, o.sql, table);
        results.push(shape.key.length > 0 ? await compareByKey(walk, shape) : await compareByCount(walk, table));
      }
      return results;
    }),
  );
}

async function exactCount(db: Queryable, sql: ReplicationCompareSql, table: string): Promise<number> {
  const statement = sql.tableCount(table, false);
  const { rows } = await readOnly(db, sql, () => db.query<DigestRow>(statement.sql, statement.params));
  return Number(rows[0]?.rows ?? 0);
}

/** Exact counts when writes have stopped on blue: both sides counted, per table. */
export async function countBothSides(
  o: Pick<CompareOptions, 'blue' | 'green' | 'sql' | 'tables' | 'signal'>,
): Promise<Array<{ table: string; blue: number; green: number }>> {
  return onOneBackend(o.blue, (blue) =>
    onOneBackend(o.green, async (green) => {
      const counts: Array<{ table: string; blue: number; green: number }> = [];
      for (const table of o.tables) {
        if (o.signal.aborted) throw new InterruptedError(`while counting ${table}`);
        const [b, g] = await Promise.all([exactCount(blue, o.sql, table), exactCount(green, o.sql, table)]);
        counts.push({ table, blue: b, green: g });
      }
      return counts;
    }),
  );
}
