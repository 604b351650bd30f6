import { postgres } from '../../src/dialects/postgres/postgres-dialect.js';
import { findOperation } from '../../src/operations/index.js';
import type { Phase, SqlStep, Step } from '../../src/operations/types.js';
import { ensureSqlParser } from '../../src/dialects/postgres/sql/parser.js';
import type { TestDatabase } from './databases.js';

await ensureSqlParser();

/** Parse a spec with the operation's own schema (throws with zod's message when invalid). */
export function parseSpec(kind: string, spec: unknown): unknown {
  const op = findOperation(kind);
  if (!op) throw new Error(`no operation ${kind}`);
  return op.schema.parse(spec);
}

export function forward(kind: string, spec: unknown, phase: Phase = 'expand', id = `${kind}:test`): Step[] {
  const op = findOperation(kind)!;
  return op.forward(parseSpec(kind, spec), { dialect: postgres, id, phase });
}

export function inverse(kind: string, spec: unknown, phase: Phase = 'expand', id = `${kind}:test`) {
  const op = findOperation(kind)!;
  return op.inverse(parseSpec(kind, spec), { dialect: postgres, id, phase });
}

export function sqlOf(steps: Step[]): string[] {
  return steps.map((s) => ('sql' in s ? s.sql : `<${s.kind}>`));
}

/** Execute the SQL steps as the runner would (each statement on its own, outside any transaction block). */
export async function applySql(db: TestDatabase, steps: Step[], phases?: Phase[]): Promise<void> {
  for (const step of steps) {
    if (step.kind !== 'sql') continue;
    if (phases && !phases.includes(step.phase)) continue;
    await db.exec(step.sql);
  }
}

/** Run a step's probe: true when its effect is in place. */
export async function probe(db: TestDatabase, step: SqlStep): Promise<boolean> {
  if (!step.probe) throw new Error(`step ${step.id} has no probe`);
  const rows = await db.query(step.probe);
  return Object.values(rows[0] ?? {})[0] === true;
}

/**
 * Loop a backfill's displayed batch statements as the runner does: the bound (`$1..` the last key as
 * text, then the size) returns the greatest key of the batch `{ k1.. }`, or no row when done; the
 * UPDATE takes the last key and the bound. Returns the number of batches.
 */
export async function loopBatches(db: TestDatabase, batchSql: string, size: number, start: unknown[]): Promise<number> {
  const [boundSql, updateSql] = batchSql.split(';\n');
  let last = start;
  for (let batches = 0; ; batches++) {
    const [row] = await db.query<Record<string, unknown>>(boundSql!, [...last, size]);
    if (!row) return batches;
    const bound = Object.keys(row)
      .filter((k) => /^k\d+$/.test(k))
      .sort()
      .map((k) => row[k]);
    await db.query(updateSql!, [...last, ...bound]);
    last = bound;
  }
}

/** Loop a verify's displayed chunk statement as the runner does (`$1..` the last key as text, then the size); returns the rows that differ. */
export async function loopChunks(db: TestDatabase, chunkSql: string, size: number, start: unknown[]): Promise<number> {
  let last = start;
  let mismatches = 0;
  for (;;) {
    const [row] = await db.query<Record<string, unknown>>(chunkSql, [...last, size]);
    if (!row) return mismatches;
    mismatches += Number(row['mismatches']);
    last = Object.keys(row)
      .filter((k) => /^k\d+$/.test(k))
      .sort()
      .map((k) => row[k]);
  }
}

/** Run one phase as the runner will: SQL directly, backfills batch by batch, checks against their expected value. */
export async function runPhase(db: TestDatabase, steps: Step[], phase: Phase): Promise<void> {
  for (const step of steps.filter((s) => s.phase === phase)) {
    if (step.kind === 'sql') await db.exec(step.sql);
    if (step.kind === 'backfill') await loopBatches(db, step.batchSql, step.batch.size, [0]);
    if (step.kind === 'verify') {
      const differ = await loopChunks(db, step.chunkSql, step.batch.size, [0]);
      if (differ !== 0) throw new Error(`verify ${step.id}: ${differ} rows differ`);
    }
    if (step.kind === 'check') {
      const [row] = await db.query(step.sql);
      if (String(Object.values(row ?? {})[0]) !== String(step.expect))
        throw new Error(`check ${step.id} returned ${JSON.stringify(row)}, expected ${String(step.expect)}`);
    }
  }
}

/** pg_constraint.convalidated of a table's constraint (undefined when it does not exist). */
export async function convalidated(db: TestDatabase, table: string, name: string): Promise<boolean | undefined> {
  const rows = await db.query<{ convalidated: boolean }>(
    'SELECT convalidated FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2',
    [table, name],
  );
  return rows[0]?.convalidated;
}
