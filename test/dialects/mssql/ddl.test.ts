/** SQL Server DDL text: quoting of hostile names, the options per version, the notes and the refusals. */
import { describe, expect, it } from 'vitest';
import type { Action } from '../../../src/dialects/actions.js';
import { isUnsupported } from '../../../src/dialects/actions.js';
import type { BuildIndexAction } from '../../../src/dialects/actions-table.js';
import { mssqlDdl } from '../../../src/dialects/mssql/ddl.js';
import { DEFAULT_MSSQL_DDL_OPTIONS } from '../../../src/dialects/mssql/ddl-options.js';
import { ONLINE_EDITION_GUARD } from '../../../src/dialects/mssql/ddl-index.js';
import { refused, render, rendered } from './render-support.js';

const index = (over: Partial<BuildIndexAction>): BuildIndexAction => ({
  kind: 'build-index',
  table: 'dbo.t',
  name: 'ix',
  columns: ['a'],
  unique: false,
  method: 'btree',
  online: true,
  ...over,
});

describe('hostile names', () => {
  it('brackets identifiers with ] doubled and strings as N-literals with quote doubled', () => {
    const r = rendered({ kind: 'drop-column', table: "s]x.t'[1]", column: 'c]; DROP TABLE x--', cascade: false });
    expect(r.sql).toContain("OBJECT_ID(N'[s]]x].[t''[1]]]')");
    expect(r.sql).toContain("c.name = N'c]; DROP TABLE x--'");
    expect(r.sql).toContain(
      "SET @drop_default = N'ALTER TABLE [s]]x].[t''[1]]] DROP CONSTRAINT ' + QUOTENAME(@default);",
    );
    expect(r.sql).toContain('DROP COLUMN IF EXISTS [c]]; DROP TABLE x--]');
  });

  it('keeps Unicode names as they are, inside N-literals', () => {
    const r = rendered({ kind: 'drop-index', table: 'ventes.commandes', name: 'ix_été_注文', online: true });
    expect(r.sql).toBe('DROP INDEX IF EXISTS [ix_été_注文] ON [ventes].[commandes]');
    expect(r.probe).toContain("name = N'ix_été_注文'");
  });

  it('quotes a column comment as a literal of the extended property, in the default schema when unqualified', () => {
    const r = rendered({ kind: 'add-column', table: 't', column: 'c', type: 'int', notNull: false, comment: "it's" });
    expect(r.sql).toBe(
      [
        'ALTER TABLE [t] ADD [c] int NULL;',
        'DECLARE @schema sysname = SCHEMA_NAME();',
        "EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'it''s',",
        "@level0type = N'SCHEMA', @level0name = @schema, @level1type = N'TABLE', @level1name = N't',",
        "@level2type = N'COLUMN', @level2name = N'c'",
      ].join('\n'),
    );
  });
});

describe('add-column: when adding is not metadata-only', () => {
  const add = (type: string, dflt: string, notNull = true) =>
    rendered({ kind: 'add-column', table: 't', column: 'c', type, default: dflt, notNull }).sql.split('\n')[0];

  it('says so for a LOB type, a per-row default, a nullable column WITH VALUES', () => {
    expect(add('nvarchar(max)', "N''")).toBe('-- nvarchar(max) is a LOB type: every row is written');
    expect(add('uniqueidentifier', 'NEWID()')).toBe('-- the default is not a runtime constant: every row is written');
    expect(add('int', '0', false)).toBe(
      '-- WITH VALUES on a nullable column: metadata-only is documented for NOT NULL columns only',
    );
  });

  it('names the routines whose volatility only the database knows', () => {
    const r = rendered({
      kind: 'add-column',
      table: 't',
      column: 'c',
      type: 'int',
      default: 'dbo.f()',
      notNull: true,
      confirmNotVolatile: [{ kind: 'function', schema: 'dbo', name: 'f' }],
    });
    expect(r.sql.split('\n')[0]).toBe('-- every row is written unless f return one value per statement');
  });
});

describe('build-index options', () => {
  it('adds WAIT_AT_LOW_PRIORITY inside ONLINE on SQL Server 2022 only', () => {
    const on2022 = mssqlDdl({ ...DEFAULT_MSSQL_DDL_OPTIONS, version: 2022, lowPriorityWaitMinutes: 5 });
    expect(rendered(index({}), on2022).sql).toBe(
      `${ONLINE_EDITION_GUARD};\n` +
        'CREATE NONCLUSTERED INDEX [ix] ON [dbo].[t] ([a]) WITH (ONLINE = ON (WAIT_AT_LOW_PRIORITY ' +
        '(MAX_DURATION = 5 MINUTES, ABORT_AFTER_WAIT = SELF)), RESUMABLE = ON, MAX_DURATION = 240 MINUTES)',
    );
    expect(rendered(index({})).sql).not.toContain('WAIT_AT_LOW_PRIORITY');
  });

  it('builds a filtered index online but not resumable', () => {
    expect(rendered(index({ where: 'a IS NOT NULL' })).sql).toBe(
      `${ONLINE_EDITION_GUARD};\nCREATE NONCLUSTERED INDEX [ix] ON [dbo].[t] ([a]) WHERE a IS NOT NULL WITH (ONLINE = ON)`,
    );
  });

  it('an online build first refuses an edition without online builds, saying how to allow the offline one', () => {
    expect(ONLINE_EDITION_GUARD).toMatch(
      /^IF CAST\(SERVERPROPERTY\('EngineEdition'\) AS int\) NOT IN \(3, 5, 8\) THROW 50000, /,
    );
    expect(ONLINE_EDITION_GUARD).toContain('set concurrently: false');
    expect(rendered(index({ online: false })).sql).not.toContain('EngineEdition');
  });

  it('probes for the index or the constraint it became, and not a paused resumable build', () => {
    const probe = rendered(index({ doneWhenConstraint: 'uq' })).probe ?? '';
    expect(probe).toContain('sys.index_resumable_operations');
    expect(probe).toContain("name = N'uq' AND type IN");
  });

  it.each([
    [{ method: 'gin' }, 'SQL Server has no gin index method'],
    [{ columns: [], expressions: ['lower(a)'] }, 'SQL Server cannot index an expression'],
    [{ columnOptions: [{ nulls: 'last' as const }] }, 'ASC or DESC'],
    [{ tablespace: 'fast' }, 'filegroup'],
    [{ storage: { deduplicate_items: false } }, 'deduplicate_items'],
  ])('refuses %j', (over, reason) => {
    expect(refused(index(over)).unsupported).toContain(reason);
  });
});

describe('refusals carry the SQL Server reason and the safe way', () => {
  it.each<Action>([
    { kind: 'drop-column', table: 't', column: 'c', cascade: true },
    { kind: 'add-unique-using-index', table: 't', name: 'uq', index: 'ix' },
    { kind: 'add-primary-key-using-index', table: 't', name: 'pk', index: 'ix', columns: ['id'] },
    { kind: 'install-sync-trigger', table: 't', trigger: 'tr', function: 'f' },
    { kind: 'set-replica-identity', table: 't', identity: 'full' },
    {
      kind: 'add-foreign-key-unchecked',
      table: 't',
      name: 'fk',
      columns: ['a'],
      references: { table: 'u', columns: ['id'] },
      deferrable: { initiallyDeferred: true },
    },
  ])('$kind', (a) => {
    const r = refused(a);
    expect(r.unsupported.length).toBeGreaterThan(20);
    expect(r.instead.length).toBeGreaterThan(10);
  });

  it('raw statements must declare a SQL Server lock mode', () => {
    const raw = { kind: 'raw-statements' as const, sql: 'SELECT 1', on: ['t'], transactional: true };
    expect(refused({ ...raw, lockLevel: 'ACCESS EXCLUSIVE' }).unsupported).toContain('not a SQL Server lock mode');
    expect(rendered({ ...raw, lockLevel: 'S' }).lock).toEqual({ level: 'S', impact: 'blocks-writes', on: ['t'] });
  });
});

describe('no line holding only GO from plan text', () => {
  it('refuses a comment that would put one into the statement, and lets a raw script keep its GO lines', () => {
    const comment = render({
      kind: 'set-comment',
      table: 'orders',
      comment: 'hello\nGO\nDROP TABLE dbo.orders\nGO\nbye',
    });
    expect(isUnsupported(comment) && comment.unsupported).toMatch(/a line holding only GO/);
    const raw = render({
      kind: 'raw-statements',
      sql: 'SELECT 1\nGO\nSELECT 2',
      lockLevel: 'IS',
      on: [],
      transactional: false,
    });
    expect(isUnsupported(raw)).toBe(false);
  });
});
