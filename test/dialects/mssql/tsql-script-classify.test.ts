import { describe, expect, it } from 'vitest';
import type { LockInfo } from '../../../src/operations/types.js';
import { tsqlScripts } from '../../../src/dialects/mssql/tsql-script.js';

const one = (sql: string) => {
  const [statement, ...rest] = tsqlScripts.splitStatements(sql);
  expect(rest).toEqual([]);
  return statement as NonNullable<typeof statement>;
};
const lock = (sql: string) => {
  const { level, on } = one(sql).lock;
  return `${level} ${on.join(',')}`.trim();
};

describe('T-SQL statements: labels and locks', () => {
  it('reads CREATE INDEX online or offline, clustered or not', () => {
    const online = one(
      'CREATE UNIQUE NONCLUSTERED INDEX [ix a] ON [dbo].[orders] (a) WITH (ONLINE = ON (WAIT_AT_LOW_PRIORITY (MAX_DURATION = 1 MINUTES, ABORT_AFTER_WAIT = SELF)))',
    );
    expect(online).toMatchObject({
      label: 'create_index',
      lock: { level: 'IS', impact: 'blocks-ddl', on: ['dbo.orders'] },
    });
    expect(online.buildsIndex).toEqual({ name: 'ix a', table: 'dbo.orders' });
    expect(online.ownTransactionReason).toBeUndefined();
    const offline = one('CREATE INDEX ix ON orders (a) WITH (FILLFACTOR = 90)');
    expect(offline.lock).toEqual({ level: 'S', impact: 'blocks-writes', on: ['orders'] });
    expect(offline.buildsIndex).toBeUndefined();
    expect(lock('CREATE CLUSTERED INDEX cx ON orders (a)')).toBe('Sch-M orders');
    expect(lock('CREATE INDEX ix ON orders (a) WITH (ONLINE = OFF)')).toBe('S orders');
  });

  it('names a resumable index build as one SQL Server refuses inside a transaction', () => {
    const s = one('CREATE INDEX ix ON orders (a) WITH (ONLINE = ON, RESUMABLE = ON, MAX_DURATION = 60)');
    expect(s.ownTransactionReason).toBe('CREATE INDEX … WITH (RESUMABLE = ON)');
    expect(one('ALTER INDEX ix ON orders REBUILD WITH (ONLINE = ON, RESUMABLE = ON)').ownTransactionReason).toBe(
      'ALTER INDEX … REBUILD WITH (RESUMABLE = ON)',
    );
  });

  it('names the statements SQL Server refuses in a user transaction', () => {
    const reasons = [
      'ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON',
      'CREATE FULLTEXT CATALOG ftc',
      "BACKUP DATABASE d TO DISK = N'x'",
      'RECONFIGURE',
      'DROP FULLTEXT INDEX ON t',
    ].map((sql) => one(sql).ownTransactionReason);
    expect(reasons).toEqual([
      'ALTER DATABASE',
      'CREATE FULLTEXT CATALOG',
      'BACKUP',
      'RECONFIGURE',
      'DROP FULLTEXT INDEX',
    ]);
    expect(one('UPDATE STATISTICS t').ownTransactionReason).toBeUndefined();
  });

  it('reads ALTER TABLE actions as Sch-M, a foreign key on both tables, an online ALTER COLUMN as IS', () => {
    expect(one('ALTER TABLE t ADD c int NULL').label).toBe('alter_table');
    expect(lock('ALTER TABLE t ADD c int NULL')).toBe('Sch-M t');
    expect(lock('ALTER TABLE sales.t WITH NOCHECK ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES [sales].[p] (id)')).toBe(
      'Sch-M sales.t,sales.p',
    );
    expect(lock('ALTER TABLE t ALTER COLUMN c bigint NOT NULL WITH (ONLINE = ON)')).toBe('IS t');
    expect(lock('ALTER TABLE t WITH CHECK CHECK CONSTRAINT ck')).toBe('Sch-M t');
    expect(lock('ALTER TABLE t DROP COLUMN c')).toBe('Sch-M t');
  });

  it('counts lock escalation: X without TOP or with TOP at 5,000 or more, IX below', () => {
    expect(lock('UPDATE dbo.t SET a = 1 WHERE id = 5')).toBe('X dbo.t');
    expect(lock('UPDATE TOP (4999) t SET a = 1')).toBe('IX t');
    expect(lock('DELETE TOP (5000) FROM t')).toBe('X t');
    expect(lock('DELETE TOP (@n) FROM t')).toBe('X t');
    expect(lock("INSERT INTO t (a) VALUES (1), (N'x;y')")).toBe('IX t');
    expect(lock('INSERT INTO t (a) SELECT a FROM s')).toBe('X t');
    expect(lock('MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE;')).toBe('X t');
    expect(lock('UPDATE #work SET a = 1')).toBe('none');
    expect(lock('WITH c AS (SELECT id FROM t) DELETE FROM c')).toBe('X c');
    expect(one('UPDATE t SET a = 1').label).toBe('update');
  });

  it('reads SELECT as IS on the tables it reads, and SET/DECLARE as no table lock', () => {
    expect(lock('SELECT a FROM dbo.t JOIN s ON s.id = t.id')).toBe('IS dbo.t,s');
    expect(lock('SELECT 1')).toBe('none');
    expect(lock('SET LOCK_TIMEOUT 1000')).toBe('none');
    expect(lock('DECLARE @n int = 1')).toBe('none');
  });

  it('marks transaction control', () => {
    const labels = ['BEGIN TRAN', 'BEGIN TRANSACTION x', 'COMMIT', 'COMMIT TRANSACTION', 'ROLLBACK TRAN'].map((sql) => [
      one(sql).label,
      one(sql).controlsTransaction,
      one(sql).lock.level,
    ]);
    expect(labels).toEqual([
      ['begin_transaction', true, 'none'],
      ['begin_transaction', true, 'none'],
      ['commit', true, 'none'],
      ['commit_transaction', true, 'none'],
      ['rollback_transaction', true, 'none'],
    ]);
    expect(one('SAVE TRANSACTION sp').controlsTransaction).toBe(false);
  });

  it('reads sp_rename, positional or named, as Sch-M on the table', () => {
    const s = one("EXEC sp_rename N'dbo.orders.client_id', N'customer_id', N'COLUMN'");
    expect([s.label, s.lock.level, s.lock.on]).toEqual(['rename', 'Sch-M', ['dbo.orders']]);
    expect(lock("EXECUTE sys.sp_rename @objname = N'orders', @newname = N'orders_old'")).toBe('Sch-M orders');
  });

  it('reads CREATE/DROP of tables, views, procedures and triggers', () => {
    expect(one('CREATE TABLE t (a int, b int)').label).toBe('create_table');
    expect(lock('CREATE TABLE t (a int, b int)')).toBe('Sch-M t');
    expect(lock('DROP TABLE IF EXISTS a, dbo.b')).toBe('Sch-M a,dbo.b');
    expect(lock('TRUNCATE TABLE t')).toBe('Sch-M t');
    expect(lock('CREATE VIEW v AS SELECT a FROM t')).toBe('none');
    expect(lock('CREATE OR ALTER VIEW dbo.v AS SELECT a FROM t')).toBe('Sch-M dbo.v');
    expect(one('CREATE OR ALTER VIEW dbo.v AS SELECT a FROM t').label).toBe('create_view');
    expect(lock('CREATE PROCEDURE p AS BEGIN UPDATE t SET a = 1; END')).toBe('none');
    expect(lock('CREATE TRIGGER tr ON dbo.t AFTER INSERT, UPDATE AS SELECT 1')).toBe('Sch-M dbo.t');
    expect(lock('DROP INDEX ix ON dbo.t')).toBe('Sch-M dbo.t');
    expect(lock('ALTER INDEX ix ON t REORGANIZE')).toBe('IS t');
  });

  it('gives statements it does not know Sch-M, on the table it names when it can find one', () => {
    expect(one('IF 1 = 1 BEGIN UPDATE t SET a = 1; END').lock).toEqual({
      level: 'Sch-M',
      impact: 'blocks-all',
      on: [],
    });
    expect(lock('ALTER SCHEMA s TRANSFER dbo.t')).toBe('Sch-M');
    expect(lock('EXEC dbo.do_things')).toBe('Sch-M');
    expect(lock('ENABLE TRIGGER tr ON dbo.t')).toBe('Sch-M dbo.t');
  });
});

describe('T-SQL statements: strongest lock', () => {
  const l = (level: string, on: string[]) => ({ level, impact: 'none', on }) as unknown as LockInfo;
  it('takes the strongest level and every table locked at it', () => {
    expect(tsqlScripts.strongestLock([l('IS', ['a']), l('Sch-M', ['b']), l('X', ['c']), l('Sch-M', ['d'])])).toEqual({
      level: 'Sch-M',
      impact: 'blocks-all',
      on: ['b', 'd'],
    });
    expect(tsqlScripts.strongestLock([l('IX', ['a']), l('S', ['b'])])).toEqual({
      level: 'S',
      impact: 'blocks-writes',
      on: ['b'],
    });
    expect(tsqlScripts.strongestLock([])).toEqual({ level: 'none', impact: 'none', on: [] });
  });
  it('counts a level it does not know as Sch-M', () => {
    expect(tsqlScripts.strongestLock([l('ACCESS EXCLUSIVE', ['a']), l('X', ['b'])])).toEqual({
      level: 'Sch-M',
      impact: 'blocks-all',
      on: ['a'],
    });
  });
});

describe('T-SQL statements: drops', () => {
  it('words what a script removes as the PostgreSQL dialect does', () => {
    expect(
      tsqlScripts.statementsDrops(
        'ALTER TABLE dbo.t DROP COLUMN IF EXISTS a, [b c], CONSTRAINT ck;\nDROP INDEX ix ON t, t2.ix2;\n' +
          'DROP VIEW IF EXISTS v\nGO\nDROP TABLE a, s.b; TRUNCATE TABLE z; DELETE FROM y WHERE id = 1; DROP PROC p',
      ),
    ).toEqual([
      'column dbo.t.a',
      'column dbo.t.b c',
      'constraint ck on dbo.t',
      'index ix',
      'index ix2',
      'view v',
      'table a',
      'table s.b',
      'every row of table z',
      'rows of table y (DELETE)',
      'procedure p',
    ]);
  });
  it('drops nothing for other statements, and is undefined for refused SQL', () => {
    expect(tsqlScripts.statementsDrops("SELECT 'DROP TABLE t'")).toEqual([]);
    expect(tsqlScripts.statementsDrops('DROP TABLE (')).toBeUndefined();
  });
});
