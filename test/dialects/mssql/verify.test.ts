import { describe, expect, it } from 'vitest';
import { mssqlBackfill as b } from '../../../src/dialects/mssql/backfill.js';
import {
  chunkRecord,
  LAST_RANGE,
  READ_RANGES,
  READ_SAMPLE,
  START_WALK,
} from '../../../src/dialects/mssql/backfill-findings.js';
import { toNamedParameters } from '../../../src/dialects/mssql/driver-mssql.js';
import { postgresBackfill } from '../../../src/dialects/postgres/backfill.js';

const step = { table: 'dbo.orders', compare: { customer_id_v: 'client_id' } };
const DIFFERS = 'NOT EXISTS (SELECT [customer_id_v] INTERSECT SELECT client_id)';
const BOUND =
  'SELECT TOP (1) b.[id] FROM (SELECT 1 AS schemashift_rank, n.* FROM (SELECT [id] FROM [dbo].[orders] WHERE [id] > $1 ' +
  'ORDER BY [id] OFFSET ($2 - 1) ROWS FETCH NEXT 1 ROWS ONLY) AS n UNION ALL SELECT 2, g.* FROM (SELECT TOP (1) [id] ' +
  'FROM [dbo].[orders] WHERE [id] > $1 ORDER BY [id] DESC) AS g) AS b ORDER BY b.schemashift_rank';

describe('mssql verify chunk', () => {
  it('one key column: bound in the key type, counts by CROSS APPLY, sample and last as FOR JSON only when some differ', () => {
    const s = b.verifyStatements(step, ['id'], 20);
    const range = '[id] > $1 AND [id] <= b.k1';
    const keys = (top: number, desc: string) =>
      `(SELECT CONVERT(nvarchar(4000), s.[id], 126) AS k1 FROM (SELECT TOP (${top}) [id] FROM [dbo].[orders] ` +
      `WHERE ${range} AND ${DIFFERS} ORDER BY [id]${desc}) AS s ORDER BY s.[id]${desc} FOR JSON PATH)`;
    expect(s.next).toBe(
      [
        'SELECT CONVERT(nvarchar(4000), b.k1, 126) AS k1, c.[rows], c.mismatches,',
        `CASE WHEN c.mismatches > 0 THEN ${keys(20, '')} END AS sample,`,
        `CASE WHEN c.mismatches > 0 THEN ${keys(1, ' DESC')} END AS last_mismatch`,
        `FROM (${BOUND}) AS b (k1)`,
        'CROSS APPLY (SELECT COUNT_BIG(*) AS [rows], ISNULL(SUM(r.differs), 0) AS mismatches FROM (SELECT CASE WHEN ' +
          `${DIFFERS} THEN 1 ELSE 0 END AS differs FROM [dbo].[orders] WHERE ${range}) AS r) AS c`,
      ].join('\n'),
    );
    expect(b.chunkShape(s)).toBe(s.next);
    expect(s.first).not.toContain('$2');
    expect(s.first).toContain('OFFSET ($1 - 1) ROWS');
    expect(s.first).toContain('WHERE [id] <= b.k1)');
  });

  it('no row-value comparison and no subquery inside an aggregate (error 130)', () => {
    const s = b.verifyStatements({ ...step, where: 'status <> 0' }, ['a', 'b'], 5);
    expect(s.next).not.toMatch(/\(\[a\], \[b\]\) [<>]/);
    expect(s.next).not.toMatch(/(SUM|COUNT_BIG)\([^)]*EXISTS/);
    expect(s.next).toContain(
      'WHERE [a] >= $1 AND (([a] > $1) OR ([a] = $1 AND [b] > $2)) AND [a] <= b.k1 AND (([a] < b.k1) OR ' +
        '([a] = b.k1 AND [b] <= b.k2)) AND (status <> 0)',
    );
    expect(s.next).toContain('OFFSET ($3 - 1) ROWS');
    expect(s.next).toContain(') AS b (k1, k2)');
    expect(s.next).toContain('ORDER BY s.[a] DESC, s.[b] DESC FOR JSON PATH) END AS last_mismatch');
    expect(
      s.next.startsWith('SELECT CONVERT(nvarchar(4000), b.k1, 126) AS k1, CONVERT(nvarchar(4000), b.k2, 126) AS k2,'),
    ).toBe(true);
  });

  it('hostile names stay bracketed; a -- comment in compare cannot swallow the rest; params map to @p', () => {
    const s = b.verifyStatements({ table: "x'].[y", compare: { 'c]': 'd -- note' } }, ["k]'"], 3);
    expect(s.next).toContain("FROM [x']]].[[y] WHERE [k]]'] > $1 AND [k]]'] <= b.k1");
    expect(s.next).toContain('NOT EXISTS (SELECT [c]]] INTERSECT SELECT (d -- note\n))');
    expect(toNamedParameters(s.next)).toContain('OFFSET (@p2 - 1) ROWS');
    expect(toNamedParameters(s.next)).not.toContain('$');
  });

  it('reads a chunk row as the mssql driver returns it (bigint as text, FOR JSON text, NULL when none differ)', () => {
    expect(b.chunkFindings({ k1: '500', rows: '500', mismatches: 0, sample: null, last_mismatch: null })).toEqual({
      rows: 500,
      mismatches: 0,
      sample: [],
      lastMismatch: null,
    });
    const row = {
      k1: '10',
      k2: 'z',
      rows: '1000',
      mismatches: 3,
      sample: '[{"k1":"2","k2":"a\\"b"},{"k1":"2","k2":"é"},{"k1":"7","k2":"2024-01-02T03:04:05"}]',
      last_mismatch: '[{"k1":"7","k2":"2024-01-02T03:04:05"}]',
    };
    expect(b.chunkFindings(row)).toEqual({
      rows: 1000,
      mismatches: 3,
      sample: [
        ['2', 'a"b'],
        ['2', 'é'],
        ['7', '2024-01-02T03:04:05'],
      ],
      lastMismatch: ['7', '2024-01-02T03:04:05'],
    });
  });

  it('differences counted but gone before the sample looked (READ COMMITTED with locks): none reported', () => {
    expect(b.chunkFindings({ k1: '9', rows: '9', mismatches: 2, sample: null, last_mismatch: null })).toEqual({
      rows: 9,
      mismatches: 0,
      sample: [],
      lastMismatch: null,
    });
  });

  it('PostgreSQL reads its own chunk row (arrays of text) through the same member', () => {
    const row = { k1: '9', rows: '9', mismatches: '2', sample: [['3'], ['5']], last_mismatch: [['5']] };
    expect(postgresBackfill.chunkFindings(row)).toEqual({
      rows: 9,
      mismatches: 2,
      sample: [['3'], ['5']],
      lastMismatch: ['5'],
    });
    expect(
      postgresBackfill.chunkFindings({ k1: '1', rows: 1, mismatches: 0, sample: null, last_mismatch: null }),
    ).toEqual({
      rows: 1,
      mismatches: 0,
      sample: [],
      lastMismatch: null,
    });
  });
});

function recorder(rows: Record<string, unknown>[] = []) {
  const seen: { sql: string; params: unknown[] }[] = [];
  const db = {
    query: (sql: string, params: unknown[] = []) => {
      seen.push({ sql, params });
      return Promise.resolve({ rows, rowCount: rows.length });
    },
    exec: () => Promise.resolve(),
  };
  return { db: db as never, seen };
}

const at = { plan: 'p', stepId: 'migrate.1.verify' };
const storedRange = {
  seq: 2,
  first: '["3","a"]',
  last: '["9","b"]',
  chunkEnd: '["12","c"]',
  rows: 4,
  sample: '[["3","a"],["5","x"]]',
};

describe('mssql verify findings', () => {
  it('ranges read with TOP, JSON text parsed', async () => {
    const { db, seen } = recorder([storedRange]);
    expect(await b.findings.readRanges(db, at, 10)).toEqual([
      {
        seq: 2,
        first: ['3', 'a'],
        last: ['9', 'b'],
        chunkEnd: ['12', 'c'],
        rows: 4,
        sample: [
          ['3', 'a'],
          ['5', 'x'],
        ],
      },
    ]);
    expect(seen).toEqual([{ sql: READ_RANGES, params: ['p', 'migrate.1.verify', 10] }]);
    expect(READ_RANGES).toBe(
      'SELECT TOP ($3) seq, first_key AS [first], last_key AS [last], chunk_end AS chunkEnd, CONVERT(float, [rows]) ' +
        'AS [rows], sample FROM schemashift.verify_mismatches WHERE plan_name = $1 AND step_id = $2 ORDER BY seq',
    );
  });

  it('sample flattened in range order; last range or null', async () => {
    const sample = recorder([{ sample: '[["1"]]' }, { sample: '[["4"],["6"]]' }]);
    expect(await b.findings.readSample(sample.db, at)).toEqual([['1'], ['4'], ['6']]);
    expect(sample.seen[0]?.sql).toBe(READ_SAMPLE);
    expect(READ_SAMPLE).toContain("AND sample <> N'[]' ORDER BY seq");
    const none = recorder([]);
    expect(await b.findings.lastRange(none.db, at)).toBeNull();
    expect(none.seen[0]?.sql).toBe(LAST_RANGE);
    expect(LAST_RANGE).toContain('SELECT TOP (1) ');
    expect(LAST_RANGE).toContain('ORDER BY seq DESC');
  });

  it('a new walk: ranges deleted and the checkpoint reset in one transaction, errors rolled back and re-raised', async () => {
    const { db, seen } = recorder();
    await b.findings.startWalk(db, at, { walk: 2 });
    expect(seen).toEqual([{ sql: START_WALK, params: ['p', 'migrate.1.verify', '{"walk":2}'] }]);
    expect(START_WALK).toBe(
      [
        'BEGIN TRY',
        '  BEGIN TRANSACTION;',
        '  DELETE FROM schemashift.verify_mismatches WHERE plan_name = $1 AND step_id = $2;',
        '  UPDATE schemashift.steps SET [checkpoint] = $3, rows_done = 0 WHERE plan_name = $1 AND step_id = $2;',
        '  COMMIT TRANSACTION;',
        'END TRY',
        'BEGIN CATCH',
        '  IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;',
        '  THROW;',
        'END CATCH;',
      ].join('\n'),
    );
  });

  it('a chunk: checkpoint only, a merged range, or a new range, each with the step row in one batch', () => {
    const clean = chunkRecord(at, { last: ['5'] }, 500, null);
    expect(clean).toEqual({
      sql:
        'UPDATE schemashift.steps SET [checkpoint] = $3, rows_done = rows_done + $4 WHERE plan_name = $1 AND ' +
        'step_id = $2',
      params: ['p', 'migrate.1.verify', '{"last":["5"]}', 500],
    });
    const range = { seq: 3, first: ['6'], last: ['8'], chunkEnd: ['10'], rows: 2, sample: [['6'], ['8']] };
    const merged = chunkRecord(at, {}, 5, { merged: true, added: 1, range });
    expect(merged.params).toEqual(['p', 'migrate.1.verify', '{}', 5, 3, '["8"]', '["10"]', 2, '[["6"],["8"]]']);
    expect(merged.sql).toContain(
      '  UPDATE schemashift.verify_mismatches SET last_key = $6, chunk_end = $7, [rows] = $8, sample = $9 WHERE ' +
        'plan_name = $1 AND step_id = $2 AND seq = $5;\n  UPDATE schemashift.steps',
    );
    const fresh = chunkRecord(at, {}, 5, { merged: false, added: 2, range });
    expect(fresh.params).toEqual(['p', 'migrate.1.verify', '{}', 5, 3, '["6"]', '["8"]', '["10"]', 2, '[["6"],["8"]]']);
    expect(fresh.sql).toContain(
      'INSERT INTO schemashift.verify_mismatches (plan_name, step_id, seq, first_key, last_key, chunk_end, [rows], ' +
        'sample) VALUES ($1, $2, $5, $6, $7, $8, $9, $10);',
    );
    expect(fresh.sql.startsWith('BEGIN TRY\n  BEGIN TRANSACTION;')).toBe(true);
  });
});
