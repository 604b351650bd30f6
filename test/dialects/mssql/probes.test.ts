/** SQL Server catalog probes: the exact one-bit T-SQL, names only through literals, hostile names kept inside them. */
import { describe, expect, it } from 'vitest';
import type { DbObject } from '../../../src/dialects/probes.js';
import { mssqlProbes as p } from '../../../src/dialects/mssql/probes.js';
import { windowStartSql } from '../../../src/dialects/mssql/probes-mismatches.js';
import { plannedType, typeIdSql } from '../../../src/dialects/mssql/probes-types.js';

const bit = (condition: string) => `SELECT CAST(CASE WHEN ${condition} THEN 1 ELSE 0 END AS bit)`;
const column = (extra = '') =>
  `EXISTS (SELECT 1 FROM sys.columns AS c WHERE c.object_id = OBJECT_ID(N'[dbo].[orders]') AND c.name = N'total'${extra})`;

describe('column probes', () => {
  it('exists / absent / nullability over sys.columns of OBJECT_ID', () => {
    expect(p.columnExists('dbo.orders', 'total')).toBe(bit(column()));
    expect(p.columnAbsent('dbo.orders', 'total')).toBe(bit(`NOT ${column()}`));
    expect(p.columnNotNull('dbo.orders', 'total')).toBe(bit(column(' AND c.is_nullable = 0')));
    expect(p.columnNullable('dbo.orders', 'total')).toBe(bit(column(' AND c.is_nullable = 1')));
  });

  it('compares the type through TYPE_ID, sizes aside; a user type by its bracketed name', () => {
    expect(p.columnHasType('dbo.orders', 'total', 'decimal(10, 2)')).toBe(
      bit(column(" AND c.user_type_id = TYPE_ID(N'decimal')")),
    );
    expect(p.columnExistsWithType('dbo.orders', 'total', 'NVARCHAR(MAX)')).toBe(
      bit(column(" AND c.user_type_id = TYPE_ID(N'nvarchar')")),
    );
    expect(typeIdSql('integer')).toBe("TYPE_ID(N'int')");
    expect(typeIdSql('rowversion')).toBe("TYPE_ID(N'timestamp')");
    expect(typeIdSql('sales.[a]]b]')).toBe("TYPE_ID(N'[sales].[a]]b]')");
    expect(typeIdSql("x'; DROP TABLE t --")).toBe("TYPE_ID(N'x''; DROP TABLE t --')");
  });

  it('reads the plan type with its defaults written out', () => {
    expect(plannedType('varchar(20)')).toEqual({ system: true, typeIdName: 'varchar', canonical: 'varchar(20)' });
    expect(plannedType('decimal')?.canonical).toBe('decimal(18,0)');
    expect(plannedType('datetime2')?.canonical).toBe('datetime2(7)');
    expect(plannedType('float(10)')?.canonical).toBe('float(24)');
    expect(plannedType('dbo.phone')).toEqual({ system: false, typeIdName: '[dbo].[phone]' });
    expect(plannedType('not a type (')).toBeUndefined();
  });

  it('keeps hostile names inside literals', () => {
    const sql = p.columnExists('a]b', "x'; DROP");
    expect(sql).toBe(
      bit("EXISTS (SELECT 1 FROM sys.columns AS c WHERE c.object_id = OBJECT_ID(N'[a]]b]') AND c.name = N'x''; DROP')"),
    );
  });
});

describe('index, constraint, trigger and relation probes', () => {
  it('a valid index is enabled, real, and not a paused resumable build', () => {
    const where = "object_id = OBJECT_ID(N'[orders]') AND name = N'orders_ix'";
    expect(p.validIndexExists('orders_ix', 'orders')).toBe(
      bit(
        `EXISTS (SELECT 1 FROM sys.indexes WHERE ${where} AND is_disabled = 0 AND is_hypothetical = 0) ` +
          `AND NOT EXISTS (SELECT 1 FROM sys.index_resumable_operations WHERE ${where})`,
      ),
    );
    expect(p.indexAbsent('orders_ix', 'orders')).toBe(bit(`NOT EXISTS (SELECT 1 FROM sys.indexes WHERE ${where})`));
  });

  it('constraints of the table by name: C, F, UQ, PK, D; validated = trusted and enabled', () => {
    const exists =
      "EXISTS (SELECT 1 FROM sys.objects AS o WHERE o.parent_object_id = OBJECT_ID(N'[orders]') " +
      "AND o.name = N'ck' AND o.type IN ('C', 'F', 'UQ', 'PK', 'D'))";
    expect(p.constraintExists('orders', 'ck')).toBe(bit(exists));
    expect(p.constraintAbsent('orders', 'ck')).toBe(bit(`NOT ${exists}`));
    const where = "parent_object_id = OBJECT_ID(N'[orders]') AND name = N'ck'";
    expect(p.constraintValidated('orders', 'ck')).toBe(
      bit(
        `EXISTS (SELECT 1 FROM sys.check_constraints WHERE ${where} AND is_not_trusted = 0 AND is_disabled = 0 ` +
          `UNION ALL SELECT 1 FROM sys.foreign_keys WHERE ${where} AND is_not_trusted = 0 AND is_disabled = 0 ` +
          `UNION ALL SELECT 1 FROM sys.key_constraints WHERE ${where})`,
      ),
    );
  });

  it('triggers by parent_id; relations are tables or views', () => {
    const trigger = "EXISTS (SELECT 1 FROM sys.triggers WHERE parent_id = OBJECT_ID(N'[orders]') AND name = N'trg')";
    expect(p.triggerExists('orders', 'trg')).toBe(bit(trigger));
    expect(p.triggerAbsent('orders', 'trg')).toBe(bit(`NOT ${trigger}`));
    const relation = (n: string) =>
      `EXISTS (SELECT 1 FROM sys.objects WHERE object_id = OBJECT_ID(N'${n}') AND type IN ('U', 'V'))`;
    expect(p.relationExists('s.v')).toBe(bit(relation('[s].[v]')));
    expect(p.relationAbsent('v')).toBe(bit(`NOT ${relation('[v]')}`));
    expect(p.relationsSwapped('v_new', 'v_old')).toBe(bit(`${relation('[v_old]')} AND NOT ${relation('[v_new]')}`));
  });

  it('anyOf reads each probe as a scalar subquery; none is false', () => {
    const a = p.columnExists('t', 'a');
    const b = p.relationExists('u');
    expect(p.anyOf(a, b)).toBe(bit(`(${a}) = 1 OR (${b}) = 1`));
    expect(p.anyOf()).toBe(bit('1 = 0'));
  });
});

describe('volatileCalls', () => {
  it('non-deterministic user functions, a bare name in the default schema or dbo; operators do not exist', () => {
    expect(
      p.volatileCalls([
        { kind: 'function', name: 'f' },
        { kind: 'function', schema: 'a]b', name: "x'y" },
        { kind: 'operator', name: '+' },
      ]),
    ).toBe(
      "SELECT QUOTENAME(SCHEMA_NAME(o.schema_id)) + N'.' + QUOTENAME(o.name) AS fn FROM sys.objects AS o " +
        "WHERE o.type IN ('FN', 'IF', 'TF', 'FS', 'FT') AND COALESCE(OBJECTPROPERTY(o.object_id, 'IsDeterministic'), 0) = 0 " +
        "AND ((o.name = N'f' AND o.schema_id IN (SCHEMA_ID(), SCHEMA_ID(N'dbo'))) OR " +
        "(o.name = N'x''y' AND o.schema_id = SCHEMA_ID(N'a]b')))",
    );
    expect(p.volatileCalls([{ kind: 'operator', name: '+' }])).toBe(
      'SELECT CAST(NULL AS nvarchar(300)) AS fn WHERE 1 = 0',
    );
  });
});

describe('recentMismatches', () => {
  it('counts rows of the window in UTC, narrowed to a repository by literal', () => {
    expect(p.recentMismatches('schemashift.shadow_mismatches', 600_000)).toBe(
      'SELECT COUNT(*) AS mismatches FROM [schemashift].[shadow_mismatches] ' +
        'WHERE [at] > DATEADD(second, -600, SYSUTCDATETIME())',
    );
    expect(p.recentMismatches('m]x', 1500, "r'; DROP")).toBe(
      "SELECT COUNT(*) AS mismatches FROM [m]]x] WHERE [at] > DATEADD(millisecond, -1500, SYSUTCDATETIME()) AND [repository] = N'r''; DROP'",
    );
  });

  it('splits a window longer than an int of milliseconds; refuses what is not a whole count', () => {
    expect(windowStartSql(30 * 86_400_000)).toBe('DATEADD(second, -2592000, SYSUTCDATETIME())');
    expect(windowStartSql(30 * 86_400_000 + 5)).toBe(
      'DATEADD(millisecond, -5, DATEADD(second, -2592000, SYSUTCDATETIME()))',
    );
    expect(() => windowStartSql(1.5)).toThrow(/whole number/);
    expect(() => windowStartSql(-1)).toThrow(/whole number/);
    expect(() => windowStartSql(Number.NaN)).toThrow(/whole number/);
    expect(() => windowStartSql(3e15)).toThrow(/longer than/);
  });
});

describe('objectDefinition', () => {
  const tail = 'FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES) AS def';

  it('is one row, one JSON column `def`, for every kind', () => {
    const objects: DbObject[] = [
      { kind: 'column', table: 't', name: 'c', type: 'int' },
      { kind: 'index', table: 't', name: 'ix', columns: ['a'] },
      { kind: 'constraint', table: 't', name: 'fk', references: { table: 'r', columns: ['id'] } },
      { kind: 'trigger', table: 't', name: 'trg', function: 'f' },
      { kind: 'function', name: 'f' },
      { kind: 'materialized view', name: 'dbo.v', query: 'SELECT a FROM dbo.t' },
      { kind: 'table', name: 't', columns: [{ name: 'a', type: 'int', nullable: false }] },
      { kind: 'view', name: 'v' },
    ];
    for (const o of objects) {
      const sql = p.objectDefinition(o);
      expect(sql.startsWith('SELECT (SELECT ')).toBe(true);
      expect(sql.endsWith(tail)).toBe(true);
    }
    expect(p.objectDefinition({ kind: 'table property', table: 't', name: 'comment' })).toBe(
      'SELECT CAST(NULL AS nvarchar(max)) AS def',
    );
  });

  it('a column: its types, sizes, TYPE_ID comparison, default and collation', () => {
    const sql = p.objectDefinition({ kind: 'column', table: 'dbo.a]b', name: "x'; DROP", type: 'nvarchar(20)' });
    expect(sql).toContain(
      "CAST(CASE WHEN c.user_type_id = TYPE_ID(N'nvarchar') THEN 1 ELSE 0 END AS bit) AS same_type",
    );
    expect(sql).toContain('LEFT JOIN sys.default_constraints AS d ON d.object_id = c.default_object_id');
    expect(sql).toContain("WHERE c.object_id = OBJECT_ID(N'[dbo].[a]]b]') AND c.name = N'x''; DROP' FOR JSON");
    expect(p.objectDefinition({ kind: 'column', table: 't', name: 'c' })).toContain('CAST(NULL AS bit) AS same_type');
  });

  it('an index: keys in key order with direction, INCLUDE, filter, state', () => {
    const sql = p.objectDefinition({ kind: 'index', table: 'dbo.t', name: "ix'", columns: ['a'] });
    expect(sql).toContain('AND ic.key_ordinal > 0 ORDER BY ic.key_ordinal FOR JSON PATH)) AS keys');
    expect(sql).toContain('AND ic.is_included_column = 1 ORDER BY ic.index_column_id FOR JSON PATH)) AS include');
    expect(sql).toContain('i.filter_definition AS [where]');
    expect(sql).toContain('sys.index_resumable_operations AS r');
    expect(sql).toContain("FROM sys.indexes AS i WHERE i.object_id = OBJECT_ID(N'[dbo].[t]') AND i.name = N'ix'''");
  });

  it('a constraint: compares the referenced table by OBJECT_ID, reads actions and trust', () => {
    const sql = p.objectDefinition({
      kind: 'constraint',
      table: 't',
      name: 'fk',
      references: { table: "s.r'x", columns: ['id'] },
    });
    expect(sql).toContain(
      "CAST(CASE WHEN fk.referenced_object_id = OBJECT_ID(N'[s].[r''x]') THEN 1 ELSE 0 END AS bit) AS same_references",
    );
    expect(sql).toContain('fk.delete_referential_action_desc AS on_delete');
    expect(sql).toContain('COALESCE(cc.is_not_trusted, fk.is_not_trusted) AS not_trusted');
    expect(sql).toContain("AND o.type IN ('C', 'F', 'UQ', 'PK', 'D') FOR JSON");
  });

  it('a table: its columns, and the TYPE_ID of each planned type', () => {
    const sql = p.objectDefinition({
      kind: 'table',
      name: 't',
      columns: [
        { name: "a'", type: 'int', nullable: false },
        { name: 'b', type: 'dbo.phone', nullable: true },
      ],
    });
    expect(sql).toContain(
      "FROM (VALUES (N'a''', TYPE_ID(N'int')), (N'b', TYPE_ID(N'[dbo].[phone]'))) AS p([name], type_id) FOR JSON PATH)) AS planned",
    );
    expect(p.objectDefinition({ kind: 'table', name: 't' })).not.toContain('planned');
  });

  it('a materialized view (an indexed view): schema binding and its module text', () => {
    const sql = p.objectDefinition({ kind: 'materialized view', name: 'dbo.v' });
    expect(sql).toContain("OBJECTPROPERTY(o.object_id, 'IsSchemaBound') = 1");
    expect(sql).toContain('LEFT JOIN sys.sql_modules AS m ON m.object_id = o.object_id');
  });
});
