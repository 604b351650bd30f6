/**
 * A chunk that differed, narrowed down row by row. Writes on blue that green has not applied yet
 * make whole chunks differ now and then; comparing again only the rows that differed shrinks the
 * window a write must hit to a few rows, so a busy table still verifies. A row that matches once
 * is verified; rows that differ at every recheck make the chunk a mismatch.
 */
import type { Queryable } from '../db/connection.js';
import type { CompareShape, KeyRange, LsnRow, RowHashRow } from '../dialects/replication-compare.js';
import { readOnly, throwIfAborted, type ChunkWalk } from './replication-compare-read.js';
import { sleep } from './sleep.js';

/** One side's rows by key; `rows` counts every row read, `duplicated` says a key came more than once. */
interface Hashes {
  byKey: Map<string, { key: string[]; hash: string }>;
  rows: number;
  duplicated: boolean;
}

async function hashes(db: Queryable, statement: { sql: string; params: unknown[] }): Promise<Hashes> {
  const { rows } = await db.query<RowHashRow>(statement.sql, statement.params);
  const byKey = new Map(rows.map((r) => [JSON.stringify(r.key), r]));
  return { byKey, rows: rows.length, duplicated: byKey.size !== rows.length };
}

/** Blue's rows and then its WAL position, green given time to reach it, green's rows. */
async function readBoth(w: ChunkWalk, table: string, statement: () => { sql: string; params: unknown[] }) {
  const blue = await readOnly(w.blue, w.sql, async () => {
    const rows = await hashes(w.blue, statement());
    const lsn = (await w.blue.query<LsnRow>(w.sql.currentLsn().sql)).rows[0]?.lsn;
    return { rows, lsn };
  });
  if (blue.lsn === undefined) throw new Error(`blue gave no WAL position while comparing ${table}`);
  await w.waitForGreen(blue.lsn);
  throwIfAborted(w.signal, table);
  const green = await readOnly(w.green, w.sql, () => hashes(w.green, statement()));
  return { blue: blue.rows, green };
}

function differingKeys(blue: Hashes, green: Hashes): string[][] {
  const keys = new Map([...blue.byKey, ...green.byKey].map(([id, r]) => [id, r.key]));
  return [...keys].filter(([id]) => blue.byKey.get(id)?.hash !== green.byKey.get(id)?.hash).map(([, key]) => key);
}

export interface RowRecheck {
  matched: boolean;
  /** The chunk's rows on each side at the first recheck, which read them all. */
  blueRows: number;
  greenRows: number;
}

/**
 * Up to `w.rechecks` rounds: the whole chunk first, then only the keys that still differed. A key
 * read twice on one side is a difference no write in flight explains: the chunk is a mismatch.
 */
export async function recheckRows(w: ChunkWalk, shape: CompareShape, range: KeyRange): Promise<RowRecheck> {
  const outcome: RowRecheck = { matched: false, blueRows: 0, greenRows: 0 };
  let differing: string[][] | null = null;
  for (let round = 1; round <= w.rechecks; round++) {
    await sleep(w.recheckPauseMs, w.signal);
    throwIfAborted(w.signal, shape.table);
    const keys = differing;
    const read = await readBoth(w, shape.table, () =>
      keys === null ? w.sql.rowHashes(shape, range) : w.sql.rowHashesOfKeys(shape, keys),
    );
    if (keys === null) [outcome.blueRows, outcome.greenRows] = [read.blue.rows, read.green.rows];
    if (read.blue.duplicated || read.green.duplicated) return outcome;
    differing = differingKeys(read.blue, read.green);
    if (differing.length === 0) return { ...outcome, matched: true };
  }
  return outcome;
}
