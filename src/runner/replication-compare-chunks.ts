/**
 * One table compared chunk by chunk along blue's key while writes go on: each chunk is read on
 * blue with blue's WAL position, green is given time to apply up to that position, then read.
 * A chunk that differs is compared again row by row (writes in flight), and only one whose rows
 * never all match is reported, by its key range and row counts.
 */
import type { Queryable } from '../db/connection.js';
import type { CompareShape, CompareStatement, DigestRow, KeyRange, KeyRow } from '../dialects/replication-compare.js';
import { readOnly, throwIfAborted, type ChunkWalk } from './replication-compare-read.js';
import { recheckRows } from './replication-compare-rows.js';
import { sleep } from './sleep.js';

export interface ChunkMismatch {
  table: string;
  /** The key after which the chunk starts (exclusive), null from the first key. */
  from: string | null;
  /** The chunk's last key (inclusive); '' when unbounded (the table's last chunk, or compared by count only). */
  to: string;
  blue: { rows: number };
  green: { rows: number };
}

export interface TableComparison {
  table: string;
  /** Blue's rows as last read: every chunk's, the last one's including rows blue added above its start's largest key. */
  rows: number;
  chunks: number;
  /** Chunks read again because they differed at first. */
  rechecked: number;
  mismatches: ChunkMismatch[];
  /** False when the table has no primary key or replica identity index: then only row counts were compared. */
  keyed: boolean;
}

async function firstRow<R>(db: Queryable, s: CompareStatement): Promise<R | undefined> {
  return (await db.query<R>(s.sql, s.params)).rows[0];
}

/** A key as people read it: the value alone, or a composite as `(a, "b c")`. */
export function keyText(key: string[] | null): string | null {
  if (key === null) return null;
  if (key.length === 1) return key[0] as string;
  return `(${key.map((v) => (/^[^\s,()"\\]+$/.test(v) ? v : JSON.stringify(v))).join(', ')})`;
}

interface ChunkOutcome {
  matched: boolean;
  rechecked: boolean;
  blueRows: number;
  greenRows: number;
}

const sameDigest = (a: DigestRow, b: DigestRow | undefined) =>
  b !== undefined && Number(a.rows) === Number(b.rows) && a.digest === b.digest;

/** Blue's digest with its WAL position, green given time to reach it, green's digest. */
async function digestBoth(w: ChunkWalk, table: string, statement: (withLsn: boolean) => CompareStatement) {
  const blue = await readOnly(w.blue, w.sql, () => firstRow<DigestRow>(w.blue, statement(true)));
  if (blue?.lsn === undefined) throw new Error(`the digest of ${table} on blue came back without a WAL position`);
  await w.waitForGreen(blue.lsn);
  throwIfAborted(w.signal, table);
  const green = await readOnly(w.green, w.sql, () => firstRow<DigestRow>(w.green, statement(false)));
  return { blue, green, matched: sameDigest(blue, green) };
}

const counted = (read: { blue: DigestRow; green: DigestRow | undefined }) => ({
  blueRows: Number(read.blue.rows),
  greenRows: Number(read.green?.rows ?? 0),
});

/** A chunk read on blue, its LSN with it. */
interface BlueChunk {
  range: KeyRange;
  blue: DigestRow & { lsn: string };
}

/**
 * Green's digest of a chunk blue has read; when it differs, rows compared again. With
 * `waitOnlyOnDifference` green is read before any wait, and waited for (then read again) only
 * when it differs; else the batch's wait came first.
 */
async function finishChunk(w: ChunkWalk, shape: CompareShape, chunk: BlueChunk): Promise<ChunkOutcome> {
  const statement = w.sql.chunkDigest(shape, chunk.range, false);
  const readGreen = () => readOnly(w.green, w.sql, () => firstRow<DigestRow>(w.green, statement));
  let green = await readGreen();
  if (w.waitOnlyOnDifference && !sameDigest(chunk.blue, green)) {
    await w.waitForGreen(chunk.blue.lsn);
    throwIfAborted(w.signal, shape.table);
    green = await readGreen();
  }
  const matched = sameDigest(chunk.blue, green);
  if (matched || w.rechecks === 0) return { matched, rechecked: false, ...counted({ blue: chunk.blue, green }) };
  return { ...(await recheckRows(w, shape, chunk.range)), rechecked: true };
}

/** A keyless table's counts, compared again (after a pause) while they differ. */
async function compareCounts(w: ChunkWalk, table: string): Promise<ChunkOutcome> {
  for (let attempt = 0; ; attempt++) {
    const read = await digestBoth(w, table, (withLsn) => w.sql.tableCount(table, withLsn));
    if (read.matched || attempt >= w.rechecks)
      return { matched: read.matched, rechecked: attempt > 0, ...counted(read) };
    await sleep(w.recheckPauseMs, w.signal);
    throwIfAborted(w.signal, table);
  }
}

function emptyComparison(table: string, keyed: boolean): TableComparison {
  return { table, rows: 0, chunks: 0, rechecked: 0, mismatches: [], keyed };
}

function record(w: ChunkWalk, result: TableComparison, range: KeyRange | null, outcome: ChunkOutcome): void {
  result.chunks += 1;
  result.rows += outcome.blueRows;
  if (outcome.rechecked) result.rechecked += 1;
  if (!outcome.matched) {
    result.mismatches.push({
      table: result.table,
      from: range === null ? null : keyText(range.from),
      to: range === null ? '' : (keyText(range.to) ?? ''),
      blue: { rows: outcome.blueRows },
      green: { rows: outcome.greenRows },
    });
  }
  w.onProgress?.(result.table, result.chunks, result.rows);
}

/** A table without a key: its row counts, synchronized and rechecked like a chunk. */
export async function compareByCount(w: ChunkWalk, table: string): Promise<TableComparison> {
  throwIfAborted(w.signal, table);
  const result = emptyComparison(table, false);
  record(w, result, null, await compareCounts(w, table));
  return result;
}

const sameKey = (a: string[] | null, b: string[]) => a !== null && a.every((v, i) => v === b[i]);

/**
 * Chunks `(from, to]` of `chunkRows` blue keys each, bounds taken up to blue's largest key when the
 * walk starts; the last chunk is unbounded above on both sides, so rows that only green has above
 * that key are found too. Rows blue adds there during the walk are read on blue with an LSN that
 * covers them, so green has them once waited for (else the row recheck absorbs them). An empty
 * blue table is one unbounded chunk, so rows that only green has are still found.
 */
export async function compareByKey(w: ChunkWalk, shape: CompareShape): Promise<TableComparison> {
  const result = emptyComparison(shape.table, true);
  const max = await readOnly(w.blue, w.sql, () => firstRow<KeyRow>(w.blue, w.sql.maxKey(shape)));
  let from: string[] | null = null;
  for (;;) {
    const batch = await readBlueBatch(w, shape, max?.key ?? null, from);
    // The last chunk was read last: its LSN covers every chunk of the batch.
    if (!w.waitOnlyOnDifference) await w.waitForGreen((batch.chunks.at(-1) as BlueChunk).blue.lsn);
    throwIfAborted(w.signal, shape.table);
    for (const chunk of batch.chunks) record(w, result, chunk.range, await finishChunk(w, shape, chunk));
    if (batch.next === null) return result;
    from = batch.next;
  }
}

/** Up to `chunksPerWait` chunks read on blue; `next` null after the last chunk of the table. */
async function readBlueBatch(w: ChunkWalk, shape: CompareShape, max: string[] | null, from: string[] | null) {
  const chunks: BlueChunk[] = [];
  let next = from;
  do {
    throwIfAborted(w.signal, shape.table);
    const end = max === null ? null : await chunkEnd(w, shape, next, max);
    const last = end === null || max === null || sameKey(end, max);
    const range: KeyRange = { from: next, to: last ? null : end };
    const blue = await readOnly(w.blue, w.sql, () =>
      firstRow<DigestRow>(w.blue, w.sql.chunkDigest(shape, range, true)),
    );
    if (blue?.lsn === undefined)
      throw new Error(`the digest of ${shape.table} on blue came back without a WAL position`);
    chunks.push({ range, blue: { ...blue, lsn: blue.lsn } });
    next = last ? null : end;
  } while (next !== null && chunks.length < w.chunksPerWait);
  return { chunks, next };
}

async function chunkEnd(w: ChunkWalk, shape: CompareShape, from: string[] | null, max: string[]): Promise<string[]> {
  const statement = w.sql.nextBound(shape, from, max, w.chunkRows);
  const bound = await readOnly(w.blue, w.sql, () => firstRow<KeyRow>(w.blue, statement));
  return bound?.key ?? max;
}
