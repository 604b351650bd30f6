import { describe, expect, it } from 'vitest';
import type { QueryResult, Queryable } from '../../../src/db/connection.js';
import { toNamedParameters } from '../../../src/dialects/mssql/driver-mssql.js';
import {
  ensureSchemaScript,
  MSSQL_STATE_MIGRATIONS,
  MSSQL_STATE_VERSION,
} from '../../../src/dialects/mssql/state-migrations.js';
import { MssqlStateStore, setStepSql } from '../../../src/dialects/mssql/state-store.js';

function recorder(rows: unknown[] = []) {
  const seen: { sql: string; params: unknown[] }[] = [];
  const scripts: string[] = [];
  const db: Queryable = {
    query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
      seen.push({ sql, params });
      return Promise.resolve({ rows: rows as R[], rowCount: rows.length });
    },
    exec(script: string): Promise<void> {
      scripts.push(script);
      return Promise.resolve();
    },
  };
  return { db, seen, scripts };
}

describe('mssql state schema', () => {
  it('mirrors the PostgreSQL versions, the last one 6', () => {
    expect(MSSQL_STATE_MIGRATIONS.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(MSSQL_STATE_VERSION).toBe(6);
  });

  it('one batch, one transaction, under an exclusive transaction-owned applock; idempotent creation', () => {
    const script = ensureSchemaScript();
    const head = script.split('\n').slice(0, 7).join('\n');
    expect(head).toBe(
      [
        'SET XACT_ABORT ON;',
        'BEGIN TRANSACTION;',
        'DECLARE @lock int;',
        "EXEC @lock = sys.sp_getapplock @Resource = N'schemashift.state', @LockMode = N'Exclusive', " +
          "@LockOwner = N'Transaction', @LockTimeout = 60000;",
        "IF @lock < 0 THROW 50000, N'schemashift: timed out waiting for another runner to upgrade the state schema', 1;",
        "IF SCHEMA_ID(N'schemashift') IS NULL EXEC(N'CREATE SCHEMA schemashift');",
        "IF OBJECT_ID(N'schemashift.state_version', N'U') IS NULL CREATE TABLE schemashift.state_version " +
          '(version int NOT NULL PRIMARY KEY, applied_at datetime2 NOT NULL DEFAULT SYSUTCDATETIME());',
      ].join('\n'),
    );
    expect(script).toContain(
      'IF NOT EXISTS (SELECT 1 FROM schemashift.state_version WHERE version = 4)\nBEGIN\n' +
        "  EXEC(N'ALTER TABLE schemashift.steps ADD adopted bit NOT NULL DEFAULT 0');\n" +
        '  INSERT INTO schemashift.state_version (version) VALUES (4);\nEND;',
    );
    expect(script.endsWith('COMMIT TRANSACTION;')).toBe(true);
    // Quotes inside each EXEC'd statement are doubled.
    expect(script).toContain("status      nvarchar(40) NOT NULL DEFAULT N''pending'',");
    expect(script).toContain("THROW 50000, N''schemashift.events is append-only'', 1;");
    expect(script).toContain('[checkpoint] nvarchar(max) NULL CHECK (ISJSON([checkpoint]) = 1),');
    expect(script).toContain('INSTEAD OF UPDATE, DELETE');
    expect(script).not.toMatch(/^\s*GO\s*$/m);
  });
});

describe('mssql state store', () => {
  it('ensureSchema sends the script once', async () => {
    const r = recorder();
    await new MssqlStateStore(r.db).ensureSchema();
    expect(r.scripts).toEqual([ensureSchemaScript()]);
  });

  it('beginRun: MERGE … WITH (HOLDLOCK) upserts, steps and ids as JSON parameters, never spliced', async () => {
    const r = recorder();
    const step = {
      step_id: "s']1",
      ordinal: 1,
      phase: 'expand',
      kind: 'ddl',
      summary: 'ünï',
      entry_id: 'e',
      entry_hash: 'h',
    };
    await new MssqlStateStore(r.db).beginRun(
      { name: "p'n", file: 'f.yaml', hash: 'x' },
      { user: 'u', host: 'h', pid: 7 },
      [step],
    );
    expect(r.seen.map((s) => s.params)).toEqual([
      ["p'n", 'f.yaml', 'x', 'u', 'h', 7],
      ["p'n", JSON.stringify([step])],
      ["p'n", JSON.stringify(["s']1"])],
    ]);
    expect(r.seen[0]?.sql.startsWith('MERGE schemashift.runs WITH (HOLDLOCK) AS r')).toBe(true);
    expect(r.seen[1]?.sql).toContain('FROM OPENJSON($2) WITH (step_id nvarchar(240), ordinal int');
    expect(r.seen[2]?.sql).toBe(
      "DELETE FROM schemashift.steps WHERE plan_name = $1 AND status = N'pending'\n" +
        "  AND step_id NOT IN (SELECT j.id FROM OPENJSON($2) WITH (id nvarchar(240) '$') AS j)",
    );
    // `$` inside the N'$' path is a string, never a parameter.
    expect(toNamedParameters(r.seen[2]?.sql ?? '')).toContain("OPENJSON(@p2) WITH (id nvarchar(240) '$')");
    for (const s of r.seen) expect(s.sql).not.toContain("p'n");
  });

  it('setStep: the reserved CHECKPOINT column bracketed, JSON as text, counters added', () => {
    expect(setStepSql('p', 's', { checkpoint: { k: ['1'] }, attempt: true, add_rows: 5, status: 'done' })).toEqual({
      sql:
        'UPDATE schemashift.steps SET [checkpoint] = $3, attempts = attempts + 1, rows_done = rows_done + $4, ' +
        '[status] = $5 WHERE plan_name = $1 AND step_id = $2',
      params: ['p', 's', '{"k":["1"]}', 5, 'done'],
    });
    expect(setStepSql('p', 's', {})).toEqual({ params: ['p', 's'] });
  });

  it('reads JSON columns back as values', async () => {
    const r = recorder([{ id: 3, data: '{"a":1}', plan_name: 'p' }]);
    const events = await new MssqlStateStore(r.db).events('p', 10);
    expect(events).toEqual([{ id: '3', data: { a: 1 }, plan_name: 'p' }]);
    expect(r.seen[0]).toEqual({
      sql:
        'SELECT e.* FROM (SELECT TOP ($2) * FROM schemashift.events WHERE plan_name = $1 ORDER BY id DESC) AS e\n' +
        'ORDER BY e.id',
      params: ['p', 10],
    });
    const steps = recorder([{ checkpoint: '{"k":["9"]}', pace: null }]);
    expect(await new MssqlStateStore(steps.db).stepForUpdate('p', 's', steps.db)).toEqual({
      checkpoint: { k: ['9'] },
      pace: null,
    });
    expect(steps.seen[0]?.sql).toBe(
      'SELECT * FROM schemashift.steps WITH (UPDLOCK, ROWLOCK) WHERE plan_name = $1 AND step_id = $2',
    );
  });
});
