import { describe, expect, it } from 'vitest';
import * as col from '../../../src/dialects/mssql/introspect-column-sql.js';
import { mssqlIntrospectParts as i } from '../../../src/dialects/mssql/introspect.js';
import * as q from '../../../src/dialects/mssql/introspect-schema-sql.js';
import { SERVER_INFO_SQL } from '../../../src/dialects/mssql/introspect-server.js';

/** Rows by statement, typed as the mssql driver returns them: bit → boolean, FOR JSON → text, float → number. */
function catalog(answers: [(sql: string) => boolean, Record<string, unknown>[]][]) {
  const seen: { sql: string; params: unknown[] }[] = [];
  const db = {
    query: (sql: string, params: unknown[] = []) => {
      seen.push({ sql, params });
      const rows = answers.find(([match]) => match(sql))?.[1];
      if (!rows) return Promise.reject(new Error(`unexpected statement: ${sql.slice(0, 80)}`));
      return Promise.resolve({ rows, rowCount: rows.length });
    },
    exec: () => Promise.resolve(),
  };
  return { db: db as never, seen };
}

const is = (text: string) => (sql: string) => sql === text;
const starts = (text: string) => (sql: string) => sql.startsWith(text);

describe('mssql live schema', () => {
  it('tables, views, sequences, indexes, constraints, triggers, sizes and dependents into the shared model', async () => {
    const { db } = catalog([
      [is(SERVER_INFO_SQL), [{ version: '16.0.4135.4', database: 'shop', schema: 'dbo' }]],
      [
        is(q.RELATIONS_SQL),
        [
          { id: 10, schema: 'dbo', name: 'orders', type: 'U ', system: false },
          { id: 11, schema: 'dbo', name: 'lines', type: 'U ', system: false },
          { id: 12, schema: 'dbo', name: 'order_totals', type: 'V ', system: false },
          { id: 13, schema: 'dbo', name: 'order_no', type: 'SO', system: false },
          { id: -385, schema: 'sys', name: 'objects', type: 'V ', system: true },
        ],
      ],
      [
        is(q.COLUMNS_SQL),
        [
          {
            id: 10,
            name: 'id',
            type_name: 'int',
            alias: false,
            max_length: 4,
            precision: 10,
            scale: 0,
            is_nullable: false,
          },
          {
            id: 10,
            name: 'note',
            type_name: 'nvarchar',
            alias: false,
            max_length: -1,
            precision: 0,
            scale: 0,
            is_nullable: true,
          },
          {
            id: 12,
            name: 'total',
            type_name: 'decimal',
            alias: false,
            max_length: 9,
            precision: 12,
            scale: 2,
            is_nullable: true,
          },
        ],
      ],
      [
        starts('SELECT i.object_id AS id, i.index_id'),
        [
          {
            id: 10,
            index_id: 1,
            name: 'PK_orders',
            type: 1,
            is_unique: true,
            is_primary_key: true,
            has_filter: false,
            is_disabled: false,
            columns: '[{"n":"id"}]',
          },
          {
            id: 10,
            index_id: 2,
            name: 'IX_note',
            type: 2,
            is_unique: false,
            is_primary_key: false,
            has_filter: true,
            is_disabled: true,
            columns: '[{"n":"note"}]',
          },
          {
            id: 11,
            index_id: 3,
            name: 'CCI_lines',
            type: 6,
            is_unique: false,
            is_primary_key: false,
            has_filter: false,
            is_disabled: false,
            columns: null,
          },
        ],
      ],
      [
        is(q.SIZES_SQL),
        [
          { id: 10, index_id: 1, rows: 1000, bytes: 65536 },
          { id: 10, index_id: 2, rows: 1000, bytes: 16384 },
          { id: 11, index_id: 0, rows: 5, bytes: null },
        ],
      ],
      [
        starts('SELECT k.parent_object_id AS id'),
        [
          {
            id: 10,
            name: 'PK_orders',
            type: 'primary key',
            validated: true,
            columns: '[{"n":"id"}]',
            definition: null,
            ref_table: null,
            ref_index: null,
          },
          {
            id: 10,
            name: 'CK_note',
            type: 'check',
            validated: false,
            columns: '[{"n":"note"}]',
            definition: '([note] IS NOT NULL)',
            ref_table: null,
            ref_index: null,
          },
          {
            id: 11,
            name: 'FK_lines_orders',
            type: 'foreign key',
            validated: true,
            columns: '[{"n":"order_id"}]',
            definition: null,
            ref_table: 'dbo.orders',
            ref_index: 'PK_orders',
          },
        ],
      ],
      [is(q.TRIGGERS_SQL), [{ id: 10, name: 'trg_orders_audit' }]],
      [
        is(q.DEPENDENTS_SQL),
        [
          {
            id: 10,
            what: 'foreign key [FK_lines_orders] on dbo.lines',
            relation: 'dbo.lines',
            constraint_name: 'FK_lines_orders',
          },
          { id: 10, what: 'function dbo.order_count', relation: null, constraint_name: null },
        ],
      ],
    ]);
    const live = await i.liveSchema(db);
    expect(live.server).toEqual({ version: '16.0.4135.4', versionNum: 160004135 });
    expect(live.database).toBe('shop');
    expect(live.searchPath).toEqual(['dbo', 'sys']);
    const byKey = new Map(live.relations.map((r) => [`${r.schema}.${r.name}`, r]));
    expect(byKey.get('dbo.orders')).toEqual({
      schema: 'dbo',
      name: 'orders',
      kind: 'table',
      rows: 1000,
      bytes: 65536,
      populated: true,
      columns: [
        { name: 'id', type: 'int', baseType: 'int', notNull: true },
        { name: 'note', type: 'nvarchar(max)', baseType: 'nvarchar', notNull: false },
      ],
      constraints: [
        { name: 'PK_orders', type: 'primary key', validated: true, columns: ['id'] },
        { name: 'CK_note', type: 'check', validated: false, columns: ['note'], notNullOf: 'note' },
      ],
      triggers: ['trg_orders_audit'],
      dependents: [
        { what: 'foreign key [FK_lines_orders] on dbo.lines', relation: 'dbo.lines', constraint: 'FK_lines_orders' },
        { what: 'function dbo.order_count', relation: null, constraint: null },
      ],
    });
    expect(byKey.get('dbo.lines')).toMatchObject({
      rows: 5,
      bytes: 0,
      constraints: [{ references: { table: 'dbo.orders', index: 'PK_orders' } }],
    });
    expect(byKey.get('dbo.order_totals')).toMatchObject({ kind: 'view', columns: [{ type: 'decimal(12, 2)' }] });
    expect(byKey.get('dbo.order_no')).toMatchObject({ kind: 'sequence', columns: [] });
    expect(byKey.get('sys.objects')).toMatchObject({ kind: 'view', columns: null });
    expect(byKey.get('dbo.PK_orders')).toMatchObject({
      kind: 'index',
      rows: 1000,
      bytes: 65536,
      index: { table: 'dbo.orders', valid: true, unique: true, primary: true, partial: false, columns: ['id'] },
    });
    expect(byKey.get('dbo.IX_note')?.index).toEqual({
      table: 'dbo.orders',
      valid: false,
      unique: false,
      primary: false,
      partial: true,
      columns: ['note'],
    });
    expect(byKey.get('dbo.CCI_lines')?.index?.columns).toBeNull();
  });

  it('catalog statements: user objects only, trusted constraints validated, sizes per hobt and partition', () => {
    expect(q.RELATIONS_SQL).toContain("WHERE o.type IN ('U', 'V', 'SO') AND o.is_ms_shipped = 0");
    expect(q.SIZES_SQL).toContain(
      '(a.type IN (1, 3) AND a.container_id = p.hobt_id) OR (a.type = 2 AND a.container_id = p.partition_id)',
    );
    expect(q.constraintsSql('X')).toContain('CASE WHEN cc.is_not_trusted = 0 AND cc.is_disabled = 0 THEN 1 ELSE 0 END');
    expect(q.DEPENDENTS_SQL).toContain('d.is_schema_bound_reference = 1');
  });
});

describe('mssql column attachments', () => {
  const COLUMN = {
    table_id: 10,
    column_id: 3,
    is_nullable: false,
    is_identity: false,
    default: "(N'new')",
    comment: 'state',
    collation: 'Latin1_General_BIN2',
  };

  it('null when the table or column does not exist', async () => {
    const { db, seen } = catalog([[is(col.COLUMN_SQL), []]]);
    expect(await i.columnAttachments(db, 'dbo.orders', 'nope')).toBeNull();
    expect(seen).toEqual([{ sql: col.COLUMN_SQL, params: ['dbo.orders', 'nope'] }]);
  });

  it('everything attached, read by object and column id', async () => {
    const { db, seen } = catalog([
      [is(col.COLUMN_SQL), [COLUMN]],
      [
        is(col.GRANTS_SQL),
        [
          { public: true, role: null, privilege: 'SELECT' },
          { public: false, role: 'public_reader', privilege: 'SELECT' },
          { public: false, role: 'public_reader', privilege: 'UPDATE' },
        ],
      ],
      [
        is(col.INDEXES_SQL),
        [
          {
            name: 'IX_status',
            unique: false,
            method: 'nonclustered',
            keys: '[{"n":"status"}]',
            include: '[{"n":"note"}]',
            where: '([status]<>(0))',
            constraint: null,
            plain: true,
          },
        ],
      ],
      [is(col.CHECKS_SQL), [{ name: 'CK_status', expression: "([status] IN (N'new', N'done'))" }]],
      [
        is(col.FOREIGN_KEYS_SQL),
        [
          {
            name: 'FK_status',
            outbound: true,
            inbound: false,
            table_name: 'dbo.orders',
            ref_table: 'dbo.statuses',
            columns: '[{"n":"status"}]',
            ref_columns: '[{"n":"code"}]',
            on_delete: 'no_action',
            on_update: 'cascade',
            plain: true,
          },
          {
            name: 'FK_hist',
            outbound: false,
            inbound: true,
            table_name: 'dbo.history',
            ref_table: 'dbo.orders',
            columns: '[{"n":"st"}]',
            ref_columns: '[{"n":"status"}]',
            on_delete: 'no_action',
            on_update: 'no_action',
            plain: true,
          },
        ],
      ],
      [is(col.VIEWS_SQL), [{ name: 'dbo.open_orders' }]],
      [is(col.OTHERS_SQL), [{ what: 'computed column status_label' }, { what: 'statistics st_status' }]],
    ]);
    expect(await i.columnAttachments(db, 'dbo.orders', 'status')).toEqual({
      table: 'dbo.orders',
      column: 'status',
      notNull: true,
      identity: false,
      default: "(N'new')",
      comment: 'state',
      collation: 'Latin1_General_BIN2',
      grants: [
        { public: true, privileges: ['SELECT'] },
        { role: 'public_reader', privileges: ['SELECT', 'UPDATE'] },
      ],
      ownedSequence: null,
      indexes: [
        {
          name: 'IX_status',
          unique: false,
          method: 'nonclustered',
          keys: ['status'],
          include: ['note'],
          where: '([status]<>(0))',
          constraint: null,
          plain: true,
          replident: false,
        },
      ],
      checks: [{ name: 'CK_status', expression: "([status] IN (N'new', N'done'))", noInherit: false }],
      foreignKeys: [
        {
          name: 'FK_status',
          columns: ['status'],
          references: { table: 'dbo.statuses', columns: ['code'] },
          onDelete: 'no_action',
          onUpdate: 'cascade',
          plain: true,
        },
      ],
      inboundForeignKeys: [{ name: 'FK_hist', table: 'dbo.history' }],
      views: [{ name: 'dbo.open_orders', kind: 'view' }],
      others: ['computed column status_label', 'statistics st_status'],
    });
    expect(seen.slice(1).every((s) => JSON.stringify(s.params) === '[10,3,"status"]')).toBe(true);
  });

  it('statements: filter matched on the bracketed name, DENY not read, views without SCHEMABINDING matched by text', () => {
    expect(col.INDEXES_SQL).toContain('CHARINDEX(QUOTENAME($3), i.filter_definition) > 0');
    expect(col.GRANTS_SQL).toContain("p.state IN ('G', 'W')");
    expect(col.VIEWS_SQL).toContain('d.referenced_minor_id = $2');
    expect(col.COLUMN_SQL).toContain("OBJECT_ID($1, N'U')");
  });
});
