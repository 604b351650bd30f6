import { describe, expect, it } from 'vitest';
import { splitBatches, tsqlScripts } from '../../../src/dialects/mssql/tsql-script.js';

const texts = (sql: string) => tsqlScripts.splitStatements(sql).map((s) => s.text);
const problem = (sql: string) => tsqlScripts.statementsProblem(sql);

describe('T-SQL scripts: splitting', () => {
  it('splits on top-level semicolons and keeps each statement exactly as written, with its offset', () => {
    const sql = "  UPDATE t SET a = 1;\n\nDELETE FROM t WHERE b = N'x' ;  ";
    const statements = tsqlScripts.splitStatements(sql);
    expect(statements.map((s) => [s.text, s.offset])).toEqual([
      ['UPDATE t SET a = 1', 2],
      ["DELETE FROM t WHERE b = N'x'", 23],
    ]);
  });

  it('does not split on ; or GO inside strings, N strings, comments or [names]', () => {
    const sql = "SELECT 'a;b', N'c;\nGO\nd' AS [x;GO] -- ; GO\n/* ;\nGO\n*/ FROM [GO]";
    expect(texts(sql)).toEqual([sql]);
  });

  it('splits batches on GO on a line of its own, with spaces and a trailing comment', () => {
    const sql = 'SELECT 1\n  go  -- next\nSELECT 2\nGO\n';
    expect(texts(sql)).toEqual(['SELECT 1', 'SELECT 2']);
    expect(splitBatches(sql)).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('keeps several statements of one batch together in splitBatches', () => {
    expect(splitBatches('SELECT 1; SELECT 2\nGO\nSELECT 3')).toEqual(['SELECT 1; SELECT 2', 'SELECT 3']);
  });

  it('reads GO that is not alone on its line, or [GO], as a name', () => {
    expect(texts('SELECT 1 AS GO')).toEqual(['SELECT 1 AS GO']);
    expect(texts('SELECT [GO] FROM t\n[GO]')).toEqual(['SELECT [GO] FROM t\n[GO]']);
  });

  it('keeps a procedure body with BEGIN…END, TRY/CATCH and CASE…END as one statement', () => {
    const sql =
      'CREATE PROCEDURE p AS\nBEGIN\n  BEGIN TRY\n    UPDATE t SET a = CASE WHEN b = 1 THEN 2 ELSE 3 END;\n' +
      '    IF @@ROWCOUNT = 0 BEGIN PRINT 1; END;\n  END TRY\n  BEGIN CATCH\n    THROW;\n  END CATCH\nEND';
    expect(texts(sql)).toEqual([sql]);
  });

  it('does not count BEGIN TRAN or END CONVERSATION as a block', () => {
    expect(texts('BEGIN TRAN; UPDATE t SET a = 1; COMMIT')).toEqual(['BEGIN TRAN', 'UPDATE t SET a = 1', 'COMMIT']);
    expect(texts('END CONVERSATION @h; SELECT 1')).toEqual(['END CONVERSATION @h', 'SELECT 1']);
  });

  it('ignores empty statements between semicolons', () => {
    expect(texts(';; SELECT 1 ;;')).toEqual(['SELECT 1']);
  });
});

describe('T-SQL scripts: refusals', () => {
  it('refuses GO with a count, at the GO', () => {
    expect(problem('SELECT 1\nGO 5')).toEqual({
      message: 'GO 5 runs its batch 5 times; schemashift runs each statement once',
      offset: 9,
      hint: 'write the loop in T-SQL (WHILE), or use a backfill step for repeated batches',
    });
  });

  it('refuses unclosed text with the lexer offset, as syntax', () => {
    expect(problem("SELECT N'abc")).toEqual({ message: 'a string is not closed', offset: 8, syntax: true });
    expect(problem('SELECT 1 /* x')).toMatchObject({ offset: 9, syntax: true });
  });

  it('refuses unbalanced parentheses and blocks, as syntax', () => {
    expect(problem('SELECT (1')).toEqual({ message: '`(` is not closed', offset: 7, syntax: true });
    expect(problem('SELECT 1)')).toEqual({ message: '`)` closes no `(`', offset: 8, syntax: true });
    expect(problem('SELECT 1; END')).toEqual({ message: 'END closes no BEGIN or CASE', offset: 10, syntax: true });
    expect(problem('BEGIN\nSELECT 1\nGO\nEND')).toMatchObject({
      message: 'BEGIN has no END before the end of its batch',
      offset: 0,
      syntax: true,
    });
  });

  it('refuses a script with no statement', () => {
    expect(problem(' -- nothing\n ; ')).toEqual({ message: 'there is no statement in this SQL', offset: 0 });
  });

  it('refuses a module followed by another statement in its batch, at that statement', () => {
    expect(problem('CREATE PROCEDURE p AS SELECT 1; SELECT 2')).toEqual({
      message:
        'CREATE PROCEDURE must be the only statement in its batch: SQL Server reads everything up to the next GO ' +
        'as part of it',
      offset: 32,
      hint: 'put GO on a line of its own after the CREATE PROCEDURE statement',
    });
    expect(problem('CREATE OR ALTER VIEW v AS SELECT 1 AS a;\nCREATE INDEX i ON t (a)')).toMatchObject({
      message: expect.stringMatching(/^CREATE OR ALTER VIEW must be the only statement/),
      offset: 41,
    });
  });

  it('refuses a module that is not the first statement of its batch, at the module', () => {
    expect(problem('SET NOCOUNT ON;\nCREATE TRIGGER tr ON t AFTER INSERT AS SELECT 1')).toEqual({
      message: 'CREATE TRIGGER must be the first statement in its batch, and a statement comes before it',
      offset: 16,
      hint: 'put GO on a line of its own before the CREATE TRIGGER statement',
    });
  });

  it('accepts modules separated by GO', () => {
    const sql =
      'CREATE VIEW v AS SELECT a FROM t\nGO\nCREATE FUNCTION f() RETURNS int AS BEGIN RETURN 1; END\nGO\nSELECT 1';
    expect(problem(sql)).toBeUndefined();
    expect(texts(sql)).toHaveLength(3);
  });

  it('refuses two statements run together without ;, at the second', () => {
    expect(problem('UPDATE t SET a = 1 DELETE FROM t')).toEqual({
      message: 'DELETE starts a second statement inside the UPDATE statement',
      offset: 19,
      hint: 'end each statement with `;` (or GO on a line of its own) so that each one is read and locked on its own',
    });
    expect(problem('ALTER TABLE t ADD c int NULL UPDATE t SET c = 1')).toMatchObject({ offset: 29 });
    expect(problem('CREATE INDEX i ON t (a) SELECT 1')).toMatchObject({ offset: 24 });
    expect(problem('SET XACT_ABORT ON SELECT 1')).toMatchObject({ offset: 18 });
  });

  it('accepts statement words that belong to the statement', () => {
    for (const sql of [
      'MERGE t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a WHEN NOT MATCHED THEN INSERT (a) ' +
        'VALUES (s.a) WHEN NOT MATCHED BY SOURCE THEN DELETE;',
      'ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id) ON DELETE CASCADE ON UPDATE NO ACTION',
      'ALTER TABLE dbo.t ALTER COLUMN a bigint NOT NULL',
      'ALTER TABLE t DROP CONSTRAINT IF EXISTS c, COLUMN IF EXISTS d',
      'ALTER TABLE t SET (LOCK_ESCALATION = AUTO)',
      'DROP TABLE IF EXISTS a, b',
      'INSERT INTO t (a) SELECT a FROM s UNION ALL SELECT 1',
      'INSERT INTO t EXEC p',
      'WITH c AS (SELECT a FROM t) UPDATE c SET a = 1',
      'DECLARE c CURSOR FOR SELECT a FROM t',
      'ALTER DATABASE d SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK IMMEDIATE',
      'UPDATE t SET a = (SELECT MAX(b) FROM s) WHERE a IN (SELECT a FROM u)',
    ]) {
      expect(problem(sql), sql).toBeUndefined();
    }
  });
});

describe('T-SQL scripts: syntax of generated SQL', () => {
  it('accepts what the dialect generates and refuses an unknown first word or unbalanced text', () => {
    expect(
      tsqlScripts.syntaxProblem('ALTER TABLE [t] ADD [c] int NULL;\nEXEC sys.sp_addextendedproperty @name = 1'),
    ).toBe(undefined);
    expect(tsqlScripts.syntaxProblem("IF OBJECT_ID(N'[t]') IS NULL BEGIN CREATE TABLE [t] (a int) END")).toBe(
      undefined,
    );
    expect(tsqlScripts.syntaxProblem('FROB [t]')).toEqual({
      message: 'a statement cannot begin with FROB',
      offset: 0,
      syntax: true,
    });
    expect(tsqlScripts.syntaxProblem('SELECT (1')).toMatchObject({ offset: 7, syntax: true });
  });
});

describe('T-SQL scripts: hostile and odd input', () => {
  it('keeps IF … BEGIN … END with nested blocks and CASE in parentheses as one statement', () => {
    const sql =
      "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix;GO')\nBEGIN\n  IF 1 = 1 BEGIN\n" +
      '    UPDATE t SET a = (CASE WHEN b = 1 THEN 2 END);\n  END\n  ELSE BEGIN\n    DELETE TOP (10) FROM t;\n  END;\nEND';
    expect(texts(`${sql};\nSELECT 1`)).toEqual([sql, 'SELECT 1']);
  });

  it('reads keywords in comments, strings and [names] as content', () => {
    const sql = "SELECT [END], [BEGIN], 'END;' /* BEGIN */ -- CASE\nFROM [CASE]";
    expect(texts(sql)).toEqual([sql]);
  });

  it("splits N'…;…' only outside the string, offsets counted in characters", () => {
    const statements = tsqlScripts.splitStatements("UPDATE t SET a = N'é;ü';INSERT t VALUES (N'😀;')");
    expect(statements.map((s) => [s.text, s.offset])).toEqual([
      ["UPDATE t SET a = N'é;ü'", 0],
      ["INSERT t VALUES (N'😀;')", 24],
    ]);
  });

  it('refuses an ELSE or BEGIN CATCH cut off by ;', () => {
    expect(problem('IF 1 = 1 SELECT 1; ELSE SELECT 2')).toEqual({
      message: 'ELSE is cut off from its IF by a `;`',
      offset: 19,
      hint: 'wrap each branch in BEGIN … END and leave out the `;` before ELSE',
    });
    expect(problem('BEGIN TRY SELECT 1; END TRY; BEGIN CATCH THROW; END CATCH')).toMatchObject({
      message: 'BEGIN CATCH is cut off from its BEGIN TRY … END TRY by a `;`',
      offset: 29,
    });
    expect(problem('BEGIN TRY SELECT 1; END TRY BEGIN CATCH THROW; END CATCH')).toBeUndefined();
  });

  it('splits on GO with Windows line ends', () => {
    expect(splitBatches('SELECT 1\r\nGO\r\nSELECT 2\r\n')).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('refuses a GO line with a count even after a comment line, and accepts go in lower case', () => {
    expect(problem('SELECT 1\n-- GO 2\ngo\nSELECT 2')).toBeUndefined();
    expect(problem('SELECT 1\n  GO 2 -- twice')).toMatchObject({ offset: 11 });
  });
});
