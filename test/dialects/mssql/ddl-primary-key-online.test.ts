/**
 * add_primary_key on SQL Server: no USING INDEX, so after the guard and the NOT NULL recipe one
 * ALTER TABLE builds the key NONCLUSTERED, online where the edition has it; the inverse drops it.
 */
import { describe, expect, it } from 'vitest';
import { isUnsupported, type Rendered } from '../../../src/dialects/actions.js';
import type { AddPrimaryKeyOnlineAction } from '../../../src/dialects/actions-constraints.js';
import { mssqlDdl } from '../../../src/dialects/mssql/ddl.js';
import { mssql } from '../../../src/dialects/mssql/mssql-dialect.js';
import { addPrimaryKeyOnline } from '../../../src/dialects/mssql/ddl-primary-key-online.js';
import { findOperation } from '../../../src/operations/index.js';
import type { Step } from '../../../src/operations/types.js';
import { parseSpec } from '../../support/operations.js';

const render = (extra: object = {}) =>
  addPrimaryKeyOnline({
    kind: 'add-primary-key-online',
    table: 'sales.orders',
    name: 'orders_pkey',
    columns: ['tenant_id', 'id'],
    ...extra,
  });

describe('add-primary-key-online: one ALTER TABLE, NONCLUSTERED, online where the edition has it', () => {
  it('builds the key in dynamic SQL whose only variable part is ONLINE = ON', () => {
    const r = render() as Rendered;
    expect(r.sql.split('\n').slice(2)).toEqual([
      "DECLARE @add_primary_key nvarchar(max) = N'ALTER TABLE [sales].[orders] ADD CONSTRAINT [orders_pkey] " +
        "PRIMARY KEY NONCLUSTERED ([tenant_id], [id])';",
      "IF CAST(SERVERPROPERTY('EngineEdition') AS int) IN (3, 5, 8) SET @add_primary_key += N' WITH (ONLINE = ON)';",
      'EXEC sys.sp_executesql @add_primary_key',
    ]);
    expect(r.lock).toMatchObject({ level: 'Sch-M', on: ['sales.orders'] });
    expect(r.transactional).toBe(true);
    expect(r.probe).toContain("N'orders_pkey'");
  });

  it('keeps fillfactor, online or not', () => {
    const r = render({ storage: { fillfactor: 80 } }) as Rendered;
    expect(r.sql).toContain("PRIMARY KEY NONCLUSTERED ([tenant_id], [id]) WITH (FILLFACTOR = 80';");
    expect(r.sql).toContain("SET @add_primary_key += N', ONLINE = ON)';\nELSE SET @add_primary_key += N')';");
  });

  it('doubles quotes and brackets of hostile names inside the literal', () => {
    const r = addPrimaryKeyOnline({
      kind: 'add-primary-key-online',
      table: "t'x",
      name: 'a]b',
      columns: ["c'; DROP", 'd]e'],
    }) as Rendered;
    expect(r.sql).toContain(
      "N'ALTER TABLE [t''x] ADD CONSTRAINT [a]]b] PRIMARY KEY NONCLUSTERED ([c''; DROP], [d]]e])'",
    );
    expect(r.probe).toContain("N'a]b'");
  });

  it.each([
    [{ include: ['kind'] }, /INCLUDE/],
    [{ tablespace: 'fast' }, /tablespace/],
    [{ storage: { deduplicate_items: false } }, /deduplicate_items/],
  ])('refuses what SQL Server has no counterpart for: %o', (extra, reason) => {
    const r = render(extra);
    expect(isUnsupported(r) && r.unsupported).toMatch(reason);
  });

  it('is the SQL Server DDL for the kind', () => {
    const action: AddPrimaryKeyOnlineAction = {
      kind: 'add-primary-key-online',
      table: 't',
      name: 'k',
      columns: ['id'],
    };
    expect(mssqlDdl()['add-primary-key-online'](action)).toEqual(addPrimaryKeyOnline(action));
  });
});

const events = { table: 'app.events', name: 'events_pkey', columns: ['tenant_id', 'id'], set_not_null: ['tenant_id'] };
const op = findOperation('add_primary_key')!;
const ctx = { dialect: mssql, id: 'add_primary_key:test', phase: 'expand' as const };
const sqlOf = (s: Step | undefined): string => (s !== undefined && 'sql' in s ? s.sql : '');

describe('add_primary_key with the SQL Server dialect', () => {
  it('guard, the NOT NULL recipe, then one online key step (no index to build and attach)', () => {
    const steps = op.forward(parseSpec('add_primary_key', events), ctx);
    expect(steps.map((s) => s.id)).toEqual([
      'add_primary_key:test/guard',
      'add_primary_key:test/not-null-tenant_id',
      'add_primary_key:test/not-null-tenant_id/validate',
      'add_primary_key:test/not-null-tenant_id/set-not-null',
      'add_primary_key:test/not-null-tenant_id/drop-check',
      'add_primary_key:test/constraint',
    ]);
    expect(sqlOf(steps[0])).toMatch(/^IF EXISTS \(SELECT 1 FROM sys\.key_constraints .* THROW 50000/);
    expect(sqlOf(steps[0])).toContain("is_nullable = 1 AND name IN (N'id')");
    expect(sqlOf(steps[3])).toContain("N'ALTER TABLE [app].[events] ALTER COLUMN [tenant_id] '");
    expect(sqlOf(steps.at(-1))).toContain(
      "N'ALTER TABLE [app].[events] ADD CONSTRAINT [events_pkey] PRIMARY KEY NONCLUSTERED ([tenant_id], [id])'",
    );
  });

  it('passes fillfactor through, and refuses INCLUDE at plan time', () => {
    const fill = { ...events, index_parameters: { storage_parameters: { fillfactor: 90 } } };
    expect(sqlOf(op.forward(parseSpec('add_primary_key', fill), ctx).at(-1))).toContain('WITH (FILLFACTOR = 90');
    const include = { ...events, index_parameters: { include: ['kind'] } };
    expect(() => op.forward(parseSpec('add_primary_key', include), ctx)).toThrow(/no INCLUDE columns/);
  });

  it('the inverse drops only the key this plan created, then undoes the NOT NULL recipe', () => {
    const inverse = op.inverse(parseSpec('add_primary_key', events), ctx);
    const steps: Step[] = 'steps' in inverse ? inverse.steps : [];
    expect(steps.map((s) => `${s.id} undoes ${'undoes' in s ? String(s.undoes) : '-'}`)).toEqual([
      'add_primary_key:test/undo undoes add_primary_key:test/constraint',
      'add_primary_key:test/not-null-tenant_id/undo undoes add_primary_key:test/not-null-tenant_id/set-not-null',
      'add_primary_key:test/not-null-tenant_id/undo-check undoes add_primary_key:test/not-null-tenant_id',
    ]);
    expect(sqlOf(steps[0])).toContain('DROP CONSTRAINT IF EXISTS [events_pkey]');
  });
});
