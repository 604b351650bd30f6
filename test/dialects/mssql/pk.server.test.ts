/**
 * add_primary_key on a real SQL Server, through the CLI as a user runs it (skipped, with global-setup's
 * loud line, where no SQL Server answers): the example plan makes tenant_id NOT NULL and adds the key
 * NONCLUSTERED (the heap is not rebuilt); rollback drops the key and makes tenant_id nullable again;
 * the guard refuses a second primary key and a nullable key column not listed in set_not_null.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/db/index.js';
import { createMssqlDatabase, mssqlAdminUrl, type MssqlTestDatabase } from '../../support/mssql-databases.js';
import { runCli, writePlan } from '../../runner/cli-process.js';

const PLAN = 'examples/mssql/add-primary-key.yaml';

async function seed(conn: Connection, extra = ''): Promise<void> {
  await conn.exec(`
    CREATE TABLE dbo.events (tenant_id int NULL, id int NOT NULL, kind nvarchar(20) NOT NULL${extra});
    WITH n AS (SELECT TOP (5000) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS i FROM sys.all_objects a CROSS JOIN sys.all_objects b)
    INSERT INTO dbo.events (tenant_id, id, kind) SELECT 1 + i % 10, i, N'click' FROM n;`);
}

/** The key's index, the column nullability and the helper CHECKs of dbo.events, as comparable text. */
async function keyState(conn: Connection): Promise<string[]> {
  const { rows } = await conn.query<{ item: string }>(`
    SELECT CONCAT('key ', k.name, ' ', i.type_desc, ' ', STRING_AGG(c.name, ',') WITHIN GROUP (ORDER BY ic.key_ordinal)) AS item
      FROM sys.key_constraints AS k
      JOIN sys.indexes AS i ON i.object_id = k.parent_object_id AND i.index_id = k.unique_index_id
      JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
      JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
      WHERE k.parent_object_id = OBJECT_ID(N'dbo.events') AND k.type = 'PK' GROUP BY k.name, i.type_desc
    UNION ALL SELECT CONCAT('column ', name, CASE WHEN is_nullable = 1 THEN ' null' ELSE ' not null' END)
      FROM sys.columns WHERE object_id = OBJECT_ID(N'dbo.events') AND name IN (N'tenant_id', N'id')
    UNION ALL SELECT CONCAT('check ', name) FROM sys.check_constraints WHERE parent_object_id = OBJECT_ID(N'dbo.events')
    UNION ALL SELECT CONCAT('heap ', type_desc) FROM sys.indexes WHERE object_id = OBJECT_ID(N'dbo.events') AND index_id = 0`);
  return rows.map((r) => r.item).sort();
}

describe.skipIf(!mssqlAdminUrl)('add_primary_key on SQL Server (real server)', () => {
  const opened: MssqlTestDatabase[] = [];
  const open = async (): Promise<MssqlTestDatabase> => {
    const db = await createMssqlDatabase('schemashift_pk');
    opened.push(db);
    return db;
  };
  afterAll(async () => {
    for (const db of opened) await db.close();
  });

  it('adds the key NONCLUSTERED after making tenant_id NOT NULL; rollback restores the table', async () => {
    const db = await open();
    await seed(db.conn);
    const before = await keyState(db.conn);
    expect(before).toEqual(['column id not null', 'column tenant_id null', 'heap HEAP']);
    const run = await runCli(['run', PLAN, '--yes', '--database', db.url]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await keyState(db.conn)).toEqual([
      'column id not null',
      'column tenant_id not null',
      'heap HEAP',
      'key events_pkey NONCLUSTERED tenant_id,id',
    ]);
    const back = await runCli(['rollback', PLAN, '--yes', '--database', db.url]);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(await keyState(db.conn)).toEqual(before);
  }, 300_000);

  it('the guard refuses a table that has another primary key, and changes nothing', async () => {
    const db = await open();
    await seed(db.conn, ', CONSTRAINT events_id_pk PRIMARY KEY NONCLUSTERED (id)');
    const before = await keyState(db.conn);
    const run = await runCli(['run', PLAN, '--yes', '--database', db.url]);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('already has a primary key');
    expect(await keyState(db.conn)).toEqual(before);
  }, 300_000);

  it('the guard refuses a nullable key column that is not in set_not_null', async () => {
    const db = await open();
    await seed(db.conn);
    const plan = writePlan(readFileSync(PLAN, 'utf8').replace(/\n\s*set_not_null: \[tenant_id\]/, ''));
    const before = await keyState(db.conn);
    const run = await runCli(['run', plan, '--yes', '--database', db.url]);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('is nullable');
    expect(await keyState(db.conn)).toEqual(before);
  }, 300_000);
});
