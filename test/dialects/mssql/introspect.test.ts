import { describe, expect, it } from 'vitest';
import { toNamedParameters } from '../../../src/dialects/mssql/driver-mssql.js';
import { mssqlIntrospectParts as i } from '../../../src/dialects/mssql/introspect.js';
import {
  definitionProbeSql,
  KEY_COLUMNS_SQL,
  UNIQUE_INDEXES_SQL,
} from '../../../src/dialects/mssql/introspect-keys.js';
import {
  columnType,
  SERVER_INFO_SQL,
  typeLookupName,
  versionNumber,
} from '../../../src/dialects/mssql/introspect-server.js';
import { notNullColumn } from '../../../src/dialects/mssql/introspect-schema.js';

/** A Queryable answering each statement with the rows `answer` gives (as the mssql driver would return them). */
function fakeDb(answer: (sql: string, params: unknown[]) => Record<string, unknown>[] | Error) {
  const seen: { sql: string; params: unknown[] }[] = [];
  const db = {
    query: (sql: string, params: unknown[] = []) => {
      seen.push({ sql, params });
      const rows = answer(sql, params);
      return rows instanceof Error ? Promise.reject(rows) : Promise.resolve({ rows, rowCount: rows.length });
    },
    exec: () => Promise.resolve(),
  };
  return { db: db as never, seen };
}

describe('mssql server and session', () => {
  it('version, database, and the lookup order of unqualified names', async () => {
    const { db, seen } = fakeDb(() => [{ version: '16.0.4135.4', database: 'shop', schema: 'sales' }]);
    expect(await i.serverInfo(db)).toEqual({
      version: '16.0.4135.4',
      versionNum: 160004135,
      database: 'shop',
      searchPath: ['sales', 'dbo', 'sys'],
    });
    expect(seen[0]?.sql).toBe(SERVER_INFO_SQL);
    const dbo = fakeDb(() => [{ version: '15.0.4355.3', database: 'x', schema: 'dbo' }]);
    expect((await i.serverInfo(dbo.db)).searchPath).toEqual(['dbo', 'sys']);
    expect(i.builtInSchemas).toEqual({ implicit: 'sys', system: ['sys', 'INFORMATION_SCHEMA'] });
  });

  it('version numbers grow with every release and cumulative update', () => {
    const order = ['10.0.6000.29', '10.50.6000.34', '13.0.5026.0', '15.0.4355.3', '16.0.1000.6', '16.0.4135.4'];
    const nums = order.map(versionNumber);
    expect([...nums].sort((a, b) => a - b)).toEqual(nums);
    expect(new Set(nums).size).toBe(nums.length);
  });

  it('type names looked up without lengths, ISO synonyms replaced', () => {
    expect(typeLookupName('nvarchar(255)')).toBe('nvarchar');
    expect(typeLookupName('varchar(max)')).toBe('varchar');
    expect(typeLookupName('INTEGER')).toBe('int');
    expect(typeLookupName('character varying (20)')).toBe('varchar');
    expect(typeLookupName('national  character varying(20)')).toBe('nvarchar');
    expect(typeLookupName('double precision')).toBe('float');
    expect(typeLookupName('float(24)')).toBe('real');
    expect(typeLookupName('float(53)')).toBe('float');
    expect(typeLookupName('decimal(10, 2)')).toBe('decimal');
    expect(typeLookupName('dbo.money_amount')).toBe('dbo.money_amount');
    expect(typeLookupName('rowversion')).toBe('timestamp');
  });

  it('resolveTypes asks TYPE_ID once per distinct name; unknown is null', async () => {
    const { db, seen } = fakeDb((_, [name]) => [{ base: name === 'nosuch' ? null : String(name) }]);
    const got = await i.resolveTypes(db, ['nvarchar(10)', 'integer', 'nosuch', 'integer']);
    expect([...got]).toEqual([
      ['nvarchar(10)', 'nvarchar'],
      ['integer', 'int'],
      ['nosuch', null],
    ]);
    expect(seen.map((s) => s.sql)).toEqual(Array(3).fill('SELECT TYPE_NAME(TYPE_ID($1)) AS base'));
  });

  it('column types as people write them, from sys.columns lengths in bytes', () => {
    const t = (type_name: string, max_length: number, precision = 0, scale = 0, alias = false) =>
      columnType({ type_name, alias, max_length, precision, scale });
    expect(t('nvarchar', 510)).toBe('nvarchar(255)');
    expect(t('nvarchar', -1)).toBe('nvarchar(max)');
    expect(t('varbinary', -1)).toBe('varbinary(max)');
    expect(t('char', 10)).toBe('char(10)');
    expect(t('decimal', 9, 10, 2)).toBe('decimal(10, 2)');
    expect(t('datetime2', 8, 27, 7)).toBe('datetime2(7)');
    expect(t('int', 4, 10)).toBe('int');
    expect(t('sysname', 256, 0, 0, true)).toBe('sysname');
    expect(t('money_amount', 9, 19, 4, true)).toBe('money_amount');
  });
});

describe('mssql keys a backfill can walk', () => {
  it('tableId: OBJECT_ID of a user table, null when none', async () => {
    const { db, seen } = fakeDb(() => [{ id: 245575913 }]);
    expect(await i.tableId(db, 'sales.[order lines]')).toBe(245575913);
    expect(seen).toEqual([{ sql: "SELECT OBJECT_ID($1, N'U') AS id", params: ['sales.[order lines]'] }]);
    expect(await i.tableId(fakeDb(() => [{ id: null }]).db, 'nope')).toBeNull();
  });

  it('unique keys: enabled, unfiltered rowstore unique indexes, key columns in key order, primary first then narrowest', async () => {
    expect(UNIQUE_INDEXES_SQL).toContain(
      'WHERE i.object_id = $1 AND i.is_unique = 1 AND i.has_filter = 0 AND i.is_disabled = 0 AND i.is_hypothetical = 0',
    );
    expect(UNIQUE_INDEXES_SQL).toContain('ic.is_included_column = 0 AND ic.key_ordinal > 0 ORDER BY ic.key_ordinal');
    expect(UNIQUE_INDEXES_SQL).toContain('ORDER BY i.is_primary_key DESC, width, i.name');
    const { db } = fakeDb(() => [
      { name: 'PK_orders', primary: true, columns: '[{"n":"region"},{"n":"id"}]', not_null: true, width: 2 },
      { name: 'UX_code', primary: false, columns: '[{"n":"co\\"de"}]', not_null: false, width: 1 },
    ]);
    expect(await i.uniqueKeys(db, 7)).toEqual([
      { name: 'PK_orders', primary: true, columns: ['region', 'id'], notNull: true },
      { name: 'UX_code', primary: false, columns: ['co"de'], notNull: false },
    ]);
  });

  it('key columns: names passed as one JSON parameter', async () => {
    const { db, seen } = fakeDb(() => [{ name: 'id', not_null: true }]);
    expect(await i.keyColumns(db, 7, ['id', "o'k"])).toEqual([{ name: 'id', notNull: true }]);
    expect(seen).toEqual([{ sql: KEY_COLUMNS_SQL, params: [7, '["id","o\'k"]'] }]);
    expect(toNamedParameters(KEY_COLUMNS_SQL)).toContain("OPENJSON(@p2) WITH (name sysname '$')");
  });

  it('add-key help: an online unique index or primary key, names bracketed when they need it', () => {
    expect(i.addKeyHelp('sales.order lines')).toBe(
      'add a unique index on NOT NULL columns online (CREATE UNIQUE INDEX [order lines_key] ON sales.[order lines] ' +
        '(<unique columns>) WITH (ONLINE = ON, RESUMABLE = ON); or ALTER TABLE sales.[order lines] ADD CONSTRAINT ' +
        '[order lines_pk] PRIMARY KEY NONCLUSTERED (<unique columns>) WITH (ONLINE = ON)), or give `key: [column, ...]` ' +
        'naming columns that are NOT NULL and unique together; keys of type char, varchar, float, real, binary, ' +
        "varbinary, sql_variant are not walked (their order as text differs from SQL Server's)",
    );
  });

  it('unique indexes on char/varchar, float and binary key columns are not offered to a walk', () => {
    expect(UNIQUE_INDEXES_SQL).toContain(
      "AND ic.key_ordinal > 0 AND TYPE_NAME(c.system_type_id) IN (N'char', N'varchar', N'float', N'real', N'binary', N'varbinary', N'sql_variant'))",
    );
  });
});

describe('mssql column definition probe', () => {
  it('a table variable, compiled, never a table', () => {
    expect(definitionProbeSql({ type: 'nvarchar(20)', collation: 'Latin1_General_CS_AS', default: "N'x'" })).toBe(
      "DECLARE @schemashift_probe TABLE (v nvarchar(20) COLLATE Latin1_General_CS_AS DEFAULT (N'x'))",
    );
    expect(definitionProbeSql({ type: 'int', default: '0 -- zero' })).toBe(
      'DECLARE @schemashift_probe TABLE (v int DEFAULT (0 -- zero\n))',
    );
    expect(definitionProbeSql({ type: 'int', collation: 'pg_catalog.C' })).toContain('COLLATE C');
  });

  it("the server's message when it refuses; nothing when it cannot say; a collation that is no name is refused here", async () => {
    expect(await i.columnDefinitionProblem(fakeDb(() => []).db, { type: 'int', default: '0' })).toBeUndefined();
    const refuse = Object.assign(new Error('Expression type int is invalid for COLLATE clause.'), { code: '447' });
    expect(
      await i.columnDefinitionProblem(fakeDb(() => refuse).db, { type: 'int', collation: 'Latin1_General_CS_AS' }),
    ).toBe('Expression type int is invalid for COLLATE clause.');
    const seqInVariable = Object.assign(new Error('NEXT VALUE FOR function is not allowed …'), { code: '11719' });
    expect(
      await i.columnDefinitionProblem(fakeDb(() => seqInVariable).db, { type: 'int', default: 'NEXT VALUE FOR s' }),
    ).toBeUndefined();
    const udf = fakeDb(() => refuse);
    expect(await i.columnDefinitionProblem(udf.db, { type: 'int', default: 'dbo.next_code()' })).toBeUndefined();
    expect(
      await i.columnDefinitionProblem(udf.db, { type: 'int', default: '[sales] . [code for] (1)' }),
    ).toBeUndefined();
    expect(udf.seen).toEqual([]);
    expect(await i.columnDefinitionProblem(udf.db, { type: 'int', default: 'ABS(-1.5)' })).toBe(
      'Expression type int is invalid for COLLATE clause.',
    );
    const none = fakeDb(() => []);
    expect(await i.columnDefinitionProblem(none.db, { type: 'int', collation: 'x; DROP TABLE t' })).toBe(
      'x; DROP TABLE t is not a SQL Server collation name',
    );
    expect(none.seen).toEqual([]);
  });
});

describe('mssql NOT NULL checks', () => {
  it('recognises the stored form of a one-column IS NOT NULL check', () => {
    expect(notNullColumn('([customer_id] IS NOT NULL)', ['customer_id'])).toBe('customer_id');
    expect(notNullColumn('([a]]b] IS NOT NULL)', ['a]b'])).toBe('a]b');
    expect(notNullColumn('([x] IS NOT NULL AND [y]>(0))', ['x'])).toBeUndefined();
    expect(notNullColumn('([x] IS NOT NULL)', ['y'])).toBeUndefined();
    expect(notNullColumn(null, ['x'])).toBeUndefined();
  });
});
