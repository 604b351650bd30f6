/**
 * SQL Server's verify on a real SQL Server (skipped, with global-setup's loud line, where none
 * answers): a walk of chunks on a composite key counts every row once, finds exactly the planted
 * differences (NULL = NULL is no difference) with their keys in order, and the findings round-trip
 * through the state schema, a failed record leaving nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mssqlBackfill, transaction } from '../../../src/dialects/mssql/backfill.js';
import { MssqlStateStore } from '../../../src/dialects/mssql/state-store.js';
import { createMssqlDatabase, mssqlAdminUrl, type MssqlTestDatabase } from '../../support/mssql-databases.js';

const PLANTED = [
  ['3', 'k1'],
  ['4', 'k0'],
  ['150', 'k2'],
  ['151', 'k0'],
  ['300', 'k1'],
];

describe.skipIf(!mssqlAdminUrl)('SQL Server verify (real server)', () => {
  let db: MssqlTestDatabase;
  beforeAll(async () => {
    db = await createMssqlDatabase('schemashift_verify');
    await db.conn.exec(`CREATE TABLE dbo.pairs (a int NOT NULL, b nvarchar(10) NOT NULL, old_v int NULL, new_v int NULL,
      CONSTRAINT pk_pairs PRIMARY KEY (a, b));
      INSERT INTO dbo.pairs (a, b, old_v, new_v) SELECT n / 3, CONCAT(N'k', n % 3), NULLIF(n % 7, 0), NULLIF(n % 7, 0)
      FROM (SELECT TOP (1000) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) - 1 AS n FROM sys.all_objects x CROSS JOIN sys.all_objects y) AS g`);
    for (const [a, b] of PLANTED)
      await db.conn.query('UPDATE dbo.pairs SET new_v = ISNULL(new_v, 0) + 100 WHERE a = $1 AND b = $2', [
        Number(a),
        b,
      ]);
  });
  afterAll(() => db?.close());

  it('a walk in chunks: every row counted once, exactly the planted keys, in key order', async () => {
    const sql = mssqlBackfill.verifyStatements({ table: 'dbo.pairs', compare: { new_v: 'old_v' } }, ['a', 'b'], 20);
    const tx = transaction({ readOnly: true, lockTimeoutMs: 2000 });
    let last: string[] | null = null;
    let rows = 0;
    let mismatches = 0;
    const sample: string[][] = [];
    const lasts: string[][] = [];
    await db.conn.session(async (s) => {
      for (;;) {
        await s.exec(tx.begin);
        const r = (await s.query<Record<string, unknown>>(last ? sql.next : sql.first, [...(last ?? []), 77])).rows[0];
        await s.exec(tx.commit);
        if (!r) break;
        const found = mssqlBackfill.chunkFindings(r);
        rows += found.rows;
        mismatches += found.mismatches;
        sample.push(...found.sample);
        if (found.lastMismatch) lasts.push(found.lastMismatch);
        if (found.mismatches === 0) expect(found.sample).toEqual([]);
        last = [String(r['k1']), String(r['k2'])];
      }
    });
    expect(rows).toBe(1000);
    expect(mismatches).toBe(PLANTED.length);
    expect(sample).toEqual(PLANTED);
    expect(lasts.every((k) => PLANTED.some((p) => p.join() === k.join()))).toBe(true);
  });

  it('findings round-trip: a new range, a merged one, a new walk clears them', async () => {
    const store = new MssqlStateStore(db.conn);
    await store.ensureSchema();
    const def = {
      step_id: 'v',
      ordinal: 0,
      phase: 'migrate',
      kind: 'verify',
      summary: 'v',
      entry_id: 'e',
      entry_hash: 'h',
    };
    await store.beginRun({ name: 'p', file: 'p.yaml', hash: 'h' }, { user: 'u', host: 'h', pid: 1 }, [def]);
    const at = { plan: 'p', stepId: 'v' };
    const f = mssqlBackfill.findings;
    await f.startWalk(db.conn, at, { walk: 1 });
    const range = {
      seq: 1,
      first: ['3', "O'k"],
      last: ['4', 'k0'],
      chunkEnd: ['25', 'k1'],
      rows: 2,
      sample: [['3', "O'k"]],
    };
    await f.recordChunk(db.conn, at, { walk: 1, last: ['25', 'k1'] }, 77, { merged: false, added: 1, range });
    const grown = {
      ...range,
      last: ['30', 'k2'],
      chunkEnd: ['50', 'k0'],
      rows: 3,
      sample: [...range.sample, ['30', 'k2']],
    };
    await f.recordChunk(db.conn, at, { walk: 1, last: ['50', 'k0'] }, 77, { merged: true, added: 1, range: grown });
    await f.recordChunk(db.conn, at, { walk: 1, last: ['75', 'k0'] }, 77, null);
    expect(await f.readRanges(db.conn, at)).toEqual([grown]);
    expect(await f.lastRange(db.conn, at)).toEqual(grown);
    expect(await f.readSample(db.conn, at)).toEqual(grown.sample);
    const step = (await store.getSteps('p'))[0]!;
    expect(step.checkpoint).toEqual({ walk: 1, last: ['75', 'k0'] });
    expect(Number(step.rows_done)).toBe(231);
    // A range whose seq is taken (primary key) fails, and the step row is left as it was.
    await expect(
      f.recordChunk(db.conn, at, { walk: 1, last: ['99', 'k0'] }, 5, { merged: false, added: 0, range }),
    ).rejects.toThrow();
    expect(Number((await store.getSteps('p'))[0]!.rows_done)).toBe(231);
    await f.startWalk(db.conn, at, { walk: 2 });
    expect(await f.readRanges(db.conn, at)).toEqual([]);
    expect(await f.lastRange(db.conn, at)).toBeNull();
    expect((await store.getSteps('p'))[0]!.checkpoint).toEqual({ walk: 2 });
  });
});
