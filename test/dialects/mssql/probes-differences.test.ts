/**
 * SQL Server definitionDifferences on rows as FOR JSON returns them (text through the driver, or
 * parsed): the server's stored forms (`((0))`, `([status]=(1))`, byte lengths) equal the plan's,
 * and what SQL Server cannot have is reported with the reason.
 */
import { describe, expect, it } from 'vitest';
import type { DbObject } from '../../../src/dialects/probes.js';
import { mssqlProbes as p } from '../../../src/dialects/mssql/probes.js';
import { liveType } from '../../../src/dialects/mssql/probes-types.js';

const diff = (o: DbObject, live: Record<string, unknown>) => p.definitionDifferences(o, live);
/** The driver hands the FOR JSON column over as text. */
const asText = (row: Record<string, unknown>) => JSON.stringify(row) as unknown as Record<string, unknown>;

const nvarchar200 = {
  type_name: 'nvarchar',
  base_type: 'nvarchar',
  max_length: 400,
  precision: 0,
  scale: 0,
  same_type: true,
  nullable: true,
  default: null,
  collation: null,
  computed: false,
  identity: false,
};

describe('column', () => {
  const o: DbObject = { kind: 'column', table: 't', name: 'note', type: 'nvarchar(200)', nullable: true };

  it('the same column, read from the JSON text the driver returns, is no difference', () => {
    expect(diff(o, asText(nvarchar200))).toEqual([]);
  });

  it('another length, another type, nullability, collation, computed and identity are', () => {
    expect(diff(o, { ...nvarchar200, max_length: 100 })).toEqual(['type is nvarchar(50), the plan says nvarchar(200)']);
    expect(diff(o, { ...nvarchar200, type_name: 'varchar', base_type: 'varchar', same_type: false })).toEqual([
      'type is varchar(400), the plan says nvarchar(200)',
    ]);
    expect(diff(o, { ...nvarchar200, nullable: false })).toEqual(['it is NOT NULL, the plan says nullable']);
    expect(diff(o, { ...nvarchar200, collation: 'Latin1_General_BIN2' })).toEqual([
      "its collation is Latin1_General_BIN2, the plan's column has the database's default collation",
    ]);
    expect(diff(o, { ...nvarchar200, computed: true, identity: true })).toEqual([
      'it is a computed column',
      'it is an IDENTITY column, the plan says nothing of one',
    ]);
  });

  it("compares defaults as SQL Server stores them with the plan's", () => {
    const int = { ...nvarchar200, type_name: 'int', base_type: 'int', max_length: 4, precision: 10 };
    const withDefault: DbObject = { kind: 'column', table: 't', name: 'n', type: 'int', default: '0' };
    expect(diff(withDefault, { ...int, default: '((0))' })).toEqual([]);
    expect(diff(withDefault, { ...int, default: '((1))' })).toEqual(['default is ((1)), the plan says 0']);
    expect(diff(withDefault, int)).toEqual(['default is none, the plan says 0']);
    expect(diff({ kind: 'column', table: 't', name: 'd', default: 'GETDATE()' }, { default: '(getdate())' })).toEqual(
      [],
    );
  });

  it('reads live types with their sizes', () => {
    expect(liveType({ type_name: 'nvarchar', base_type: 'nvarchar', max_length: -1 })).toBe('nvarchar(max)');
    expect(liveType({ type_name: 'decimal', base_type: 'decimal', precision: 10, scale: 2 })).toBe('decimal(10,2)');
    expect(liveType({ type_name: 'datetime2', base_type: 'datetime2', scale: 7 })).toBe('datetime2(7)');
    expect(liveType({ type_name: 'float', base_type: 'float', precision: 53 })).toBe('float(53)');
    expect(liveType({ type_name: 'sysname', base_type: 'nvarchar', max_length: 256 })).toBe('sysname');
    expect(liveType({ type_name: 'phone', base_type: 'varchar', max_length: 20 })).toBe('phone');
  });

  it('a user type is compared by the server (TYPE_ID), without sizes', () => {
    const phone = { ...nvarchar200, type_name: 'phone', base_type: 'varchar', max_length: 20 };
    expect(diff({ kind: 'column', table: 't', name: 'p', type: 'dbo.phone' }, phone)).toEqual([]);
    expect(diff({ kind: 'column', table: 't', name: 'p', type: 'dbo.phone' }, { ...phone, same_type: false })).toEqual([
      'type is phone, the plan says dbo.phone',
    ]);
  });
});

const index = {
  kind: 'NONCLUSTERED',
  unique: false,
  primary_key: false,
  unique_constraint: false,
  disabled: false,
  hypothetical: false,
  paused: false,
  keys: [
    { name: 'Status', desc: false },
    { name: 'created', desc: true },
  ],
  include: [{ name: 'total' }, { name: 'note' }],
  where: '([status]=(1))',
  fill_factor: 0,
};

describe('index', () => {
  const o: DbObject = {
    kind: 'index',
    table: 'orders',
    name: 'ix',
    columns: ['status', 'created'],
    columnOptions: [undefined, { sort: 'desc' }],
    include: ['note', 'total'],
    where: 'status = 1',
    unique: false,
    method: 'btree',
  };

  it('the same index (names without case, INCLUDE as a set, the stored filter) is no difference', () => {
    expect(diff(o, asText(index))).toEqual([]);
    expect(diff({ ...o, storage: { fillfactor: 90 } }, { ...index, fill_factor: 90 })).toEqual([]);
  });

  it('keys, order, INCLUDE, filter, uniqueness and fill factor that differ are reported', () => {
    expect(diff(o, { ...index, keys: [{ name: 'created', desc: true }] })).toEqual([
      'keys are (created), the plan says (status, created)',
    ]);
    expect(diff(o, { ...index, keys: [index.keys[0], { name: 'created', desc: false }] })).toEqual([
      'key created is ASC, the plan says DESC',
    ]);
    expect(diff(o, { ...index, include: null })).toEqual(['INCLUDE is (), the plan says (note, total)']);
    expect(diff(o, { ...index, where: null })).toEqual(['WHERE is none, the plan says status = 1']);
    expect(diff(o, { ...index, where: '([status]=(2))' })).toEqual([
      'WHERE is ([status]=(2)), the plan says status = 1',
    ]);
    expect(diff(o, { ...index, unique: true })).toEqual(['it is unique, the plan says not unique']);
    expect(diff(o, { ...index, fill_factor: 80 })).toEqual(['its fill factor is 80, the plan says 100']);
  });

  it('an index that is not a working index of its own is reported', () => {
    expect(
      diff(o, {
        ...index,
        kind: 'NONCLUSTERED_COLUMNSTORE',
        unique_constraint: true,
        disabled: true,
        hypothetical: true,
        paused: true,
      }),
    ).toEqual([
      'it is a nonclustered columnstore index, not a rowstore (B-tree) index',
      'it is the index of a UNIQUE constraint, not an index of its own',
      'it is disabled (ALTER INDEX … DISABLE): it holds no data until rebuilt',
      'it is a hypothetical index (a Tuning Advisor leftover), without data',
      'its resumable build is paused (sys.index_resumable_operations): RESUME or ABORT it first',
    ]);
    expect(diff(o, { ...index, kind: 'CLUSTERED' })).toEqual([]);
  });

  it('what SQL Server indexes cannot have is reported with the reason', () => {
    const out = diff(
      {
        ...o,
        method: 'gin',
        expressions: ['lower(note)'],
        columnOptions: [{ nulls: 'first', opclass: 'text_pattern_ops', collation: { name: 'C' } }, { sort: 'desc' }],
        nullsNotDistinct: true,
        storage: { fillfactor: 100, deduplicate_items: 'off' },
        tablespace: 'fast',
      },
      index,
    );
    expect(out).toEqual([
      "the plan's index method is gin: SQL Server has rowstore (B-tree) and columnstore indexes only",
      'the plan indexes an expression: SQL Server indexes columns only (index a computed column instead)',
      'the plan says NULLS FIRST/LAST: SQL Server index keys take only ASC or DESC (NULLs sort lowest)',
      'the plan names an operator class: SQL Server indexes have none',
      "the plan gives a key a collation: a SQL Server index key has its column's collation",
      'the plan says NULLS NOT DISTINCT: SQL Server has no such option (a unique index there admits one NULL key)',
      'SQL Server has no index storage parameter deduplicate_items',
      'the plan puts it in tablespace fast: SQL Server places indexes in filegroups, not tablespaces',
    ]);
  });
});

const foreignKey = {
  type: 'F',
  expression: null,
  columns: [{ name: 'customer_id' }],
  ref_table: 'dbo.customers',
  same_references: true,
  ref_columns: [{ name: 'id' }],
  on_delete: 'NO_ACTION',
  on_update: 'CASCADE',
  not_trusted: false,
  disabled: false,
};

describe('constraint', () => {
  const fk: DbObject = {
    kind: 'constraint',
    table: 'orders',
    name: 'orders_customer_fk',
    type: 'foreign key',
    columns: ['customer_id'],
    references: { table: 'customers', columns: ['id'], onDelete: 'restrict', onUpdate: 'cascade' },
    validated: true,
  };

  it('the same foreign key is no difference (RESTRICT is NO ACTION in SQL Server)', () => {
    expect(diff(fk, asText(foreignKey))).toEqual([]);
  });

  it('another type, columns, referenced table or columns, actions and trust are reported', () => {
    expect(diff(fk, { ...foreignKey, type: 'C' })).toEqual([
      'it is a check constraint, the plan adds a foreign key constraint',
    ]);
    expect(
      diff(fk, {
        ...foreignKey,
        columns: [{ name: 'other_id' }],
        same_references: false,
        ref_table: 'dbo.people',
        ref_columns: [{ name: 'pk' }],
        on_delete: 'CASCADE',
        on_update: 'NO_ACTION',
        not_trusted: true,
        disabled: true,
      }),
    ).toEqual([
      'its columns are (other_id), the plan says (customer_id)',
      'it is disabled (NOCHECK CONSTRAINT): new rows are not checked',
      "it is not trusted (existing rows were never checked), the plan's is validated: ALTER TABLE … WITH CHECK CHECK CONSTRAINT it first, or drop it",
      'it references dbo.people, not customers',
      'it references columns (pk), the plan says (id)',
      'ON DELETE is cascade, the plan says restrict',
      'ON UPDATE is no_action, the plan says cascade',
    ]);
  });

  it('an untrusted one is the same when the plan validates later', () => {
    expect(diff({ ...fk, validated: false }, { ...foreignKey, not_trusted: true })).toEqual([]);
  });

  it('what SQL Server constraints cannot be is reported with the reason', () => {
    const impossible: DbObject = {
      ...fk,
      deferrable: { initiallyDeferred: true },
      noInherit: true,
      references: { table: 'customers', columns: ['id'], match: 'full', onDeleteColumns: ['customer_id'] },
    };
    expect(diff(impossible, foreignKey)).toEqual([
      'the plan says DEFERRABLE: SQL Server checks every constraint at the end of each statement',
      'the plan says NO INHERIT: SQL Server has no table inheritance',
      'the plan says MATCH FULL: SQL Server foreign keys are MATCH SIMPLE only',
      'the plan sets only some key columns ON DELETE: SQL Server sets every column of the key',
    ]);
  });

  it('a CHECK compares its condition as SQL Server stores it', () => {
    const check: DbObject = { kind: 'constraint', table: 't', name: 'ck', type: 'check', expression: 'total >= 0' };
    const live = { type: 'C', expression: '([total]>=(0))', columns: null, not_trusted: true, disabled: false };
    expect(diff(check, live)).toEqual([]);
    expect(diff(check, { ...live, expression: '([total]>(0))' })).toEqual([
      'its condition is ([total]>(0)), the plan says total >= 0',
    ]);
    expect(diff({ ...check, validated: true }, live)).toHaveLength(1);
  });

  it('a key constraint compares its columns in key order', () => {
    const pk: DbObject = { kind: 'constraint', table: 't', name: 'pk', type: 'primary key', columns: ['a', 'b'] };
    expect(diff(pk, { type: 'PK', columns: [{ name: 'A' }, { name: 'b' }] })).toEqual([]);
    expect(diff(pk, { type: 'PK', columns: [{ name: 'b' }, { name: 'a' }] })).toEqual([
      'its columns are (b, a), the plan says (a, b)',
    ]);
    expect(diff(pk, { type: 'UQ', columns: [{ name: 'a' }, { name: 'b' }] })).toEqual([
      'it is a unique constraint, the plan adds a primary key constraint',
    ]);
  });
});

describe('table, views and what SQL Server has no counterpart for', () => {
  const table: DbObject = {
    kind: 'table',
    name: 'dbo.events',
    columns: [
      { name: 'id', type: 'bigint', nullable: false },
      { name: 'body', type: 'nvarchar(max)', nullable: true },
    ],
  };
  const live = {
    type: 'U',
    type_desc: 'USER_TABLE',
    columns: [
      {
        name: 'id',
        type_name: 'bigint',
        base_type: 'bigint',
        max_length: 8,
        precision: 19,
        scale: 0,
        type_id: 127,
        nullable: false,
      },
      {
        name: 'Body',
        type_name: 'nvarchar',
        base_type: 'nvarchar',
        max_length: -1,
        precision: 0,
        scale: 0,
        type_id: 231,
        nullable: true,
      },
    ],
    planned: [
      { name: 'id', type_id: 127 },
      { name: 'body', type_id: 231 },
    ],
  };

  it('the same table is no difference; types, sizes, nullability and columns are compared', () => {
    expect(diff(table, asText(live))).toEqual([]);
    const other = {
      ...live,
      columns: [
        { ...live.columns[0], type_name: 'int', base_type: 'int', type_id: 56 },
        { ...live.columns[1], max_length: 200, nullable: false },
        { name: 'extra', type_name: 'int', base_type: 'int', type_id: 56, nullable: true },
      ],
    };
    expect(diff(table, other)).toEqual([
      'column id is int, the plan says bigint',
      'column body is nvarchar(100), the plan says nvarchar(max)',
      'column body is NOT NULL, the plan says nullable',
      'it has columns the plan does not: extra',
    ]);
    expect(diff(table, { ...live, columns: [live.columns[0]] })).toEqual(['it has no column body']);
    expect(diff(table, { type: 'V', type_desc: 'VIEW' })).toEqual(['it is a view, not a table']);
  });

  it('a view is a view; an indexed view is schema-bound and has the text the plan gives CREATE VIEW', () => {
    expect(diff({ kind: 'view', name: 'v' }, { type: 'V' })).toEqual([]);
    expect(diff({ kind: 'view', name: 'v' }, { type: 'U' })).toEqual(['it is a table, not a view']);
    const mv: DbObject = {
      kind: 'materialized view',
      name: 'dbo.totals',
      query: 'SELECT a, COUNT_BIG(*) AS n FROM dbo.t GROUP BY a',
    };
    const definition =
      'CREATE VIEW [dbo].[totals] WITH SCHEMABINDING AS\nSELECT a, COUNT_BIG(*) AS n FROM dbo.t GROUP BY a\n';
    expect(diff(mv, { type: 'V', schema_bound: true, definition })).toEqual([]);
    expect(diff(mv, { type: 'V', schema_bound: false, definition })).toEqual([
      'it is a view without SCHEMABINDING, which cannot be indexed',
    ]);
    expect(diff(mv, { type: 'V', schema_bound: true, definition: 'CREATE VIEW x AS SELECT 1 AS a' })).toEqual([
      "its definition is not the plan's (the server keeps: CREATE VIEW x AS SELECT 1 AS a)",
    ]);
    expect(diff(mv, { type: 'SO', type_desc: 'SEQUENCE_OBJECT' })).toEqual(['it is a sequence, not an indexed view']);
  });

  it('triggers and routines are never taken over; table properties have nothing to compare', () => {
    expect(diff({ kind: 'trigger', table: 't', name: 'trg', function: 'f' }, { type_desc: 'SQL_TRIGGER' })).toEqual([
      'schemashift does not take over a SQL Server trigger it did not write (its body cannot be compared)',
    ]);
    expect(diff({ kind: 'function', name: 'f' }, { type: 'FN', type_desc: 'SQL_SCALAR_FUNCTION' })).toEqual([
      'it is a scalar function: schemashift does not take over a routine it did not write',
    ]);
    expect(diff({ kind: 'table property', table: 't', name: 'comment' }, {})).toEqual([]);
  });
});
