/**
 * A backfill's checkpoint, on its step row: the keyset walk's done prefix (`last`: every row up to
 * this key is done) and, when batches run on several workers at once, the key ranges committed
 * beyond that prefix (`ahead`). Ranges are handed out in key order, each starting where the one
 * before it ended, so a range joins the prefix when it starts at `last`; the holes between `last`
 * and the ranges ahead are exactly the batches that were running when a run stopped, and the next
 * run does those first, in pieces of the batch size. `owner` names the run allowed to write: a run
 * that lost its session while its workers went on finds, at their next commit, that another run
 * claimed the checkpoint, and rolls that batch back instead of recording it. (A killed runner's
 * backend cannot commit what its client never sent; one already committing holds the step row, so
 * the next run's claim waits for it and reads its range.)
 */
import { BackfillRefused } from './backfill-key.js';

/** Keys `(after, upTo]`; `after` null: from the table's first key. */
export interface KeyRange {
  after: string[] | null;
  upTo: string[];
  /** Order of hand-out: ranges ahead are kept sorted by it. */
  seq: number;
}

export interface Checkpoint {
  key: string[];
  last: string[] | null;
  batches: number;
  ahead: KeyRange[];
  owner?: string;
}

export function sameKey(a: string[] | null, b: string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function isKey(v: unknown, width: number): v is string[] {
  return Array.isArray(v) && v.length === width && v.every((x) => typeof x === 'string');
}

function isRange(v: unknown, width: number): v is KeyRange {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (r['after'] === null || isKey(r['after'], width)) && isKey(r['upTo'], width) && typeof r['seq'] === 'number';
}

/** The checkpoint as written on the step row (null before the first batch), checked against the key walked now. */
export function parseCheckpoint(
  stepId: string,
  table: string,
  keyColumns: string[],
  raw: Record<string, unknown> | null,
): Checkpoint {
  if (raw === null) return { key: keyColumns, last: null, batches: 0, ahead: [] };
  const walked = Array.isArray(raw['key']) ? (raw['key'] as unknown[]).join(', ') : keyColumns.join(', ');
  const last = raw['last'] ?? null;
  const ahead = raw['ahead'] ?? [];
  const width = keyColumns.length;
  if (
    walked !== keyColumns.join(', ') ||
    !(last === null || isKey(last, width)) ||
    !Array.isArray(ahead) ||
    !ahead.every((r) => isRange(r, width))
  ) {
    throw new BackfillRefused(
      `the checkpoint of ${stepId} (${JSON.stringify(raw)}) was written walking ${table} on (${walked}), but ` +
        `its key is now (${keyColumns.join(', ')})`,
      'give `key:` naming the columns the checkpoint used, or reset the step to start the backfill over',
    );
  }
  const owner = typeof raw['owner'] === 'string' ? { owner: raw['owner'] } : {};
  return {
    key: keyColumns,
    last,
    batches: Number(raw['batches'] ?? 0),
    ahead: [...ahead].sort((a, b) => a.seq - b.seq),
    ...owner,
  };
}

/** The checkpoint after `range` committed: the prefix grows over every range that now joins it. */
export function mergeRange(cp: Checkpoint, range: KeyRange): Checkpoint {
  const ahead = [...cp.ahead, range].sort((a, b) => a.seq - b.seq);
  let last = cp.last;
  for (
    let joined = ahead.findIndex((r) => sameKey(r.after, last));
    joined >= 0;
    joined = ahead.findIndex((r) => sameKey(r.after, last))
  ) {
    last = (ahead[joined] as KeyRange).upTo;
    ahead.splice(joined, 1);
  }
  return { ...cp, last, batches: cp.batches + 1, ahead };
}

/** Room in the numbering for the pieces a hole is redone in: ranges ahead are renumbered this far apart. */
export const SEQ_SPACING = 1_000_000;

/**
 * The ranges ahead numbered SEQ_SPACING apart (a run does this when it claims the checkpoint), so that holes have room
 * for their pieces.
 */
export function renumbered(cp: Checkpoint): Checkpoint {
  return { ...cp, ahead: cp.ahead.map((r, i) => ({ ...r, seq: (i + 1) * SEQ_SPACING })) };
}

/**
 * The holes before and between the ranges ahead (batches a stopped run had started but not
 * committed), of a renumbered checkpoint: each hole's `seq` is the first free number after the
 * range before it, and its pieces take the numbers after that.
 */
export function holes(cp: Checkpoint): KeyRange[] {
  const found: KeyRange[] = [];
  let end = cp.last;
  let endSeq = 0;
  for (const r of cp.ahead) {
    if (r.after !== null && !sameKey(r.after, end)) found.push({ after: end, upTo: r.after, seq: endSeq + 1 });
    end = r.upTo;
    endSeq = r.seq;
  }
  return found;
}

/** Where new ranges start: after the last range handed out (done or a hole), else after the prefix. */
export function frontier(cp: Checkpoint): { after: string[] | null; seq: number } {
  const top = cp.ahead.at(-1);
  return top ? { after: top.upTo, seq: top.seq + 1 } : { after: cp.last, seq: 1 };
}

/** What the step row stores. */
export function checkpointJson(cp: Checkpoint): Record<string, unknown> {
  return {
    key: cp.key,
    last: cp.last,
    batches: cp.batches,
    ...(cp.ahead.length > 0 ? { ahead: cp.ahead } : {}),
    ...(cp.owner === undefined ? {} : { owner: cp.owner }),
  };
}
